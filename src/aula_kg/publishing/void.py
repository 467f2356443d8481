"""The VoID description of the graph (``/.well-known/void``, RFC 5785 / VoID §7).

One void:Dataset for the whole graph (its figures over the union of the named graphs, each
triple once), one void:subset per named graph with its own figures (``sd:name`` says which
graph), and a void:Linkset for each kind of link to another dataset the graph holds. Every
IRI that locates something here (the document, the endpoint, the dumps) is on ``base``.
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, XSD

from .. import __version__, vocab
from .dcat import graph_texts
from .dumps import DumpIndex
from .facts import Counts, GraphFacts, Linkset

VOID = vocab.VOID
SD = vocab.SD

#: Resources worth looking at first (void:exampleResource): the agency's territory, a
#: commune, a programme.
EXAMPLE_RESOURCES = (vocab.AULA_TERRITORY, vocab.commune("62119"), vocab.programme("acv"))

#: The datasets the link sets point into, by the key of publishing_linksets.rq.
LINK_TARGETS = {
    "insee": ("INSEE: code officiel géographique", "http://rdf.insee.fr/"),
    "siren": ("Annuaire des entreprises (SIREN)", "https://annuaire-entreprises.data.gouv.fr/"),
    "wikidata": ("Wikidata", "https://www.wikidata.org/"),
}


def _integer(value: int) -> Literal:
    return Literal(value, datatype=XSD.integer)


def _add_counts(graph: Graph, node: URIRef, counts: Counts) -> None:
    graph.add((node, VOID.triples, _integer(counts.triples)))
    graph.add((node, VOID.entities, _integer(counts.entities)))
    graph.add((node, VOID.classes, _integer(counts.classes)))
    graph.add((node, VOID.properties, _integer(counts.properties)))
    graph.add((node, VOID.distinctSubjects, _integer(counts.distinct_subjects)))
    graph.add((node, VOID.distinctObjects, _integer(counts.distinct_objects)))


def void_graph(base: str, facts: GraphFacts, index: DumpIndex | None) -> Graph:
    """The VoID description, its IRIs on ``base`` (the public address of the server)."""
    graph = Graph()
    vocab.bind_prefixes(graph)
    graph.bind("void", VOID)
    graph.bind("sd", SD)
    document = vocab.void_document(base)
    dataset = vocab.void_dataset(base)
    graph.add((document, RDF.type, VOID.DatasetDescription))
    graph.add((document, DCTERMS.title, Literal("Description VoID du graphe aula-kg", lang="fr")))
    graph.add((document, DCTERMS.title, Literal("VoID description of the aula-kg graph",
                                                lang="en")))
    graph.add((document, FOAF.primaryTopic, dataset))

    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, DCTERMS.title, Literal(
        "Graphe de connaissances de la revitalisation des centres-villes (AULA)", lang="fr")))
    graph.add((dataset, DCTERMS.title, Literal(
        "Knowledge graph of town-centre revitalisation (AULA)", lang="en")))
    graph.add((dataset, DCTERMS.publisher, vocab.AGENCY))
    graph.add((dataset, DCTERMS.license, vocab.LICENCE_OUVERTE_2))
    graph.add((dataset, DCTERMS.hasVersion, Literal(__version__)))
    graph.add((dataset, FOAF.homepage, vocab.public_iri(base, "/")))
    graph.add((dataset, VOID.sparqlEndpoint, vocab.sparql_endpoint(base)))
    graph.add((dataset, VOID.uriSpace, Literal(vocab.BASE)))
    graph.add((dataset, VOID.feature, URIRef("http://www.w3.org/ns/formats/N-Quads")))
    graph.add((dataset, VOID.feature, URIRef("http://www.w3.org/ns/formats/TriG")))
    graph.add((dataset, VOID.feature, URIRef("http://www.w3.org/ns/formats/Turtle")))
    for example in EXAMPLE_RESOURCES:
        graph.add((dataset, VOID.exampleResource, example))
    for vocabulary in facts.vocabularies:
        graph.add((dataset, VOID.vocabulary, vocabulary))
    graph.add((dataset, VOID.vocabulary, URIRef(str(vocab.AULA))))
    _add_counts(graph, dataset, facts.whole)
    if index is not None:
        for dump in index.of_graph(None):
            graph.add((dataset, VOID.dataDump, vocab.download(base, dump.name)))

    for name, counts in facts.graphs.items():
        subset = vocab.void_dataset(base, name)
        graph.add((dataset, VOID.subset, subset))
        graph.add((subset, RDF.type, VOID.Dataset))
        graph.add((subset, SD.name, URIRef(name)))
        for lang, (title, _description) in graph_texts(name, facts).items():
            graph.add((subset, DCTERMS.title, Literal(title, lang=lang)))
        _add_counts(graph, subset, counts)
        graph.add((subset, VOID.sparqlEndpoint, vocab.sparql_endpoint(base)))
        if index is not None:
            for dump in index.of_graph(name):
                graph.add((subset, VOID.dataDump, vocab.download(base, dump.name)))

    by_target: dict[str, list[Linkset]] = {}
    for link in facts.linksets:
        by_target.setdefault(link.target, []).append(link)
    for target, links in sorted(by_target.items()):
        linkset = vocab.void_linkset(base, target)
        other = vocab.void_target(base, target)
        title, homepage = LINK_TARGETS.get(target, (target, links[0].namespace))
        graph.add((dataset, VOID.subset, linkset))
        graph.add((linkset, RDF.type, VOID.Linkset))
        graph.add((linkset, VOID.subjectsTarget, dataset))
        graph.add((linkset, VOID.objectsTarget, other))
        graph.add((linkset, VOID.triples, _integer(sum(link.triples for link in links))))
        for link in links:
            graph.add((linkset, VOID.linkPredicate, link.predicate))
        graph.add((other, RDF.type, VOID.Dataset))
        graph.add((other, DCTERMS.title, Literal(title)))
        graph.add((other, FOAF.homepage, URIRef(homepage)))
        graph.add((other, VOID.uriSpace, Literal(links[0].namespace)))
    return graph
