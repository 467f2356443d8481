"""The DCAT-AP 3.0.1 catalogue of the graph (``/catalogue``), for data.gouv.fr and the
European portals.

One dcat:Dataset per named graph (curated data, ontology, shapes, stored-query catalogue,
inferred facts, each open-data import) and one for the whole graph; their distributions are
the build's dumps (publishing.dumps: size and SHA-256 from the index), the SPARQL endpoint
is a dcat:DataService. An import keeps its source's licence and names the original dataset
and its publisher (dct:source), as the imported graph itself records them (facts.imports).

Every object the DCAT-AP range shapes constrain is typed here (a publisher is a foaf:Agent,
a landing page a foaf:Document, a licence a dct:LicenseDocument, a format a
dct:MediaTypeOrExtent...): the shapes check the type, and a harvester reads it.
"""

from __future__ import annotations

from datetime import datetime

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from .. import __version__, vocab
from .dumps import COMPRESSION, FORMATS, Dump, DumpIndex
from .facts import GraphFacts, ImportedSource

VCARD = vocab.VCARD
SPDX = vocab.SPDX
IANA = vocab.IANA_MEDIA_TYPE
#: DCAT 3's dcat:version (rdflib's DCAT namespace predates it).
DCAT_VERSION = URIRef(f"{DCAT}version")

AGENCY_NAMES = {"fr": "Agence d'urbanisme de l'Artois", "en": "Artois urban planning agency"}
#: The agency's site (cited by the seeds, see data/knowledge.ttl).
AGENCY_SITE = URIRef("http://www.aulartois.fr/")
_EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
FRENCH = URIRef(_EU_AUTHORITY + "language/FRA")
#: The programmes the graph follows start in 2018 (first Action cœur de ville conventions).
TEMPORAL_START = Literal("2018-01-01", datatype=XSD.date)
THEMES = {
    vocab.EU_DATA_THEME.REGI: {"fr": "Régions et villes", "en": "Regions and cities"},
    vocab.EU_DATA_THEME.GOVE: {"fr": "Gouvernement et secteur public",
                               "en": "Government and public sector"},
}
THEME_SCHEME = URIRef(str(vocab.EU_DATA_THEME).rstrip("/"))
AVAILABILITY = URIRef("http://data.europa.eu/r5r/availability")
STABLE = URIRef(_EU_AUTHORITY + "planned-availability/STABLE")
FRANCE = URIRef(_EU_AUTHORITY + "country/FRA")
#: ADMS licence type of the Licence Ouverte and of MIT: attribution.
ATTRIBUTION = URIRef("http://purl.org/adms/licencetype/Attribution")
#: Rebuilt when the agency's sources or the open data change: no fixed rhythm.
FREQUENCY = vocab.EU_FREQUENCY.IRREG

KEYWORDS = {
    "fr": ["revitalisation", "centre-ville", "Action cœur de ville", "Petites villes de demain",
           "urbanisme", "Artois", "graphe de connaissances"],
    "en": ["revitalisation", "town centre", "urban planning", "Artois", "knowledge graph"],
}

SOURCE_KEYWORDS = {"fr": ["données ouvertes", "revitalisation"],
                   "en": ["open data", "revitalisation"]}

