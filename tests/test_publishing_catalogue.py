"""VoID (/.well-known/void) and the DCAT-AP catalogue (/catalogue): conform to the European
shapes, count what the graph holds, advertise downloads that verify, name the import sources,
negotiate formats, and put their IRIs on the public address."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import replace

import pytest
from conftest import require_shared
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SH, SKOS, XSD
from test_publishing import publishing_app

from aula_kg import vocab
from aula_kg.catalog import Catalog
from aula_kg.publishing import facts as facts_module
from aula_kg.publishing import void as void_module
from aula_kg.store import EmbeddedStore

VOID = vocab.VOID
SPDX = vocab.SPDX
VCARD = vocab.VCARD
BASE_URL = "http://testserver"


@pytest.fixture(scope="module")
def client(built_settings, store):
    return TestClient(publishing_app(built_settings, store))


def fetch_graph(client, path: str, accept: str = "text/turtle", fmt: str = "turtle") -> Graph:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    return Graph().parse(data=response.content, format=fmt)


@pytest.fixture(scope="module")
def catalogue(client) -> Graph:
    return fetch_graph(client, "/catalogue")


@pytest.fixture(scope="module")
def void_graph(client) -> Graph:
    return fetch_graph(client, "/.well-known/void")


def count(store, query: str) -> int:
    return int(store.select(query).rows[0][0].toPython())


# -- DCAT-AP conformance ---------------------------------------------------------------------

#: Property shapes the consolidated shapes name (sh:property) and no file defines: the
#: upstream files reference five of them (SEMICeu/DCAT-AP 3.0.1, shacl_ranges.ttl);
#: pySHACL stops on such a reference, so the dangling links are dropped (they constrain
#: nothing).


def dcat_ap_shapes(*names: str) -> Graph:
    folder = require_shared("conformance", "dcat-ap-3.0.1")
    shapes = Graph()
    for name in names:
        shapes.parse(folder / name, format="turtle")
    for shape, property_shape in list(shapes.subject_objects(SH.property)):
        if (property_shape, SH.path, None) not in shapes:
            shapes.remove((shape, SH.property, property_shape))
    return shapes


def violations(data: Graph, shapes: Graph) -> list[str]:
    from pyshacl import validate

    _conforms, report, _text = validate(data, shacl_graph=shapes, inference="none",
                                        allow_warnings=True, advanced=True)
    found = []
    for result in report.subjects(SH.resultSeverity, SH.Violation):
        found.append(f"{report.value(result, SH.focusNode)} {report.value(result, SH.resultPath)}:"
                     f" {report.value(result, SH.resultMessage)}")
    return sorted(found)


@pytest.mark.shared
@pytest.mark.parametrize("files", [
    ("shacl_dcat-ap-SHACL.ttl", "shacl_ranges.ttl"),
    ("html_shacl_shapes.ttl", "html_shacl_shapes_recommended.ttl", "html_shacl_range.ttl"),
], ids=["consolidated+ranges", "mandatory+recommended+ranges"])
def test_the_catalogue_conforms_to_dcat_ap_3_0_1(catalogue, files):
    assert violations(catalogue, dcat_ap_shapes(*files)) == []


@pytest.mark.shared
def test_a_catalogue_without_typed_objects_would_fail_the_shapes(catalogue):
    """The shapes do check the ranges: drop the publisher's foaf:Agent type and the
    catalogue no longer conforms (so the test above could fail)."""
    broken = Graph()
    for triple in catalogue:
        broken.add(triple)
    broken.remove((vocab.AGENCY, RDF.type, FOAF.Agent))
    found = violations(broken, dcat_ap_shapes("shacl_dcat-ap-SHACL.ttl", "shacl_ranges.ttl"))
    assert any(f"{DCTERMS.publisher}:" in v and "foaf:Agent" in v for v in found), found


# -- what the catalogue says -----------------------------------------------------------------


def datasets(catalogue: Graph) -> set[URIRef]:
    return set(catalogue.objects(vocab.catalogue(BASE_URL), DCAT.dataset))


def test_one_dataset_per_named_graph_and_one_for_the_whole(catalogue, store):
    names = store.graph_names()
    expected = {vocab.published_dataset(BASE_URL, g) for g in names}
    expected.add(vocab.published_dataset(BASE_URL))
    assert datasets(catalogue) == expected
    for graph in ("curated", "ontology", "shapes", "catalog"):
        assert vocab.published_dataset(BASE_URL, vocab.GRAPH[graph]) in expected


DATASET_FIELDS = (DCTERMS.title, DCTERMS.description, DCAT.keyword, DCAT.theme,
                  DCTERMS.publisher, DCAT.contactPoint, DCTERMS.issued, DCTERMS.modified,
                  DCTERMS.temporal, DCTERMS.spatial, DCTERMS.accrualPeriodicity,
                  DCTERMS.license, DCTERMS.identifier, DCAT.landingPage, DCAT.distribution)
DISTRIBUTION_FIELDS = (DCAT.downloadURL, DCAT.accessURL, DCAT.mediaType, DCTERMS.format,
                       DCAT.byteSize, SPDX.checksum, DCTERMS.license)


def test_every_dataset_carries_what_portals_read(catalogue):
    for dataset in datasets(catalogue):
        for field in DATASET_FIELDS:
            assert (dataset, field, None) in catalogue, f"{dataset} has no {field}"
        for predicate in (DCTERMS.title, DCTERMS.description):
            languages = {o.language for o in catalogue.objects(dataset, predicate)}
            assert {"fr", "en"} <= languages, f"{dataset} {predicate}: {languages}"
        publisher = catalogue.value(dataset, DCTERMS.publisher)
        assert (publisher, RDF.type, FOAF.Agent) in catalogue
        assert (catalogue.value(dataset, DCAT.contactPoint), RDF.type, VCARD.Kind) in catalogue
        assert (catalogue.value(dataset, DCAT.landingPage), RDF.type, FOAF.Document) in catalogue
        assert catalogue.value(dataset, DCTERMS.spatial) == vocab.AULA_TERRITORY
        for licence in catalogue.objects(dataset, DCTERMS.license):
            assert (licence, RDF.type, DCTERMS.LicenseDocument) in catalogue
        for distribution in catalogue.objects(dataset, DCAT.distribution):
            for field in DISTRIBUTION_FIELDS:
                assert (distribution, field, None) in catalogue, f"{distribution}: {field}"
            media = catalogue.value(distribution, DCAT.mediaType)
            assert str(media).startswith("http://www.iana.org/assignments/media-types/")
            size = catalogue.value(distribution, DCAT.byteSize)
            assert size.datatype == XSD.nonNegativeInteger


def test_the_agencys_data_are_under_the_licence_ouverte(catalogue):
    for key in ("curated", "ontology", "shapes", "catalog"):
        dataset = vocab.published_dataset(BASE_URL, vocab.GRAPH[key])
        assert set(catalogue.objects(dataset, DCTERMS.license)) == {vocab.LICENCE_OUVERTE_2}
    assert (vocab.LICENCE_OUVERTE_2, RDF.type, DCTERMS.LicenseDocument) in catalogue


IMPORT_SOURCES = """
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT DISTINCT ?graph ?source ?publisher ?licence WHERE {
  GRAPH ?graph { ?graph prov:wasDerivedFrom ?source }
  ?source dct:publisher ?publisher ; dct:license ?licence .
}
"""


def test_each_import_names_its_source_its_publisher_and_keeps_its_licence(catalogue, store):
    rows = store.select(IMPORT_SOURCES).rows
    assert {str(graph) for graph, *_ in rows} >= {
        str(vocab.opendata_graph(k)) for k in ("cog", "acv", "pvd", "ort", "programmes")}
    for graph, source, publisher, licence in rows:
        dataset = vocab.published_dataset(BASE_URL, graph)
        assert catalogue.value(dataset, DCTERMS.source) == source
        assert (source, RDF.type, DCAT.Dataset) in catalogue
        assert (source, DCTERMS.publisher, publisher) in catalogue
        assert (publisher, RDF.type, FOAF.Agent) in catalogue
        assert catalogue.value(publisher, FOAF.name) is not None
        assert (dataset, DCTERMS.license, licence) in catalogue
        assert catalogue.value(source, DCAT.landingPage) is not None


def test_the_sparql_endpoint_is_a_data_service(catalogue):
    service = vocab.catalogue_node(BASE_URL, "sparql")
    assert (vocab.catalogue(BASE_URL), DCAT.service, service) in catalogue
    assert (service, RDF.type, DCAT.DataService) in catalogue
    assert catalogue.value(service, DCAT.endpointURL) == URIRef(f"{BASE_URL}/sparql")
    assert catalogue.value(service, DCAT.endpointDescription) is not None
    assert catalogue.value(service, DCTERMS.conformsTo) == vocab.SPARQL_PROTOCOL
    assert set(catalogue.objects(service, DCAT.servesDataset)) == datasets(catalogue)


def test_every_advertised_distribution_downloads_with_its_size_and_checksum(
        catalogue, client, built_settings):
    """What a harvester does: follow downloadURL, compare byteSize and the SHA-256."""
    advertised = set(catalogue.subjects(DCAT.downloadURL, None))
    assert len(advertised) == len(built_settings_graphs(built_settings)) + 2
    for distribution in advertised:
        url = str(catalogue.value(distribution, DCAT.downloadURL))
        assert url.startswith(f"{BASE_URL}/telechargements/")
        response = client.get(url.removeprefix(BASE_URL))
        assert response.status_code == 200, url
        size = int(catalogue.value(distribution, DCAT.byteSize))
        checksum = catalogue.value(distribution, SPDX.checksum)
        assert catalogue.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        value = catalogue.value(checksum, SPDX.checksumValue)
        assert value.datatype == XSD.hexBinary
        assert len(response.content) == size
        assert hashlib.sha256(response.content).hexdigest() == str(value)
        gzip.decompress(response.content)


def built_settings_graphs(settings) -> dict:
    import json

    return json.loads(settings.manifest_file.read_text())["graphs"]


# -- content negotiation and the public address ----------------------------------------------

FORMATS = [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
           ("application/rdf+xml", "xml"), ("application/n-triples", "nt")]


@pytest.mark.parametrize("path", ["/catalogue", "/.well-known/void"])
def test_each_format_carries_the_same_triples(client, path):
    graphs = []
    for accept, fmt in FORMATS:
        response = client.get(path, headers={"Accept": accept})
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] == accept
        graphs.append(Graph().parse(data=response.content, format=fmt))
    for other in graphs[1:]:
        assert isomorphic(graphs[0], other)
    override = client.get(f"{path}?format=jsonld", headers={"Accept": "text/turtle"})
    assert override.headers["content-type"].startswith("application/ld+json")
    assert client.get(path, headers={"Accept": "image/png"}).status_code == 406
    head = client.head(path)
    assert head.status_code == 200 and head.content == b""


def test_the_public_url_puts_every_iri_on_the_public_host(built_settings, store):
    settings = replace(built_settings, public_url="https://kg.example.org")
    client = TestClient(publishing_app(settings, store))
    for path in ("/catalogue", "/.well-known/void"):
        graph = fetch_graph(client, path)
        iris = {str(t) for triple in graph for t in triple if isinstance(t, URIRef)}
        assert not any("testserver" in iri for iri in iris), path
        ours = {i for i in iris if "/catalogue" in i or "/telechargements" in i
                or "/.well-known/void" in i or i.endswith("/sparql")}
        assert ours and all(i.startswith("https://kg.example.org/") for i in ours), path
    page = client.get("/telechargements").text
    assert 'href="https://kg.example.org/telechargements/aula-kg.nq.gz"' in page
    assert "testserver" not in page


def test_without_a_public_url_iris_follow_the_request(built_settings, store):
    client = TestClient(publishing_app(built_settings, store), base_url="http://other.host:8080")
    graph = fetch_graph(client, "/catalogue")
    urls = {str(o) for o in graph.objects(None, DCAT.downloadURL)}
    assert urls and all(u.startswith("http://other.host:8080/telechargements/") for u in urls)


# -- VoID ----------------------------------------------------------------------------------

WHOLE_COUNTS = {
    VOID.triples: "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    VOID.properties: "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }",
    VOID.classes: "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }",
    VOID.distinctSubjects: "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }",
    VOID.distinctObjects: "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }",
    VOID.entities: "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o "
                   "FILTER(STRSTARTS(STR(?s), \"https://w3id.org/aula-kg/\")) }",
}


def test_void_counts_equal_count_queries_on_the_served_graph(void_graph, store):
    dataset = vocab.void_dataset(BASE_URL)
    for predicate, query in WHOLE_COUNTS.items():
        assert int(void_graph.value(dataset, predicate)) == count(store, query), predicate
    for graph in store.graph_names():
        subset = vocab.void_dataset(BASE_URL, graph)
        assert (dataset, VOID.subset, subset) in void_graph
        assert void_graph.value(subset, vocab.SD.name) == URIRef(graph)
        for predicate, query in WHOLE_COUNTS.items():
            in_graph = query.replace("WHERE { ", f"WHERE {{ GRAPH <{graph}> {{ ").replace(
                " }", " } }", 1) if "FILTER" not in query else query.replace(
                "WHERE { ?s ?p ?o ", f"WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} ")
            assert int(void_graph.value(subset, predicate)) == count(store, in_graph), (
                graph, predicate)


def test_void_describes_the_dataset_for_linked_data_users(void_graph, store):
    dataset = vocab.void_dataset(BASE_URL)
    assert (dataset, RDF.type, VOID.Dataset) in void_graph
    assert void_graph.value(dataset, VOID.sparqlEndpoint) == URIRef(f"{BASE_URL}/sparql")
    assert void_graph.value(dataset, VOID.uriSpace) == Literal(vocab.BASE)
    dumps_ = {str(o) for o in void_graph.objects(dataset, VOID.dataDump)}
    assert dumps_ == {f"{BASE_URL}/telechargements/aula-kg.nq.gz",
                      f"{BASE_URL}/telechargements/aula-kg.trig.gz"}
    vocabularies = set(void_graph.objects(dataset, VOID.vocabulary))
    assert {URIRef(str(DCAT)), URIRef(str(SKOS)), URIRef(str(vocab.AULA))} <= vocabularies
    for example in void_graph.objects(dataset, VOID.exampleResource):
        assert store.ask(f"ASK {{ <{example}> ?p ?o }}"), example
    curated = vocab.void_dataset(BASE_URL, vocab.CURATED_GRAPH)
    assert void_graph.value(curated, VOID.dataDump) == URIRef(
        f"{BASE_URL}/telechargements/graph-curated.ttl.gz")


def test_the_shipped_graph_holds_codes_not_links_so_void_has_no_linkset(void_graph, store):
    """INSEE codes and SIRENs are literals (igeo:codeINSEE, aula:siren) and no Wikidata IRI
    is stored: there is no link to count."""
    assert not list(void_graph.subjects(RDF.type, VOID.Linkset))
    assert count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(isIRI(?o) && ("
                        "STRSTARTS(STR(?o), 'http://www.wikidata.org/entity/') || "
                        "STRSTARTS(STR(?o), 'http://id.insee.fr/geo/'))) }") == 0


def test_links_to_wikidata_and_insee_become_linksets_with_their_counts(tmp_path, built_settings):
    links = tmp_path / "links.nq"
    g = "<https://w3id.org/aula-kg/graph/curated>"
    links.write_text(
        f"<https://w3id.org/aula-kg/id/commune/62119> <http://www.w3.org/2002/07/owl#sameAs> "
        f"<http://www.wikidata.org/entity/Q213016> {g} .\n"
        f"<https://w3id.org/aula-kg/id/commune/62498> <http://www.w3.org/2002/07/owl#sameAs> "
        f"<http://www.wikidata.org/entity/Q190096> {g} .\n"
        f"<https://w3id.org/aula-kg/id/commune/62119> <http://www.w3.org/2004/02/skos/core#"
        f"exactMatch> <http://id.insee.fr/geo/commune/62119> {g} .\n")
    store = EmbeddedStore.from_file(links)
    found = facts_module.collect(store, Catalog.load_internal(built_settings.queries_dir))
    graph = void_module.void_graph(BASE_URL, found, None)
    wikidata = vocab.void_linkset(BASE_URL, "wikidata")
    insee = vocab.void_linkset(BASE_URL, "insee")
    assert (wikidata, RDF.type, VOID.Linkset) in graph
    assert int(graph.value(wikidata, VOID.triples)) == 2
    assert graph.value(wikidata, VOID.linkPredicate) == URIRef(
        "http://www.w3.org/2002/07/owl#sameAs")
    assert graph.value(wikidata, VOID.subjectsTarget) == vocab.void_dataset(BASE_URL)
    assert int(graph.value(insee, VOID.triples)) == 1
    assert not list(graph.subjects(VOID.objectsTarget, vocab.void_target(BASE_URL, "siren")))


@pytest.mark.server
def test_the_figures_are_the_same_on_a_remote_store(oxigraph_server, store, built_settings):
    """VoID and the catalogue read the graph through the store protocol only: an oxigraph
    server holding the same graphs gives the same figures and provenance."""
    internal = Catalog.load_internal(built_settings.queries_dir)
    assert facts_module.collect(oxigraph_server, internal) == facts_module.collect(
        store, internal)
