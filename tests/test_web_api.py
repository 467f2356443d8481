"""The stored queries as an API (/api/queries): listing, running with the command line's
validation and binding, formats, errors, the worker pool's limits and the OpenAPI document."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import time

import pytest
from fastapi.testclient import TestClient

from aula_kg.web import create_app
from aula_kg.web.api import INSEE_PATTERN, SIREN_PATTERN, query_service

LENS_LIEVIN = "Lens-Liévin"
RECOMMENDATIONS = ["Usages", "Organisation", "Régulation", "Opérationnel", "Innovation"]


@pytest.fixture(scope="module")
def app(built_settings, store):
    return create_app(built_settings, store, workers=2)


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as client:
        yield client


def csv_rows(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body)))


# -- the catalogue ------------------------------------------------------------------------


def test_list_queries(client):
    response = client.get("/api/queries")
    assert response.status_code == 200
    queries = {q["name"]: q for q in response.json()["queries"]}
    assert {"territory_dossier", "unexplored_recommendations", "coverage_matrix"} <= set(queries)
    unexplored = queries["unexplored_recommendations"]
    assert unexplored["title"]["fr"] == "Préconisations inexplorées d'un territoire"
    assert set(unexplored["description"]) == {"fr", "en"}
    assert "préconisations" in unexplored["tags"]
    assert unexplored["url"] == "/api/queries/unexplored_recommendations"
    [territory] = unexplored["parameters"]
    assert territory["name"] == "territory"
    assert territory["type"] == "territory"
    assert territory["required"] is True
    assert territory["default"] is None
    assert set(territory["description"]) == {"fr", "en"}
    [year] = queries["jobs_by_commune"]["parameters"]
    assert (year["type"], year["required"], year["default"]) == ("year", False, "2014")
    assert queries["epci_without_siren-violation"]["check"] is True


# -- running ------------------------------------------------------------------------------


def test_run_with_a_parameter_as_csv(client):
    response = client.get(
        "/api/queries/unexplored_recommendations",
        params={"territory": LENS_LIEVIN},
        headers={"Accept": "text/csv"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "Accept" in response.headers["vary"]
    rows = csv_rows(response.text)
    assert [r["label"] for r in rows] == ["Organisation", "Régulation"]
    assert rows[0]["upstream_documents"] == "SCoT de Lens-Liévin-Hénin-Carvin"


@pytest.mark.parametrize("value", ["lens lievin", "Lens - Liévin", "https://w3id.org/aula-kg/id/pair/lens-lievin"])
def test_names_resolve_as_on_the_command_line(client, value):
    response = client.get("/api/queries/unexplored_recommendations", params={"territory": value},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    labels = [b["label"]["value"] for b in response.json()["results"]["bindings"]]
    assert labels == ["Organisation", "Régulation"]


@pytest.mark.parametrize(
    ("accept", "override", "media_type"),
    [
        (None, None, "application/sparql-results+json"),
        ("application/json", None, "application/sparql-results+json"),
        ("application/sparql-results+xml", None, "application/sparql-results+xml"),
        ("text/tab-separated-values", None, "text/tab-separated-values"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", None,
         "application/sparql-results+xml"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", None, "application/sparql-results+json"),
        ("application/sparql-results+xml", "csv", "text/csv"),
        (None, "tsv", "text/tab-separated-values"),
    ],
)
def test_formats(client, accept, override, media_type):
    params = {"territory": "CALL"}
    if override:
        params["format"] = override
    headers = {"Accept": accept} if accept else {}
    response = client.get("/api/queries/territory_dossier", params=params, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "Lens" in response.text


def test_json_results_are_sparql_json(client):
    response = client.get("/api/queries/coverage_matrix")
    data = response.json()
    assert data["head"]["vars"] == [
        "territory", "territory_label", "kind", "notation", "recommendation_label", "actions",
        "state", "coverage", "covered_communes", "census_date",
    ]
    assert len(data["results"]["bindings"]) == 11 * 5


def test_optional_parameter_left_out_and_default(client):
    every = client.get("/api/queries/actions_by_recommendation", params={"format": "csv"})
    one = client.get("/api/queries/actions_by_recommendation",
                     params={"recommendation": "innovation", "format": "csv"})
    assert every.status_code == one.status_code == 200
    assert len(csv_rows(every.text)) > len(csv_rows(one.text)) > 0
    assert {r["recommendation_label"] for r in csv_rows(one.text)} == {"Innovation"}
    jobs = csv_rows(client.get("/api/queries/jobs_by_commune", params={"format": "csv"}).text)
    assert jobs and {r["year"] for r in jobs} == {"2014"}


def test_injection_is_one_string(client):
    response = client.get(
        "/api/queries/search_actions",
        params={"text": 'x" } UNION { ?action ?p ?title } #', "format": "csv"},
    )
    assert response.status_code == 200
    assert csv_rows(response.text) == []


# -- errors -------------------------------------------------------------------------------


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) >= {"error", "message"}
    assert "Traceback" not in body["message"]
    return body


@pytest.mark.parametrize(
    ("name", "params", "parameter"),
    [
        ("territory_dossier", {}, "territory"),
        ("territory_dossier", {"territory": "Atlantis"}, "territory"),
        ("territory_dossier", {"territory": "Lens", "colour": "blue"}, "colour"),
        ("jobs_by_commune", {"year": "abc"}, "year"),
        ("jobs_by_commune", {"year": "1700"}, "year"),
        ("actions_by_recommendation", {"recommendation": "Lens"}, "recommendation"),
        ("search_actions", {"text": "x" * 101}, "text"),
        ("search_actions", {"text": "a\x00b"}, "text"),
        ("planning_documents_by_epci", {"epci": "Lens"}, "epci"),
    ],
)
def test_parameter_errors_are_400_naming_the_parameter(client, name, params, parameter):
    body = error_of(client.get(f"/api/queries/{name}", params=params), 400)
    assert body["error"] == "bad_parameter"
    assert f"'{parameter}'" in body["message"]


def test_a_parameter_given_twice(client):
    body = error_of(client.get("/api/queries/territory_dossier?territory=Lens&territory=CALL"), 400)
    assert "'territory'" in body["message"]


def test_a_close_name_gets_a_suggestion(client):
    body = error_of(client.get("/api/queries/territory_dossier", params={"territory": "Lenz"}), 400)
    assert "did you mean" in body["message"] and "Lens" in body["message"]


def test_ambiguous_name_lists_the_candidates(app, client):
    names = query_service(app).names()
    candidate = type(names.resolve("CALL", {"epci"}, "t"))
    names._add("Artois du Nord", 3, candidate(names.resolve("CABBALR", {"epci"}, "t").iri,
                                              "CA de Béthune-Bruay", "epci"))
    names._add("Artois du Nord", 3, candidate(names.resolve("Hénin-Carvin", {"epci"}, "t").iri,
                                              "CA d'Hénin-Carvin", "epci"))
    body = error_of(
        client.get("/api/queries/territory_dossier", params={"territory": "artois du nord"}), 400
    )
    assert body["error"] == "ambiguous_name"
    assert "'territory'" in body["message"]
    assert sorted(c["iri"] for c in body["candidates"]) == [
        "https://w3id.org/aula-kg/id/epci/200072460",
        "https://w3id.org/aula-kg/id/epci/246200299",
    ]
    assert all(c["label"] for c in body["candidates"])


@pytest.mark.parametrize(
    "path",
    [
        "/api/queries/nope",
        "/api/queries/territory_dossier.rq",
        "/api/queries/TERRITORY_DOSSIER",
        "/api/queries/..%2fpyproject.toml",
        "/api/queries/%2e%2e%2fREADME.md",
        "/api/queries/%2e%2e",
        "/api/queries/..%2f..%2fqueries%2fterritory_dossier",
        "/api/queries/queries%2fterritory_dossier.rq",
    ],
)
def test_unknown_names_are_404(client, path):
    body = error_of(client.get(path), 404)
    assert body["error"] == "not_found"


@pytest.mark.parametrize("name", ["recommendations", "map_communes", "concept_values"])
def test_internal_queries_are_neither_listed_nor_run(client, name):
    """queries/internal/ holds the product's own SPARQL: not a planner's question."""
    assert name in query_service(client.app).internal.queries
    listed = {q["name"] for q in client.get("/api/queries").json()["queries"]}
    assert name not in listed
    assert error_of(client.get(f"/api/queries/{name}"), 404)["error"] == "not_found"
    assert error_of(client.get(f"/api/queries/internal%2f{name}"), 404)["error"] == "not_found"


@pytest.mark.parametrize(
    ("headers", "params"),
    [({"Accept": "text/turtle"}, {}), ({"Accept": "image/png"}, {}), ({}, {"format": "turtle"}),
     ({}, {"format": "pdf"})],
)
def test_not_acceptable(client, headers, params):
    body = error_of(client.get("/api/queries/coverage_matrix", headers=headers, params=params), 406)
    assert body["error"] == "not_acceptable"
    assert "text/csv" in body["message"]


# -- the worker pool's limits apply to stored queries ----------------------------------------


def test_stored_queries_run_through_the_pool_with_its_limits(built_settings, store):
    settings = dataclasses.replace(built_settings, max_rows=3, query_timeout=10.0)
    app = create_app(settings, store, workers=1)
    calls = []
    run = app.state.query_pool.run

    async def counting(request, timeout=None):
        calls.append(request.query)
        return await run(request, timeout)

    app.state.query_pool.run = counting
    with TestClient(app) as client:
        # The warm-up asks the pool for the territory choices: count only the requests' calls.
        deadline = time.monotonic() + 30
        while not client.get("/api/status").json()["ready"] and time.monotonic() < deadline:
            time.sleep(0.05)
        calls.clear()
        response = client.get("/api/queries/coverage_matrix", params={"format": "csv"})
        assert response.status_code == 200
        assert response.headers["aula-kg-truncated"] == "3"
        assert len(csv_rows(response.text)) == 3
        response = client.get("/api/queries/unexplored_recommendations",
                              params={"territory": "CALL", "format": "csv"})
        assert response.status_code == 200
    assert len(calls) == 2
    # The pool received the rendered text: the slot holds the resolved IRI.
    assert "VALUES ?territory { <https://w3id.org/aula-kg/id/epci/246200364> }" in calls[1]


SLOW = """#+ title.fr = "Requête lente"
#+ title.en = "Slow query"
#+ description.fr = "Un produit cartésien qui dépasse toute limite de temps."
#+ description.en = "A cartesian product past any time limit."
SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o .
  FILTER(STR(?a) != STR(?o)) }
