"""Every page on every store: the embedded store and, through ``serve --endpoint``'s path
(settings naming the endpoint), a real Oxigraph server and a real Virtuoso holding the
published graph. Each page answers 200 with its content, and the three stores show the
same visible facts. The Store protocol's lookups the pages use give the same answers."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from rdflib import BNode, Graph, URIRef
from rdflib.compare import isomorphic
from test_web_pages import BROWSER, Page

from aula_kg import vocab
from aula_kg.store.base import ANY_NAMED, UNION
from aula_kg.web import create_app

pytestmark = pytest.mark.server

STORES = ["embedded", "oxigraph", "virtuoso"]
LENS = URIRef("https://w3id.org/aula-kg/id/commune/62498")


def remote_settings(settings, remote):
    """Settings as ``aula-kg serve --endpoint URL`` makes them."""
    return replace(settings, endpoint=remote.config.endpoint)


@pytest.fixture(scope="module")
def clients(request, built_settings, store):
    """A TestClient per store, opened on first use."""
    opened: dict[str, TestClient] = {}

    def client(kind: str) -> TestClient:
        if kind not in opened:
            if kind == "embedded":
                app = create_app(built_settings, store, workers=1)
            else:
                remote = request.getfixturevalue(f"{kind}_server")
                app = create_app(remote_settings(built_settings, remote))
            opened[kind] = TestClient(app).__enter__()
        return opened[kind]

    yield client
    for opened_client in opened.values():
        opened_client.__exit__(None, None, None)


def page(client: TestClient, url: str, status: int = 200) -> Page:
    response = client.get(url, headers={"Accept": BROWSER})
    assert response.status_code == status, (url, response.text[:800])
    assert response.headers["content-type"].startswith("text/html")
    return Page(response.text)


@pytest.mark.parametrize("kind", STORES)
def test_home(clients, kind):
    home = page(clients(kind), "/")
    stats = " ".join(home.texts("stats")).replace("\u202f", "")
    assert re.search(r"319\s+communes", stats) and re.search(r"\b5\s+EPCI", stats)
    assert "Le Zoom AULA" in home.all_text and "données ouvertes : cog" in home.all_text
    assert "Préconisations inexplorées d'un territoire" in " ".join(home.texts("q-title"))


@pytest.mark.parametrize("kind", STORES)
def test_dossier(clients, kind):
    dossier = page(clients(kind), "/dossier/pair/lens-lievin")
    assert dossier.texts("rec-label") == [
        "Usages", "Organisation", "Régulation", "Opérationnel", "Innovation"]
    assert "2 préconisations inexplorées" in dossier.all_text
    assert "/id/plan/plui-246200364" in dossier.links
    assert "Membres" in page(clients(kind), "/dossier/epci/246200364").all_text
    [chart] = [a for a in dossier.assets if a.startswith("/images/dossier.svg")]
    svg = clients(kind).get(chart)
    assert svg.status_code == 200 and "Organisation" in svg.text


@pytest.mark.parametrize("kind", STORES)
def test_resource(clients, kind):
    client = clients(kind)
    lens = page(client, "/id/commune/62498")
    text = lens.all_text
    assert "Lens" in text and "62498" in text and "Provenance" in text
    assert "/id/epci/246200364" in lens.links and "/id/pair/lens-lievin" in lens.links
    assert "/id/source/zoom-acv-2021/synthese" in lens.links
    assert "/graph/curated" in lens.links and "/graph/opendata/cog" in lens.links
    page(client, "/id/commune/00000", 404)
    turtle = client.get("/id/commune/62498", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200
    graph = Graph().parse(data=turtle.content, format="turtle")
    assert (LENS, vocab.IGEO.codeINSEE, None) in graph


@pytest.mark.parametrize("kind", STORES)
def test_ontology_and_shapes(clients, kind):
    client = clients(kind)
    ontology = page(client, "/ontology")
    assert "action de revitalisation" in ontology.all_text and "ActionShape" in ontology.all_text
    assert "/id/recommendation/usages" in ontology.links
    shapes = client.get("/shapes", headers={"Accept": BROWSER})
    assert 'id="CommuneShape"' in shapes.text and 'id="Commune-code"' in shapes.text
    rdf = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert (URIRef("https://w3id.org/aula-kg/ontology#Action"), None, None) in Graph().parse(
        data=rdf.content, format="turtle")


@pytest.mark.parametrize("kind", STORES)
def test_stored_query_form(clients, kind):
    answer = page(clients(kind), "/requetes/unexplored_recommendations?territory=B%C3%A9thune")
    rows = [t for t in answer.texts("results")]
    assert rows and "Usages" in rows[0] and "Régulation" in rows[0]
    assert "/id/recommendation/usages" in answer.links
    assert "55 lignes" in page(clients(kind), "/requetes/coverage_matrix?run=1").all_text


@pytest.mark.parametrize("kind", STORES)
def test_map_and_named_graph(clients, kind):
    client = clients(kind)
    carte = client.get("/carte")
    assert carte.status_code == 200 and carte.text.count("<svg") >= 2
    assert "Lens" in carte.text
    curated = page(client, "/graph/curated")
    assert "triplets" in curated.all_text and "/id/pair/lens-lievin" in curated.links
    dump = client.get("/graph/curated", headers={"Accept": "application/n-triples"})
    assert len(Graph().parse(data=dump.content, format="nt")) > 100


PAGES = ["/", "/dossier/pair/lens-lievin", "/dossier/commune/62119", "/dossier/epci/246200364",
         "/dossier", "/id/commune/62498", "/id/pair/lens-lievin", "/id/territory/aula",
         "/id/query/territory_dossier", "/ontology", "/shapes", "/graph/curated",
         "/requetes/unexplored_recommendations?territory=Lens-Li%C3%A9vin",
         "/requetes/coverage_matrix?run=1", "/editeur", "/carte", "/carte?territoire=CALL",
         "/graph/opendata/cog", "/requetes/territory_dossier?territory=Lens-Li%C3%A9vin"]


@pytest.mark.parametrize("kind", ["oxigraph", "virtuoso"])
def test_pages_show_the_same_facts_as_on_the_embedded_store(clients, kind):
    differ = []
    for url in PAGES:
        local, remote = page(clients("embedded"), url), page(clients(kind), url)
        if local.all_text != remote.all_text or sorted(local.links) != sorted(remote.links):
            differ.append(url)
    assert differ == []


# -- the Store protocol's lookups -------------------------------------------------------


@pytest.mark.parametrize("server", ["oxigraph_server", "virtuoso_server"])
def test_lookups_match_the_embedded_store(request, server, store):
    remote = request.getfixturevalue(server)
    triples = {q[:3] for q in store.quads(LENS)}
    assert {q[:3] for q in remote.quads(LENS)} == triples
    assert sorted(remote.quads(LENS, graph=ANY_NAMED)) == sorted(store.quads(LENS, graph=ANY_NAMED))
    curated = str(vocab.CURATED_GRAPH)
    assert sorted(remote.quads(LENS, graph=curated)) == sorted(store.quads(LENS, graph=curated))
    labels = [vocab.SKOS.prefLabel, vocab.RDFS.label]
    subjects = [LENS, URIRef("https://w3id.org/aula-kg/id/epci/246200364"), URIRef("urn:x:none")]
    assert sorted(remote.quads(subjects, labels, None, UNION)) == sorted(
        store.quads(subjects, labels, None, UNION))
    assert len(remote.quads(None, None, LENS, limit=2)) == 2
    assert remote.graph_sizes() == store.graph_sizes()
    dumped = remote.dump_graph(curated, "text/turtle", vocab.PREFIXES)
    assert isomorphic(Graph().parse(data=dumped, format="turtle"),
                      Graph().parse(data=store.dump_graph(curated, "text/turtle"),
                                    format="turtle"))
    assert remote.kind == "remote" and store.kind == "prebuilt"


@pytest.mark.parametrize("server", ["oxigraph_server", "virtuoso_server"])
def test_descriptions_with_blank_nodes_match(request, server, store):
    """A description comes back in one answer, blank nodes and all (a server's blank-node
    labels hold for one answer only)."""
    remote = request.getfixturevalue(server)
    with_blank = sorted({s for s, _p, o, _g in store.quads(None, None, None, UNION)
                         if isinstance(s, URIRef) and isinstance(o, BNode)})
    # Shapes whose lists and nested shapes go 5 blank nodes deep.
    assert len(with_blank) >= 10
    for iri in [*with_blank, str(LENS)]:
        local = Graph()
        for s, p, o, _g in store.describe(str(iri)):
            local.add((s, p, o))
        there = Graph()
        for s, p, o, _g in remote.describe(str(iri)):
            there.add((s, p, o))
        assert isomorphic(local, there), iri


@pytest.fixture
def html_server():
    """A server that answers every request with an HTML page (a proxy's error page)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            body = b"<html><body>Bad gateway</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    server.shutdown()
    server.server_close()


def test_a_server_answering_html_is_a_clear_error(html_server):
    from aula_kg.errors import BackendFailed
    from aula_kg.store.remote import RemoteStore

    remote = RemoteStore(html_server, timeout=5)
    remote._graphs = []
    with pytest.raises(BackendFailed) as lookup:
        remote.quads(LENS)
    assert "résultats SPARQL" in lookup.value.text("fr")
    with pytest.raises(BackendFailed) as dump:
        remote.dump_graph(str(vocab.CURATED_GRAPH), "application/ld+json")
    assert "N-Triples" in dump.value.text("fr") and html_server in dump.value.text("en")
