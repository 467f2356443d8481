"""Pages for people: home, stored-query pages, resource pages with content negotiation,
territory dossiers, the editor, the ontology documentation, static files, escaping."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF

from aula_kg.store import EmbeddedStore
from aula_kg.web import create_app

ID = "https://w3id.org/aula-kg/id/"
ONT = "https://w3id.org/aula-kg/ontology#"
IGEO = "http://rdf.insee.fr/def/geo#"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.fixture(scope="module")
def client(built_settings, store):
    with TestClient(create_app(built_settings, store, workers=2)) as client:
        yield client


class Page(HTMLParser):
    """Elements of a page by class, the text of the whole page, and the asset URLs."""

    def __init__(self, html: str):
        super().__init__()
        self.stack: list[tuple[str, set[str]]] = []
        self.by_class: dict[str, list[list[str]]] = {}
        self.open: list[tuple[str, list[str]]] = []
        self.assets: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("link", "script", "img") and (attrs.get("href") or attrs.get("src")):
            self.assets.append(attrs.get("href") or attrs.get("src"))
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in ("link", "meta", "img", "input", "br"):
            return
        classes = set((attrs.get("class") or "").split())
        self.stack.append((tag, classes))
        for cls in classes:
            bucket: list[str] = []
            self.by_class.setdefault(cls, []).append(bucket)
            self.open.append((cls, bucket))

    def handle_endtag(self, tag):
        if tag in ("link", "meta", "img", "input", "br"):
            return
        while self.stack:
            open_tag, classes = self.stack.pop()
            for cls in classes:
                for i in range(len(self.open) - 1, -1, -1):
                    if self.open[i][0] == cls:
                        del self.open[i]
                        break
            if open_tag == tag:
                break

    def handle_data(self, data):
        self.text.append(data)
        for _, bucket in self.open:
            bucket.append(data)

    def texts(self, cls: str) -> list[str]:
        return [" ".join("".join(b).split()) for b in self.by_class.get(cls, [])]

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def html_page(client, url: str, status: int = 200) -> Page:
    response = client.get(url, headers={"Accept": BROWSER})
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return Page(response.text)


# -- home ---------------------------------------------------------------------------------


def test_home_says_what_the_graph_holds(client):
    page = html_page(client, "/")
    stats = " ".join(page.texts("stats"))
    for word in ("communes", "EPCI", "programmes", "actions", "documents de planification",
                 "documents sources"):
        assert word in stats
    assert re.search(r"319\s+communes", stats.replace("\u202f", ""))
    assert re.search(r"\b5\s+EPCI", stats)
    text = page.all_text
    assert "Le Zoom AULA" in text  # a source document
    assert "données ouvertes : cog" in text  # a named graph


def test_home_lists_the_stored_queries_with_forms(client):
    response = client.get("/")
    page = Page(response.text)
    titles = " ".join(page.texts("q-title"))
    assert "Préconisations inexplorées d'un territoire" in titles
    assert "Dossier d'un territoire" in titles
    assert 'action="/requetes/unexplored_recommendations"' in response.text
    assert 'name="territory"' in response.text
    # Enumerated parameters are offered as a choice.
    assert re.search(r'<select id="actions_by_recommendation-recommendation"', response.text)
    assert ">Innovation</option>" in response.text


def test_every_asset_is_served_by_the_app(client):
    for url in ("/", "/dossier/pair/lens-lievin", "/editeur", "/ontology", "/id/commune/62498"):
        page = html_page(client, url)
        assert page.assets, url
        for asset in page.assets:
            assert asset.startswith("/"), (url, asset)
            assert client.get(asset).status_code == 200, asset


# -- stored queries as pages -----------------------------------------------------------------


def test_query_page_runs_with_parameters(client):
    page = html_page(client, "/requetes/unexplored_recommendations?territory=Lens-Li%C3%A9vin")
    text = page.all_text
    assert "Résultats" in text
    assert "Organisation" in text and "Régulation" in text
    assert "Usages" not in " ".join(page.texts("results"))
    # IRIs are shown by their labels and link to their pages.
    assert "/id/recommendation/organisation" in page.links
    assert any(link.startswith("/api/queries/unexplored_recommendations?") and "format=csv" in link
               for link in page.links)


def test_query_page_without_parameters_shows_the_form(client):
    page = html_page(client, "/requetes/unexplored_recommendations")
    assert "Résultats" not in page.all_text
    response = client.get("/requetes/unexplored_recommendations")
    # The example is a placeholder, never a pre-filled value that looks like a choice.
    field = re.search(r'<input id="unexplored_recommendations-territory"[^>]*>', response.text)
    assert 'value=""' in field.group(0) and 'placeholder="ex. Lens-Liévin"' in field.group(0)


def test_query_page_parameter_errors_in_french(client):
    page = html_page(client, "/requetes/unexplored_recommendations?territory=Lenz", 400)
    message = " ".join(page.texts("error-box"))
    assert "aucun élément de ce nom" in message and "« Lens »" in message
    page = html_page(client, "/requetes/jobs_by_commune?year=abc", 400)
    # The parameter is called by its field's French label, not its variable name.
    assert "paramètre « L'année des chiffres »" in " ".join(page.texts("error-box"))


def test_query_page_ambiguous_name_offers_the_candidates(client):
    from aula_kg.web.api import query_service

    names = query_service(client.app).names()
    candidate = type(names.resolve("CALL", {"epci"}, "t"))
    names._add("Gohelle", 3, candidate(URIRef(ID + "epci/246200364"), "CA de Lens - Liévin",
                                       "epci"))
    names._add("Gohelle", 3, candidate(URIRef(ID + "epci/246200299"), "CA d'Hénin-Carvin",
                                       "epci"))
    response = client.get("/requetes/territory_dossier?territory=Gohelle")
    assert response.status_code == 400
    page = Page(response.text)
    assert "précisez lequel" in " ".join(page.texts("error-box"))
    assert any("territory=https%3A%2F%2Fw3id.org%2Faula-kg%2Fid%2Fepci%2F246200299" in link
               for link in page.links)
    response = client.get("/dossier?territoire=Gohelle")
    assert response.status_code == 400
    assert "/dossier/epci/246200364" in Page(response.text).links


def test_unknown_query_page_is_404(client):
    html_page(client, "/requetes/nope", 404)
    assert client.get("/requetes/..%2f..%2fpyproject.toml").status_code == 404
    assert client.get("/requetes/%2e%2e").status_code == 404


def test_no_parameter_query_runs_from_its_button(client):
    page = html_page(client, "/requetes/coverage_matrix?run=1")
    assert "55 lignes" in page.all_text


# -- resource pages and content negotiation ---------------------------------------------------


def test_resource_page_for_a_browser(client):
    page = html_page(client, "/id/commune/62498")
    text = page.all_text
    assert "Lens" in page.texts("iri")[0] or "Lens" in text
    assert "62498" in text
    assert "Propriétés" in text and "Liens entrants" in text and "Provenance" in text
    # Types, properties and incoming links link to their pages.
    assert "/id/epci/246200364" in page.links
    assert "/id/pair/lens-lievin" in page.links
    assert "/dossier/commune/62498" in page.links
    # Provenance: the source section and its document, and the named graphs.
    assert "/id/source/zoom-acv-2021/synthese" in page.links
    assert "/id/source/zoom-acv-2021" in page.links
    assert "/graph/curated" in page.links and "/graph/opendata/cog" in page.links


@pytest.mark.parametrize(
    ("accept", "override", "media_type", "rdflib_format"),
    [
        ("text/turtle", None, "text/turtle", "turtle"),
        ("application/ld+json", None, "application/ld+json", "json-ld"),
        ("application/n-triples", None, "application/n-triples", "nt"),
        ("application/rdf+xml", None, "application/rdf+xml", "xml"),
        ("text/html;q=0.5, text/turtle", None, "text/turtle", "turtle"),
        (BROWSER, "ttl", "text/turtle", "turtle"),
        (None, "json-ld", "application/ld+json", "json-ld"),
    ],
)
def test_resource_content_negotiation(client, accept, override, media_type, rdflib_format):
    headers = {"Accept": accept} if accept else {}
    params = {"format": override} if override else {}
    response = client.get("/id/commune/62498", headers=headers, params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "Accept" in response.headers["vary"]
    graph = Graph().parse(data=response.content, format=rdflib_format)
    lens = URIRef(ID + "commune/62498")
    assert (lens, URIRef(IGEO + "codeINSEE"), Literal("62498")) in graph
    assert (lens, RDF.type, URIRef(IGEO + "Commune")) in graph


@pytest.mark.parametrize("accept", [BROWSER, "text/html", "*/*", None])
def test_html_for_browsers_and_for_any(client, accept):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/id/pair/lens-lievin", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


def test_resource_not_acceptable(client):
    response = client.get("/id/commune/62498", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.json()["error"] == "not_acceptable"
    assert client.get("/id/commune/62498?format=pdf").status_code == 406


def test_unknown_resource_is_a_404_page(client):
    page = html_page(client, "/id/commune/00000", 404)
    assert "ne contient pas" in page.all_text
    response = client.get("/id/commune/00000", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    html_page(client, "/id/", 404)
    html_page(client, "/graph/nothing", 404)


def test_stored_query_resource_links_to_its_form(client):
    page = html_page(client, "/id/query/territory_dossier")
    assert "/requetes/territory_dossier" in page.links


def test_named_graph_page(client):
    page = html_page(client, "/graph/curated")
    assert "triplets" in page.all_text
    assert "/id/pair/lens-lievin" in page.links
    response = client.get("/graph/curated", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert len(Graph().parse(data=response.content, format="nt")) > 100


# -- the ontology -------------------------------------------------------------------------------


def test_ontology_documented_as_a_page(client):
    response = client.get("/ontology", headers={"Accept": BROWSER})
    assert response.status_code == 200
    page = Page(response.text)
    text = page.all_text
    assert "Classes" in text and "Propriétés d'objet" in text
    assert 'id="Action"' in response.text and 'id="servesRecommendation"' in response.text
    assert "action de revitalisation" in text
    assert "0.1.0" in text  # the version
    # A class shows its shapes; a property its domain and range.
    assert "ActionShape" in text
    assert "/ontology#Action" in page.links
    assert "Vocabulaires contrôlés" in text and "/id/recommendation/usages" in page.links


def test_ontology_as_rdf(client):
    response = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format="turtle")
    assert (URIRef("https://w3id.org/aula-kg/ontology"), RDF.type, OWL.Ontology) in graph
    assert (URIRef(ONT + "Action"), RDF.type, OWL.Class) in graph


def test_shapes_page(client):
    response = client.get("/shapes", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert 'id="CommuneShape"' in response.text and 'id="Commune-code"' in response.text
    response = client.get("/shapes", headers={"Accept": "text/turtle"})
    assert "sh:NodeShape" in response.text


# -- dossiers -----------------------------------------------------------------------------------


def recommendation_tiles(page: Page) -> tuple[list[str], list[str]]:
    explored = [t.split(" ")[1] for t in page.texts("explored") if t[:1].isdigit()]
    unexplored = [t.split(" ")[1] for t in page.texts("unexplored") if t[:1].isdigit()]
    return explored, unexplored


def test_dossier_of_the_lens_lievin_pair(client):
    page = html_page(client, "/dossier/pair/lens-lievin")
    assert page.texts("kind") == ["Binôme Action Cœur de Ville"]
    labels = page.texts("rec-label")
    assert labels == ["Usages", "Organisation", "Régulation", "Opérationnel", "Innovation"]
    unexplored = [t for t in page.texts("rec") if "Inexplorée" in t]
    assert [t.split(" ")[1] for t in unexplored] == ["Organisation", "Régulation"]
    text = page.all_text
    assert "2 préconisations inexplorées" in text
    assert "Traitée en amont : SCoT de Lens-Liévin-Hénin-Carvin" in text
    # Actions grouped by recommendation, programmes, planning documents, indicators.
    assert "Étude Flux Orange à Lens" in text
    assert "Action Cœur de Ville" in " ".join(page.texts("plain"))
    statuses = page.texts("status")
    assert "Réflexions non matures" in statuses and "En révision" in statuses
    assert "Emplois à Lens en 2014" in text
    assert "/id/plan/plui-246200364" in page.links


def test_dossier_of_a_commune_and_of_an_epci(client):
    commune = html_page(client, "/dossier/commune/62119")  # Béthune
    unexplored = [t.split(" ")[1] for t in commune.texts("rec") if "Inexplorée" in t]
    assert unexplored == ["Usages", "Régulation"]
    epci = html_page(client, "/dossier/epci/246200364")
    assert epci.texts("kind") == ["EPCI"]
    assert len(epci.texts("rec")) == 5
    assert "Membres" in epci.all_text
    html_page(client, "/dossier/territory/aula")


def test_dossier_by_name(client):
    response = client.get("/dossier?territoire=CALL", follow_redirects=False)
    assert response.status_code == 303
    # The typed name travels along: the dossier says how it was read (« Territoire reconnu »).
    assert response.headers["location"] == "/dossier/epci/246200364?lu=CALL"
    response = client.get("/dossier?territoire=lens%20lievin", follow_redirects=False)
    assert response.headers["location"] == "/dossier/pair/lens-lievin?lu=lens+lievin"
    page = html_page(client, "/dossier?territoire=Lenz", 400)
    assert "Vouliez-vous dire" in " ".join(page.texts("error-box"))
    index = html_page(client, "/dossier")
    assert "/dossier/epci/246200364" in index.links and "/dossier/pair/lens-lievin" in index.links


def test_unknown_dossier_is_404(client):
    html_page(client, "/dossier/commune/00000", 404)
    html_page(client, "/dossier/recommendation/usages", 404)


# -- the editor ---------------------------------------------------------------------------------


def test_editor_page(client):
    response = client.get("/editeur?requete=coverage_matrix")
    assert response.status_code == 200
    page = Page(response.text)
    assert "/static/editor.js" in page.assets
    match = re.search(r'<script type="application/json" id="examples">(.*?)</script>',
                      response.text, re.S)
    examples = json.loads(match.group(1))
    assert {e["name"] for e in examples} >= {"coverage_matrix", "territory_dossier"}
    assert '<option value="coverage_matrix" selected>' in response.text
    assert "SELECT ?territory ?territory_label" in response.text


def test_static_files_by_name_only(client):
    response = client.get("/static/style.css")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/css")
    assert client.get("/static/editor.js").headers["content-type"].startswith("text/javascript")
    for path in ("/static/nope.css", "/static/..%2fpages.py", "/static/%2e%2e%2fapi.py",
                 "/static/../pages.py"):
        assert client.get(path).status_code == 404, path


# -- escaping -----------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"


@pytest.mark.parametrize(
    "url",
    [
        "/requetes/search_actions?text=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/requetes/territory_dossier?territory=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/dossier?territoire=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/editeur?query=%3C%2Ftextarea%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/requetes/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    ],
)
def test_user_input_is_escaped(client, url):
    response = client.get(url)
    assert SCRIPT not in response.text
    assert "</textarea><script>" not in response.text
    assert "&lt;script&gt;" in response.text or response.status_code == 404


@pytest.fixture(scope="module")
def hostile_client(built_settings):
    """An app over a graph whose data holds markup and a javascript: IRI."""
    nquads = "\n".join([
        f'<{ID}commune/99999> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{IGEO}Commune> '
        f'<https://w3id.org/aula-kg/graph/curated> .',
        f'<{ID}commune/99999> <http://www.w3.org/2000/01/rdf-schema#label> '
        f'"{SCRIPT}"@fr <https://w3id.org/aula-kg/graph/curated> .',
        f'<{ID}commune/99999> <http://www.w3.org/2000/01/rdf-schema#seeAlso> '
        f'<javascript:alert(1)> <https://w3id.org/aula-kg/graph/curated> .',
        f'<{ID}commune/99999> <{ONT}note> "\\" onmouseover=\\"alert(1)" '
        f'<https://w3id.org/aula-kg/graph/curated> .',
        f'<{ID}commune/99999> <{ONT}hasStatus> _:status <https://w3id.org/aula-kg/graph/curated> .',
        f'_:status <{ONT}statusValue> <{ID}plan-status/approuve> '
        f'<https://w3id.org/aula-kg/graph/curated> .',
    ]) + "\n"
    store = EmbeddedStore.from_nquads(nquads.encode())
    return TestClient(create_app(built_settings, store, workers=1))


def test_data_is_escaped_on_resource_pages(hostile_client):
    response = hostile_client.get("/id/commune/99999", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert SCRIPT not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert 'href="javascript:' not in response.text
    assert '" onmouseover="' not in response.text
    response = hostile_client.get("/graph/curated", headers={"Accept": BROWSER})
    assert SCRIPT not in response.text


def test_blank_nodes_are_described_with_their_resource(hostile_client):
    response = hostile_client.get("/id/commune/99999", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format="turtle")
    [status] = graph.objects(URIRef(ID + "commune/99999"), URIRef(ONT + "hasStatus"))
    assert graph.value(status, URIRef(ONT + "statusValue")) == URIRef(ID + "plan-status/approuve")
    page = Page(hostile_client.get("/id/commune/99999", headers={"Accept": BROWSER}).text)
    assert "/id/plan-status/approuve" in page.links


# -- the shape of the faces ---------------------------------------------------------------


def test_the_web_faces_do_not_know_which_store_they_have():
    """The pages read the graph through the Store protocol only: no pyoxigraph, no
    capability checks on a concrete store class (issue 15)."""
    from pathlib import Path

    import aula_kg.web

    web = Path(aula_kg.web.__file__).parent
    offenders = []
    for path in sorted(web.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for needle in ("pyoxigraph", ".oxigraph", "RemoteStore", "EmbeddedStore"):
            if needle in text:
                offenders.append(f"{path.relative_to(web)}: {needle}")
    assert offenders == []


def test_pages_keep_nothing_lazily_on_the_app_state(built_settings, store):
    """What the pages compute once lives in the app's AppServices, not on app.state."""
    from aula_kg.web.services import app_services

    app = create_app(built_settings, store, workers=1)
    with TestClient(app) as fresh:
        for url in ("/", "/dossier/pair/lens-lievin", "/id/commune/62498", "/ontology",
                    "/requetes/coverage_matrix?run=1", "/graph/curated", "/editeur"):
            assert fresh.get(url, headers={"Accept": BROWSER}).status_code == 200, url
        assert set(vars(app.state)["_state"]) == {
            "services", "settings", "store", "query_pool", "sparql"}
        services = app_services(app)
        assert services.known("ontology_doc") is not None
        assert services.known("territory_choices")