#: (title, description) by language for the graphs of the agency's own making.
GRAPH_TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "curated": {
        "fr": ("Données de l'AULA sur la revitalisation des centres-villes",
               "Territoires, programmes, actions, constats et préconisations de l'Agence "
               "d'urbanisme de l'Artois, saisis à partir de ses documents ; chaque fait "
               "renvoie à la section du document d'où il vient."),
        "en": ("AULA's data on town-centre revitalisation",
               "Territories, programmes, actions, findings and recommendations of the Artois "
               "urban planning agency, entered from its documents; each fact points to the "
               "section of the document it comes from."),
    },
    "ontology": {
        "fr": ("Ontologie aula-kg",
               "Les classes, propriétés et schémas de concepts SKOS du graphe."),
        "en": ("aula-kg ontology",
               "The classes, properties and SKOS concept schemes of the graph."),
    },
    "shapes": {
        "fr": ("Formes SHACL d'aula-kg",
               "Les contraintes SHACL que les données vérifient à chaque construction."),
        "en": ("aula-kg SHACL shapes",
               "The SHACL constraints the data meets at every build."),
    },
    "catalog": {
        "fr": ("Catalogue des questions enregistrées",
               "Les requêtes SPARQL enregistrées du graphe, avec leurs paramètres typés."),
        "en": ("Catalogue of stored queries",
               "The graph's stored SPARQL queries, with their typed parameters."),
    },
    "inferred": {
        "fr": ("Faits déduits",
               "Les faits que les règles OWL 2 RL déduisent des autres graphes."),
        "en": ("Inferred facts",
               "The facts the OWL 2 RL rules infer from the other graphs."),
    },
}
WHOLE_TEXTS = {
    "fr": ("Graphe de connaissances de la revitalisation des centres-villes (AULA)",
           "Le graphe entier : données de l'Agence d'urbanisme de l'Artois, ontologie, "
           "formes, questions enregistrées, faits déduits et imports de données ouvertes "
           "(INSEE, ANCT...), un graphe nommé par source."),
    "en": ("Knowledge graph of town-centre revitalisation (AULA)",
           "The whole graph: the Artois urban planning agency's data, ontology, shapes, "
           "stored queries, inferred facts and open-data imports (INSEE, ANCT...), one "
           "named graph per source."),
}
DUMP_TEXTS = {
    "nquads": ("Le graphe entier en N-Quads (gzip)", "The whole graph as N-Quads (gzip)"),
    "trig": ("Le graphe entier en TriG (gzip)", "The whole graph as TriG (gzip)"),
    "turtle": ("Le graphe nommé en Turtle (gzip)", "The named graph as Turtle (gzip)"),
}


def graph_texts(graph: str, facts: GraphFacts) -> dict[str, tuple[str, str]]:
    """(title, description) by language of a named graph's dataset."""
    source = facts.imports.get(graph)
    if source is not None:
        texts: dict[str, tuple[str, str]] = {}
        for lang in ("fr", "en"):
            title = source.titles.get(lang) or next(iter(source.titles.values()), graph)
            if lang == "fr":
                texts[lang] = (f"{title} — import aula-kg",
                               f"Le jeu « {title} » importé dans le graphe aula-kg (graphe "
                               f"nommé {graph}), restreint au territoire de l'AULA.")
            else:
                texts[lang] = (f"{title} — aula-kg import",
                               f"The dataset '{title}' imported into the aula-kg graph "
                               f"(named graph {graph}), restricted to the AULA territory.")
        return texts
    key = vocab.published_key(graph)
    return GRAPH_TEXTS.get(key) or {
        "fr": (f"Graphe nommé {key}", f"Le graphe nommé {graph}."),
        "en": (f"Named graph {key}", f"The named graph {graph}."),
    }


def graph_licences(graph: str | None, facts: GraphFacts) -> list[URIRef]:
    """The agency's Licence Ouverte 2.0, or an import's source licences."""
    source = facts.imports.get(graph) if graph else None
    return (source.licences if source is not None else []) or [vocab.LICENCE_OUVERTE_2]


def graph_page(base: str, graph: str) -> URIRef:
    """The server's page of a named graph (``/graph/curated``)."""
    return vocab.public_iri(base, "/" + graph[len(vocab.BASE):]) if graph.startswith(
        vocab.BASE) else vocab.downloads_page(base)