"""


def test_stored_queries_have_the_time_limit(built_settings, store, tmp_path):
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "slow.rq").write_text(SLOW, encoding="utf-8")
    (tmp_path / "queries" / "fast.rq").write_text(
        SLOW.split("SELECT")[0] + "ASK { ?s ?p ?o }\n", encoding="utf-8"
    )
    settings = dataclasses.replace(built_settings, home=tmp_path, query_timeout=1.0)
    app = create_app(settings, store, workers=1)
    with TestClient(app) as client:
        body = error_of(client.get("/api/queries/slow"), 504)
        assert body["error"] == "timeout"
        # The worker was replaced: the next stored query is answered.
        response = client.get("/api/queries/fast")
        assert response.status_code == 200
        assert response.json()["boolean"] is True


def test_a_federated_stored_query_answers_locally_when_its_service_is_not_configured(client):
    """As on the command line: no AULA_KG_SERVICE_WIKIDATA, so the local part alone runs
    (every commune of the CA, the Wikidata columns empty) and nothing is fetched."""
    if "communes_wikidata_enrichment" not in query_service(client.app).catalog.queries:
        pytest.skip("no federated stored query in the catalogue")
    response = client.get("/api/queries/communes_wikidata_enrichment",
                          params={"territory": "CALL", "format": "csv"})
    assert response.status_code == 200
    rows = csv_rows(response.text)
    assert len(rows) == 36
    assert all(row["wikidata_item"] == "" for row in rows)


# -- OpenAPI ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def openapi(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def parameters_of(openapi, name):
    return {p["name"]: p for p in openapi["paths"][f"/api/queries/{name}"]["get"]["parameters"]}


def test_openapi_has_a_path_per_stored_query(app, openapi):
    catalog = query_service(app).catalog
    for query in catalog:
        operation = openapi["paths"][f"/api/queries/{query.name}"]["get"]
        assert operation["summary"] == query.title["fr"]
        assert query.description["en"] in operation["description"]
        declared = {p.name for p in query.parameters}
        assert set(parameters_of(openapi, query.name)) == declared | {"format"}
        assert {"200", "400", "406"} <= set(operation["responses"])
    generic = openapi["paths"]["/api/queries/{name}"]["get"]
    [name] = [p for p in generic["parameters"] if p["name"] == "name"]
    assert set(name["schema"]["enum"]) == set(catalog.queries)
    assert "/api/queries" in openapi["paths"]


def test_openapi_parameter_schemas(openapi):
    recommendation = parameters_of(openapi, "actions_by_recommendation")["recommendation"]
    assert recommendation["required"] is False
    assert recommendation["schema"]["enum"] == RECOMMENDATIONS
    assert recommendation["example"] == "innovation"
    [function] = [p for n, p in parameters_of(openapi, "actions_by_urban_function").items()
                  if n != "format"]
    assert len(function["schema"]["enum"]) == 4
    status = [p for n, p in parameters_of(openapi, "actions_by_status").items() if n != "format"]
    assert {"Réalisée", "Lancée"} <= set(status[0]["schema"]["enum"])
    territory = parameters_of(openapi, "territory_dossier")["territory"]
    assert territory["required"] is True
    patterns = {alt.get("pattern") for alt in territory["schema"]["anyOf"]}
    assert {INSEE_PATTERN, SIREN_PATTERN} <= patterns
    epci = parameters_of(openapi, "planning_documents_by_epci")["epci"]
    assert INSEE_PATTERN not in {alt.get("pattern") for alt in epci["schema"]["anyOf"]}
    year = parameters_of(openapi, "jobs_by_commune")["year"]
    assert year["schema"] == {"type": "integer", "minimum": 1800, "maximum": 2200,
                              "default": 2014}
    text = parameters_of(openapi, "search_actions")["text"]
    assert text["schema"] == {"type": "string", "maxLength": 100}
    assert parameters_of(openapi, "coverage_matrix")["format"]["schema"]["enum"] == [
        "json", "xml", "csv", "tsv"]


def test_every_enum_value_is_accepted(client, openapi):
    for path, item in openapi["paths"].items():
        if not path.startswith("/api/queries/") or "{" in path:
            continue
        for parameter in item["get"]["parameters"]:
            values = parameter["schema"].get("enum")
            if not values or parameter["name"] == "format":
                continue
            for value in values:
                response = client.get(path, params={parameter["name"]: value, "format": "csv"})
                assert response.status_code == 200, (path, value, response.text)


def test_docs_page_is_served(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert "openapi.json" in response.text


def test_listing_is_json_serialisable_without_loss(client):
    body = client.get("/api/queries").json()
    assert json.loads(json.dumps(body)) == body


def test_api_docs_serve_every_asset_locally(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower() and "unpkg" not in page.text.lower()
    for asset in ("/static/swagger-ui-bundle.js", "/static/swagger-ui.css"):
        assert asset in page.text
        assert client.get(asset).status_code == 200
    assert client.get("/redoc").status_code == 404