class _Builder:
    def __init__(self, base: str, facts: GraphFacts, index: DumpIndex | None, built_at: str):
        self.base = base
        self.facts = facts
        self.index = index
        self.graph = Graph()
        vocab.bind_prefixes(self.graph)
        for prefix, ns in (("vcard", VCARD), ("spdx", SPDX), ("dct", DCTERMS)):
            self.graph.bind(prefix, ns)
        self.modified = _datetime(built_at)

    def add(self, subject: Node, predicate: Node, object_: Node) -> None:
        self.graph.add((subject, predicate, object_))

    def typed(self, node: URIRef, *classes: URIRef) -> URIRef:
        for cls in classes:
            self.add(node, RDF.type, cls)
        return node

    def texts(self, node: URIRef, predicate: URIRef, by_lang: dict[str, str]) -> None:
        for lang, text in by_lang.items():
            self.add(node, predicate, Literal(text, lang=lang))

    # -- shared resources ----------------------------------------------------------------

    def agents(self) -> None:
        self.typed(vocab.AGENCY, FOAF.Agent, FOAF.Organization)
        self.texts(vocab.AGENCY, FOAF.name, AGENCY_NAMES)
        self.add(vocab.AGENCY, FOAF.homepage, self.typed(AGENCY_SITE, FOAF.Document))
        self.contact = self.typed(vocab.catalogue_node(self.base, "contact"),
                                  VCARD.Kind, VCARD.Organization)
        self.add(self.contact, VCARD.fn, Literal(AGENCY_NAMES["fr"]))
        self.add(self.contact, VCARD.hasURL, AGENCY_SITE)
        self.typed(vocab.LICENCE_OUVERTE_2, DCTERMS.LicenseDocument)
        self.add(vocab.LICENCE_OUVERTE_2, DCTERMS.title,
                 Literal("Licence Ouverte / Open Licence version 2.0"))
        self.add(vocab.LICENCE_OUVERTE_2, DCTERMS.type, self.typed(ATTRIBUTION, SKOS.Concept))
        self.typed(vocab.AULA_TERRITORY, DCTERMS.Location)
        self.typed(FRANCE, DCTERMS.Location)
        self.typed(STABLE, SKOS.Concept)
        self.texts(STABLE, SKOS.prefLabel, {"fr": "Stable", "en": "Stable"})
        self.texts(ATTRIBUTION, SKOS.prefLabel, {"fr": "Attribution", "en": "Attribution"})
        self.add(STABLE, SKOS.inScheme, URIRef(_EU_AUTHORITY + "planned-availability"))
        self.add(FRANCE, SKOS.inScheme, URIRef(_EU_AUTHORITY + "country"))
        self.typed(FREQUENCY, DCTERMS.Frequency)
        self.typed(FRENCH, DCTERMS.LinguisticSystem)
        self.typed(THEME_SCHEME, SKOS.ConceptScheme)
        self.add(THEME_SCHEME, DCTERMS.title, Literal("Data theme", lang="en"))
        for theme, labels in THEMES.items():
            self.typed(theme, SKOS.Concept)
            self.add(theme, SKOS.inScheme, THEME_SCHEME)
            self.texts(theme, SKOS.prefLabel, labels)
        # The EU vocabularies' terms say their scheme (the MDR shapes check it).
        for term, scheme in ((FREQUENCY, "frequency"), (FRENCH, "language")):
            self.add(term, SKOS.inScheme, URIRef(_EU_AUTHORITY + scheme))
        self.period = self.typed(vocab.catalogue_node(self.base, "period"), DCTERMS.PeriodOfTime)
        self.add(self.period, DCAT.startDate, TEMPORAL_START)
        self.sparql = self.typed(vocab.catalogue_node(self.base, "sparql"), DCAT.DataService)
        self.typed(vocab.SPARQL_PROTOCOL, DCTERMS.Standard)

    def common(self, node: URIRef, texts: dict[str, tuple[str, str]], licences: list[URIRef],
               issued: Literal, identifier: str, landing: URIRef) -> None:
        """What every dataset carries (the data.gouv.fr harvester reads each of these)."""
        self.typed(node, DCAT.Dataset)
        for lang, (title, description) in texts.items():
            self.add(node, DCTERMS.title, Literal(title, lang=lang))
            self.add(node, DCTERMS.description, Literal(description, lang=lang))
        for lang, words in KEYWORDS.items():
            for word in words:
                self.add(node, DCAT.keyword, Literal(word, lang=lang))
        for theme in THEMES:
            self.add(node, DCAT.theme, theme)
        self.add(node, DCTERMS.publisher, vocab.AGENCY)
        self.add(node, DCAT.contactPoint, self.contact)
        self.add(node, DCTERMS.issued, issued)
        self.add(node, DCTERMS.modified, self.modified)
        self.add(node, DCTERMS.temporal, self.period)
        self.add(node, DCTERMS.spatial, vocab.AULA_TERRITORY)
        self.add(node, DCTERMS.accrualPeriodicity, FREQUENCY)
        self.add(node, DCTERMS.language, FRENCH)
        self.add(node, DCTERMS.identifier, Literal(identifier))
        self.add(node, DCAT.landingPage, self.typed(landing, FOAF.Document))
        for licence in licences:
            self.add(node, DCTERMS.license, self.typed(licence, DCTERMS.LicenseDocument))
        self.add(node, DCAT_VERSION, Literal(__version__))
        self.add(self.sparql, DCAT.servesDataset, node)

    def distribution(self, dataset: URIRef, dump: Dump, licences: list[URIRef]) -> None:
        node = self.typed(vocab.published_distribution(self.base, dump.name), DCAT.Distribution)
        url = vocab.download(self.base, dump.name)
        self.add(dataset, DCAT.distribution, node)
        fr, en = DUMP_TEXTS[dump.format]
        self.add(node, DCTERMS.title, Literal(f"{fr} : {dump.name}", lang="fr"))
        self.add(node, DCTERMS.title, Literal(f"{en}: {dump.name}", lang="en"))
        holds = ("Le graphe entier" if dump.graph is None else f"Le graphe nommé {dump.graph}",
                 "The whole graph" if dump.graph is None else f"The named graph {dump.graph}")
        self.add(node, DCTERMS.description, Literal(
            f"{holds[0]}, {dump.quads} quadruplets, compressé en gzip ; SHA-256 {dump.sha256}.",
            lang="fr"))
        self.add(node, DCTERMS.description, Literal(
            f"{holds[1]}, {dump.quads} quads, gzip-compressed; SHA-256 {dump.sha256}.",
            lang="en"))
        self.add(node, AVAILABILITY, STABLE)
        self.add(node, DCAT.downloadURL, url)
        self.add(node, DCAT.accessURL, url)
        media_type, file_type = FORMATS[dump.format]
        self.add(node, DCAT.mediaType, self.typed(IANA[media_type], DCTERMS.MediaType))
        self.add(node, DCAT.compressFormat, self.typed(IANA[COMPRESSION], DCTERMS.MediaType))
        file_type_iri = self.typed(vocab.EU_FILE_TYPE[file_type], DCTERMS.MediaTypeOrExtent)
        self.add(node, DCTERMS.format, file_type_iri)
        self.add(file_type_iri, SKOS.inScheme, URIRef(_EU_AUTHORITY + "file-type"))
        self.add(node, DCAT.byteSize, Literal(dump.bytes, datatype=XSD.nonNegativeInteger))
        checksum = self.typed(vocab.published_checksum(self.base, dump.name), SPDX.Checksum)
        self.add(node, SPDX.checksum, checksum)
        self.add(checksum, SPDX.algorithm, self.typed(SPDX.checksumAlgorithm_sha256,
                                                      SPDX.ChecksumAlgorithm))
        self.add(checksum, SPDX.checksumValue, Literal(dump.sha256, datatype=XSD.hexBinary))
        self.add(node, DCTERMS.modified, self.modified)
        self.add(node, DCTERMS.license, self.single_licence(dump.graph, licences))

    def single_licence(self, graph: str | None, licences: list[URIRef]) -> URIRef:
        """A file has one licence (DCAT-AP): a source under several (a compilation under
        MIT of data under the Licence Ouverte) gets one document naming them all."""
        if len(licences) == 1:
            return licences[0]
        node = self.typed(vocab.catalogue_node(
            self.base, f"licence-{vocab.published_key(graph) if graph else 'all'}"),
                          DCTERMS.LicenseDocument)
        names = ", ".join(str(licence) for licence in licences)
        self.texts(node, DCTERMS.title, {"fr": f"Les licences de la source : {names}",
                                         "en": f"The source's licences: {names}"})
        self.add(node, DCTERMS.type, ATTRIBUTION)
        for licence in licences:
            self.add(node, RDFS.seeAlso, licence)
        return node

    def distributions(self, dataset: URIRef, graph: str | None, licences: list[URIRef]) -> None:
        if self.index is not None:
            for dump in self.index.of_graph(graph):
                self.distribution(dataset, dump, licences)

    # -- the datasets --------------------------------------------------------------------

    def imported(self, node: URIRef, graph: str, source: ImportedSource) -> list[URIRef]:
        """An import's dataset: the source's licences, titles after the source's, and
        dct:source naming the original dataset described with its publisher."""
        licences = graph_licences(graph, self.facts)
        texts = graph_texts(graph, self.facts)
        issued = source.imported_at or self.modified
        self.common(node, texts, licences, issued, graph, graph_page(self.base, graph))
        origin = self.typed(source.source, DCAT.Dataset)
        self.add(node, DCTERMS.source, origin)
        for lang, title in source.titles.items():
            self.add(origin, DCTERMS.title, Literal(title, lang=lang))
        descriptions = source.descriptions or {"fr": next(iter(source.titles.values()), graph)}
        for lang, text in descriptions.items():
            self.add(origin, DCTERMS.description, Literal(text, lang=lang))
        for publisher in source.publishers:
            self.add(origin, DCTERMS.publisher, self.typed(publisher, FOAF.Agent))
            names = source.publisher_names.get(str(publisher), []) or [str(publisher)]
            for name in names:
                self.add(publisher, FOAF.name, Literal(name))
            contact = self.typed(vocab.catalogue_node(self.base, f"contact-{publisher}"),
                                 VCARD.Kind, VCARD.Organization)
            self.add(contact, VCARD.fn, Literal(names[0]))
            self.add(contact, VCARD.hasURL, publisher)
            self.add(origin, DCAT.contactPoint, contact)
        for page in source.landing_pages:
            self.add(origin, DCAT.landingPage, self.typed(page, FOAF.Document))
            # Where the original files are to be had: the source's own page.
            access = self.typed(vocab.catalogue_node(
                self.base, f"source-{vocab.published_key(graph)}"),
                                DCAT.Distribution)
            self.add(origin, DCAT.distribution, access)
            self.add(access, DCAT.accessURL, page)
            self.texts(access, DCTERMS.title, {"fr": "Page du jeu d'origine",
                                               "en": "Page of the original dataset"})
            self.texts(access, DCTERMS.description, {
                "fr": "Les fichiers d'origine, sur le site de leur éditeur.",
                "en": "The original files, on their publisher's site."})
            self.add(access, AVAILABILITY, STABLE)
            self.add(access, DCTERMS.license, self.single_licence(graph, licences))
        self.add(origin, DCTERMS.spatial, FRANCE)
        for theme in THEMES:
            self.add(origin, DCAT.theme, theme)
        for lang, words in SOURCE_KEYWORDS.items():
            for word in words:
                self.add(origin, DCAT.keyword, Literal(word, lang=lang))
        for licence in licences:
            self.add(origin, DCTERMS.license, licence)
        if source.edition:
            self.add(origin, DCAT_VERSION, Literal(source.edition))
        return licences

    def build(self) -> Graph:
        self.agents()
        catalogue = self.typed(vocab.catalogue(self.base), DCAT.Catalog)
        for lang, (title, description) in WHOLE_TEXTS.items():
            label = "Catalogue : " if lang == "fr" else "Catalogue: "
            self.add(catalogue, DCTERMS.title, Literal(label + title, lang=lang))
            self.add(catalogue, DCTERMS.description, Literal(description, lang=lang))
        self.add(catalogue, DCTERMS.publisher, vocab.AGENCY)
        self.add(catalogue, DCAT.contactPoint, self.contact)
        self.add(catalogue, FOAF.homepage, self.typed(vocab.public_iri(self.base, "/"),
                                                      FOAF.Document))
        self.add(catalogue, DCTERMS.language, FRENCH)
        self.add(catalogue, DCTERMS.license, vocab.LICENCE_OUVERTE_2)
        self.add(catalogue, DCTERMS.modified, self.modified)
        self.add(catalogue, DCTERMS.issued, self.modified)
        self.add(catalogue, DCTERMS.spatial, vocab.AULA_TERRITORY)
        self.add(catalogue, DCAT.themeTaxonomy, THEME_SCHEME)
        self.add(catalogue, DCAT.service, self.sparql)

        agency_licences = [vocab.LICENCE_OUVERTE_2]
        whole = vocab.published_dataset(self.base)
        self.common(whole, WHOLE_TEXTS, agency_licences, self.modified, vocab.BASE,
                    vocab.downloads_page(self.base))
        self.distributions(whole, None, agency_licences)
        self.add(catalogue, DCAT.dataset, whole)
        for graph in self.facts.graphs:
            node = vocab.published_dataset(self.base, graph)
            self.add(catalogue, DCAT.dataset, node)
            self.add(whole, DCTERMS.hasPart, node)
            if graph in self.facts.imports:
                licences = self.imported(node, graph, self.facts.imports[graph])
            else:
                licences = agency_licences
                self.common(node, graph_texts(graph, self.facts), licences, self.modified,
                            graph, graph_page(self.base, graph))
            self.distributions(node, graph, licences)

        service = self.sparql
        self.texts(service, DCTERMS.title, {"fr": "Point d'accès SPARQL d'aula-kg",
                                            "en": "aula-kg SPARQL endpoint"})
        self.texts(service, DCTERMS.description, {
            "fr": "Le graphe entier en lecture seule par le protocole SPARQL 1.1 ; sans "
                  "requête, l'adresse donne la description du service.",
            "en": "The whole graph, read-only, through the SPARQL 1.1 Protocol; without a "
                  "query the address gives the service description."})
        # The range shapes want these typed too; the endpoint describes itself (sd:).
        endpoint = self.typed(vocab.sparql_endpoint(self.base), RDFS.Resource)
        self.add(service, DCAT.endpointURL, endpoint)
        for theme in THEMES:
            self.add(service, DCAT.theme, theme)
        for lang, words in {"fr": ["SPARQL", "graphe de connaissances"],
                            "en": ["SPARQL", "knowledge graph"]}.items():
            for word in words:
                self.add(service, DCAT.keyword, Literal(word, lang=lang))
        self.add(service, DCAT.endpointDescription, endpoint)
        self.add(service, DCTERMS.conformsTo, vocab.SPARQL_PROTOCOL)
        self.add(service, DCTERMS.publisher, vocab.AGENCY)
        self.add(service, DCAT.contactPoint, self.contact)
        self.add(service, DCTERMS.license, vocab.LICENCE_OUVERTE_2)
        self.add(service, DCAT.landingPage, self.typed(vocab.public_iri(self.base, "/editeur"),
                                                       FOAF.Document))
        return self.graph



def _datetime(value: str) -> Literal:
    try:
        return Literal(datetime.fromisoformat(value).isoformat(), datatype=XSD.dateTime)
    except ValueError:
        return Literal(value, datatype=XSD.dateTime)


def catalogue_graph(base: str, facts: GraphFacts, index: DumpIndex | None,
                    built_at: str) -> Graph:
    """The DCAT-AP catalogue, its IRIs on ``base``; ``built_at`` (the manifest's) is the
    date every dataset was last modified."""
    return _Builder(base, facts, index, built_at).build()
