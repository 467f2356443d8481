"""The SPARQL 1.1 Protocol endpoint through FastAPI's TestClient: every door, format and status."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from fixtures.sparql.helpers import (
    COMMUNES,
    EX,
    ITEMS,
    PROGRAMMES,
    SLOW_QUERY,
    fixture_store,
    listener,
    settings,
)
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from aula_kg import formats
from aula_kg.web import create_app

SRX = "{http://www.w3.org/2005/sparql-results#}"
SD = "http://www.w3.org/ns/sparql-service-description#"

LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
SELECT = f"SELECT ?c ?label WHERE {{ ?c a <{EX}Commune> ; {LABEL} ?label }} ORDER BY ?c"
ASK = f"ASK {{ <{EX}arras> a <{EX}Commune> }}"
CONSTRUCT = (
    f"CONSTRUCT {{ ?c a <{EX}Commune> ; <{EX}population> ?p }} "
    f"WHERE {{ ?c a <{EX}Commune> ; <{EX}population> ?p }}"
)
DESCRIBE = f"DESCRIBE <{EX}acv>"
MAX_ROWS = 25


@pytest.fixture(scope="module")
def store():
    return fixture_store()


@pytest.fixture(scope="module")
def client(store):
    app = create_app(
        settings(query_timeout=1.5, max_rows=MAX_ROWS, max_body_bytes=20_000),
        store,
        workers=2,
        max_url_bytes=4096,
    )
    with TestClient(app) as client:
        yield client


def get(client, query, **kwargs):
    params = kwargs.pop("params", {})
    return client.get("/sparql", params={"query": query, **params}, **kwargs)


def assert_error(response, status, code=None):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "message"}
    assert body["message"] and "Traceback" not in body["message"]
    if code:
        assert body["error"] == code
    return body


# -- the three doors --------------------------------------------------------------------


def test_query_by_get(client):
    response = get(client, SELECT)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/sparql-results+json"
    assert len(response.json()["results"]["bindings"]) == 4


def test_query_by_post_form(client):
    response = client.post("/sparql", data={"query": SELECT})
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == 4


def test_query_by_post_direct(client):
    response = client.post(
        "/sparql", content=SELECT.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == 4


def test_query_by_post_direct_with_utf8_charset(client):
    query = 'ASK { ?c <http://www.w3.org/2000/01/rdf-schema#label> "Béthune"@fr }'
    response = client.post(
        "/sparql",
        content=query.encode("utf-8"),
        headers={"Content-Type": "application/sparql-query; charset=UTF-8"},
    )
    assert response.json()["boolean"] is True


def test_trailing_slash_is_the_same_endpoint(client):
    assert client.get("/sparql/", params={"query": ASK}).json()["boolean"] is True


# -- results formats --------------------------------------------------------------------


def parse_results(response) -> tuple[list[str], list[dict]]:
    """(variables, rows of plain values) from any results format."""
    media_type = response.headers["content-type"].split(";")[0]
    if media_type == "application/sparql-results+json":
        data = response.json()
        return data["head"]["vars"], [
            {k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]
        ]
    if media_type == "application/sparql-results+xml":
        root = ET.fromstring(response.content)
        variables = [v.get("name") for v in root.iter(f"{SRX}variable")]
        rows = []
        for result in root.iter(f"{SRX}result"):
            rows.append({b.get("name"): next(iter(b)).text for b in result.iter(f"{SRX}binding")})
        return variables, rows
    if media_type == "text/csv":
        reader = list(csv.reader(io.StringIO(response.text)))
        return reader[0], [dict(zip(reader[0], r, strict=True)) for r in reader[1:]]
    if media_type == "text/tab-separated-values":
        lines = response.text.splitlines()
        variables = [v.lstrip("?") for v in lines[0].split("\t")]
        rows = []
        for line in lines[1:]:
            values = [v.strip("<>").split('"@')[0].strip('"') for v in line.split("\t")]
            rows.append(dict(zip(variables, values, strict=True)))
        return variables, rows
    raise AssertionError(media_type)


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("application/xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
    ],
)
def test_select_in_every_results_format(client, accept, media_type):
    response = get(client, SELECT, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    variables, rows = parse_results(response)
    assert variables == ["c", "label"]
    assert [r["c"] for r in rows] == [f"{EX}arras", f"{EX}bethune", f"{EX}lens", f"{EX}lievin"]
    assert rows[1]["label"] == "Béthune"


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_ask_in_every_results_format(client, fmt):
    response = get(client, ASK, params={"format": fmt})
    assert response.status_code == 200
    body = response.content
    if fmt == "json":
        assert response.json() == {"head": {}, "boolean": True}
    elif fmt == "xml":
        assert ET.fromstring(body).find(f"{SRX}boolean").text == "true"
    else:
        assert body.strip() == b"true"


# -- graph formats ----------------------------------------------------------------------

RDFLIB_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}


@pytest.mark.parametrize("media_type", list(RDFLIB_FORMATS))
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE])
def test_graph_queries_in_every_rdf_format(client, query, media_type):
    response = get(client, query, headers={"Accept": media_type})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    graph = Graph().parse(data=response.content, format=RDFLIB_FORMATS[media_type])
    if query == CONSTRUCT:
        assert len(graph) == 8
        assert (URIRef(f"{EX}arras"), RDF.type, URIRef(f"{EX}Commune")) in graph
    else:
        assert (URIRef(f"{EX}acv"), RDF.type, URIRef(f"{EX}Programme")) in graph
        notes = [str(o) for o in graph.objects(URIRef(f"{EX}acv"), URIRef(f"{EX}note"))]
        assert notes == ['line one\nline "two"\twith a tab']


# -- content negotiation ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "query", "media_type"),
    [
        (None, SELECT, "application/sparql-results+json"),
        ("*/*", SELECT, "application/sparql-results+json"),
        ("*/*", CONSTRUCT, "text/turtle"),
        (
            "text/csv;q=0.5, application/sparql-results+xml;q=0.9",
            SELECT,
            "application/sparql-results+xml",
        ),
        ("text/csv, application/sparql-results+json;q=0.8", SELECT, "text/csv"),
        (
            "application/sparql-results+json;q=0.1, */*;q=0.2",
            SELECT,
            "application/sparql-results+xml",
        ),
        ("text/*;q=0.9, application/sparql-results+json;q=0.3", SELECT, "text/csv"),
        ("text/tab-separated-values;q=1.0, text/csv;q=1.0", SELECT, "text/tab-separated-values"),
        ("application/sparql-results+json;q=0, */*", SELECT, "application/sparql-results+xml"),
        ("text/turtle;q=0.1, application/ld+json", CONSTRUCT, "application/ld+json"),
        ("application/rdf+xml;q=0.9, text/turtle;q=0.8", CONSTRUCT, "application/rdf+xml"),
        # one header for both kinds of answer, as a client asking for "whatever fits" sends
        (
            "application/sparql-results+json, text/turtle;q=0.9",
            CONSTRUCT,
            "text/turtle",
        ),
        (
            "application/sparql-results+json, text/turtle;q=0.9",
            SELECT,
            "application/sparql-results+json",
        ),
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            SELECT,
            "application/sparql-results+xml",
        ),
        (
            "application/sparql-results+json,application/json,text/javascript",
            ASK,
            "application/sparql-results+json",
        ),
        ("TEXT/CSV", SELECT, "text/csv"),
        ("text/csv; charset=utf-8; q=0.7, bogus, application/json;q=abc", SELECT, "text/csv"),
    ],
)
def test_negotiation_honours_q_values_and_combined_headers(client, accept, query, media_type):
    headers = {"Accept": accept} if accept else {}
    response = get(client, query, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "Accept" in response.headers.get("vary", "")


@pytest.mark.parametrize(
    ("fmt", "query", "media_type"),
    [
        ("csv", SELECT, "text/csv"),
        ("tsv", SELECT, "text/tab-separated-values"),
        ("xml", SELECT, "application/sparql-results+xml"),
        ("json", SELECT, "application/sparql-results+json"),
        ("json-ld", CONSTRUCT, "application/ld+json"),
        ("json", CONSTRUCT, "application/ld+json"),
        ("xml", CONSTRUCT, "application/rdf+xml"),
        ("nt", CONSTRUCT, "application/n-triples"),
        ("turtle", DESCRIBE, "text/turtle"),
        ("text/turtle", CONSTRUCT, "text/turtle"),
    ],
)
def test_format_parameter_overrides_accept(client, fmt, query, media_type):
    response = get(
        client,
        query,
        params={"format": fmt},
        headers={"Accept": "application/rdf+xml, application/sparql-results+json"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type


def test_format_in_a_post_form(client):
    response = client.post("/sparql", data={"query": SELECT, "format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")


@pytest.mark.parametrize(
    ("query", "headers", "params"),
    [
        (SELECT, {"Accept": "image/png"}, {}),
        (SELECT, {"Accept": "text/turtle"}, {}),
        (CONSTRUCT, {"Accept": "text/csv"}, {}),
        (SELECT, {"Accept": "application/sparql-results+json;q=0"}, {}),
        (SELECT, {}, {"format": "pdf"}),
        (CONSTRUCT, {}, {"format": "csv"}),
    ],
)
def test_unacceptable_formats_get_406(client, query, headers, params):
    body = assert_error(get(client, query, headers=headers, params=params), 406, "not_acceptable")
    assert "available" in body["message"]


def test_negotiation_unit():
    assert (
        formats.negotiate("application/ld+json;q=0.5, text/turtle;q=0.5", formats.GRAPH).name
        == "jsonld"
    )
    assert formats.negotiate("", formats.RESULTS).name == "json"
    assert formats.negotiate("image/*", formats.RESULTS) is None
    assert formats.by_name("TTL", formats.GRAPH).name == "turtle"
    assert formats.parse_accept("a/b;q=2, */x, c/d;q=0.5")[0].subtype == "d"


# -- the service description ------------------------------------------------------------


def test_service_description_in_turtle(client):
    response = client.get("/sparql")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    service = URIRef("http://testserver/sparql")
    assert (service, RDF.type, URIRef(SD + "Service")) in graph
    assert (service, URIRef(SD + "endpoint"), service) in graph
    assert (service, URIRef(SD + "supportedLanguage"), URIRef(SD + "SPARQL11Query")) in graph
    names = {str(o) for o in graph.objects(None, URIRef(SD + "name"))}
    assert names == {COMMUNES, PROGRAMMES, ITEMS}
    results = {str(o) for o in graph.objects(service, URIRef(SD + "resultFormat"))}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in results
    assert "http://www.w3.org/ns/formats/JSON-LD" in results


def test_service_description_negotiated(client):
    response = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert response.headers["content-type"].startswith("application/ld+json")
    assert len(Graph().parse(data=response.text, format="json-ld")) > 10
    assert_error(client.get("/sparql", headers={"Accept": "text/csv"}), 406)


# -- CORS -------------------------------------------------------------------------------


def test_cors_headers(client):
    response = get(client, ASK, headers={"Origin": "https://example.com"})
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]
    error = client.post("/sparql", data={"update": "DROP ALL"}, headers={"Origin": "https://x.org"})
    assert error.headers["access-control-allow-origin"] == "*"


# -- read-only, through every door ------------------------------------------------------

UPDATE_DOORS = [
    ("GET update=", lambda c: c.get("/sparql", params={"update": "DROP ALL"})),
    ("POST form update=", lambda c: c.post("/sparql", data={"update": "CLEAR ALL"})),
    (
        "POST application/sparql-update",
        lambda c: c.post(
            "/sparql",
            content=b"DROP ALL",
            headers={"Content-Type": "application/sparql-update"},
        ),
    ),
    (
        "INSERT DATA as GET query",
        lambda c: get(c, "INSERT DATA { <http://a> <http://b> <http://c> }"),
    ),
    (
        "INSERT DATA as POST query",
        lambda c: c.post(
            "/sparql",
            content=b"INSERT DATA { GRAPH <http://g> { <http://a> <http://b> <http://c> } }",
            headers={"Content-Type": "application/sparql-query"},
        ),
    ),
    ("LOAD as query", lambda c: get(c, "LOAD <http://127.0.0.1:9/x.ttl>")),
    ("DROP ALL as form query", lambda c: c.post("/sparql", data={"query": "DROP ALL"})),
    ("DELETE WHERE as query", lambda c: get(c, "DELETE WHERE { ?s ?p ?o }")),
    (
        "update= with USING",
        lambda c: c.post(
            "/sparql?using-graph-uri=http%3A%2F%2Fg", data={"update": "DELETE WHERE { ?s ?p ?o }"}
        ),
    ),
]


@pytest.mark.parametrize("door", UPDATE_DOORS, ids=[d[0] for d in UPDATE_DOORS])
def test_updates_are_refused_and_change_nothing(client, store, door):
    before = store.content_hash(), store.triple_count()
    body = assert_error(door[1](client), 403, "read_only")
    assert "read-only" in body["message"]
    assert (store.content_hash(), store.triple_count()) == before
    assert get(client, ASK).json()["boolean"] is True
    count = get(client, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }").json()
    assert int(count["results"]["bindings"][0]["n"]["value"]) == before[1]


# -- statuses ---------------------------------------------------------------------------


def test_syntax_error_is_400(client):
    body = assert_error(get(client, "SELECT * { ?s ?p }"), 400, "bad_query")
    assert "does not parse" in body["message"]


def test_empty_query_is_400(client):
    assert_error(get(client, ""), 400)
    assert_error(client.post("/sparql", data={"format": "json"}), 400)


def test_two_queries_are_400(client):
    assert_error(client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D"), 400, "bad_request")
    response = client.post(
        "/sparql?query=ASK%7B%7D",
        content=b"ASK {}",
        headers={"Content-Type": "application/sparql-query"},
    )
    assert_error(response, 400)


def test_query_and_update_together_are_400(client):
    assert_error(client.post("/sparql", data={"query": ASK, "update": "DROP ALL"}), 400)


def test_invalid_utf8_is_400(client):
    assert_error(client.get("/sparql?query=ASK%20%7B%FF%7D"), 400)
    response = client.post(
        "/sparql", content=b"ASK { \xff }", headers={"Content-Type": "application/sparql-query"}
    )
    assert_error(response, 400)
    response = client.post(
        "/sparql",
        content=b"query=ASK%20%7B%FE%7D",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_error(response, 400)


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/json",
        "application/sparql-query; charset=UTF-16",
        "multipart/form-data; boundary=x",
    ],
)
def test_unsupported_content_types_are_415(client, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/sparql", content=b"ASK {}", headers=headers)
    assert_error(response, 415, "unsupported_media_type")


def test_oversized_body_is_413(client):
    query = "ASK {} #" + "x" * 30_000
    assert_error(
        client.post(
            "/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"}
        ),
        413,
        "payload_too_large",
    )
    assert_error(client.post("/sparql", data={"query": query}), 413)


def test_oversized_url_is_414(client):
    assert_error(get(client, "ASK {} #" + "x" * 5000), 414, "uri_too_long")


def test_other_methods_and_paths_are_json_errors(client):
    assert_error(client.put("/sparql", content=b"ASK {}"), 405)
    assert_error(client.delete("/sparql"), 405)
    assert_error(client.get("/nowhere"), 404)


def test_service_and_remote_from_are_400(client):
    body = assert_error(
        get(client, "SELECT * { SERVICE <http://169.254.169.254/> { ?s ?p ?o } }"), 400
    )
    assert "SERVICE" in body["message"]
    body = assert_error(get(client, "SELECT * FROM <http://evil.example/data> { ?s ?p ?o }"), 400)
    assert "FROM" in body["message"]


def test_service_refused_without_any_connection(client):
    with listener() as (port, connections):
        for query in [
            f"SELECT * {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
            f"SELECT * {{ SERVICE SILENT <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
            f"PREFIX l: <http://127.0.0.1:{port}/> ASK {{ SERVICE l: {{ ?s ?p ?o }} }}",
            f"SELECT * FROM <http://127.0.0.1:{port}/> {{ ?s ?p ?o }}",
        ]:
            assert_error(get(client, query), 400)
        assert connections(1.0) == 0


def test_an_allowed_service_is_reached(store):
    """The control experiment: the same listener does see pyoxigraph's connection when
    the endpoint is allowed, so the test above would notice a leak."""
    with listener() as (port, connections):
        endpoint = f"http://127.0.0.1:{port}/"
        app = create_app(
            settings(query_timeout=1.0, allowed_service_endpoints=(endpoint,)), store, workers=1
        )
        with TestClient(app) as client:
            response = get(client, f"SELECT * {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}")
            assert response.status_code in (500, 504)
        assert connections(1.0) >= 1


def test_timeout_is_504_and_the_endpoint_recovers(client):
    start = time.perf_counter()
    body = assert_error(get(client, SLOW_QUERY), 504, "timeout")
    assert time.perf_counter() - start < 4
    assert "time limit" in body["message"]
    assert get(client, ASK).json()["boolean"] is True


def test_busy_is_503(store):
    app = create_app(settings(query_timeout=1.5), store, workers=1)
    app.state.query_pool.queue_timeout = 0.3
    with TestClient(app) as client:
        results = {}
        slow = threading.Thread(target=lambda: results.setdefault("slow", get(client, SLOW_QUERY)))
        slow.start()
        time.sleep(0.3)
        assert_error(get(client, ASK), 503, "busy")
        slow.join()
        assert results["slow"].status_code == 504


def test_rows_are_capped_and_flagged(client):
    query = f"SELECT ?i {{ ?i a <{EX}Item> }} ORDER BY ?i"
    for fmt in ["json", "xml", "csv", "tsv"]:
        response = get(client, query, params={"format": fmt})
        assert response.headers["aula-kg-truncated"] == str(MAX_ROWS)
        assert len(parse_results(response)[1]) == MAX_ROWS
    small = get(client, SELECT)
    assert "aula-kg-truncated" not in small.headers
    graph = get(client, f"CONSTRUCT WHERE {{ ?i a <{EX}Item> }}", params={"format": "nt"})
    assert graph.headers["aula-kg-truncated"] == str(MAX_ROWS)
    assert len(graph.text.strip().splitlines()) == MAX_ROWS


# -- dataset ----------------------------------------------------------------------------


def test_protocol_dataset(client):
    query = f"ASK {{ <{EX}acv> a <{EX}Programme> }}"
    assert get(client, query, params={"default-graph-uri": COMMUNES}).json()["boolean"] is False
    assert get(client, query, params={"default-graph-uri": PROGRAMMES}).json()["boolean"] is True
    named = "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }"
    response = get(client, named, params={"named-graph-uri": [COMMUNES, ITEMS]})
    assert {r["g"] for r in parse_results(response)[1]} == {COMMUNES, ITEMS}
    response = client.post(
        f"/sparql?default-graph-uri={PROGRAMMES}",
        content=query.encode(),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert response.json()["boolean"] is True


def test_local_from_is_allowed(client):
    query = f"ASK FROM <{PROGRAMMES}> {{ <{EX}acv> a <{EX}Programme> }}"
    assert get(client, query).json()["boolean"] is True
    query = f"ASK FROM <{COMMUNES}> {{ <{EX}acv> a <{EX}Programme> }}"
    assert get(client, query).json()["boolean"] is False


def test_openapi_lists_the_endpoint(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert "/sparql" in paths and "/sparql/" not in paths


def test_results_are_exact_json(client):
    response = get(client, f"SELECT ?b {{ <{EX}acv> <{EX}budget> ?b }}")
    value = json.loads(response.content)["results"]["bindings"][0]["b"]
    assert value["datatype"] == "http://www.w3.org/2001/XMLSchema#decimal"


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 20_000) + " }",
        "SELECT * WHERE { FILTER(" + "||".join(["true"] * 100_000) + ") }",
        "SELECT * WHERE { FILTER(" + "!" * 50_000 + "true) }",
        "SELECT * WHERE { ?s " + "/".join(["<http://p>"] * 50_000) + " ?o }",
    ],
    ids=["union-chain", "or-chain", "not-chain", "path-chain"],
)
def test_long_chains_never_crash_a_worker(big_client, query):
    """These once overflowed the 8 MiB stack of a worker; queries now run on a thread
    with a large stack, so they are answered or stopped at the time limit."""
    response = big_client.post(
        "/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code in (200, 504), response.text
    assert get(big_client, ASK).json()["boolean"] is True


@pytest.fixture(scope="module")
def big_client(store):
    app = create_app(settings(query_timeout=1.0, max_body_bytes=2_000_000), store, workers=2)
    with TestClient(app) as client:
        yield client


def test_requests_without_origin_take_the_fast_path_with_the_same_answers(client):
    """A request without Origin skips FastAPI's routing (web.sparql.SparqlFastPath): the
    answers, the errors and the headers are those of the routed request, CORS aside."""
    for params in ({"query": SELECT}, {"query": SELECT, "format": "csv"},
                   {"query": "DROP ALL"}, {"query": "SELEC * {}"}):
        plain = client.get("/sparql", params=params)
        routed = client.get("/sparql", params=params, headers={"Origin": "https://x.org"})
        assert (plain.status_code, plain.content) == (routed.status_code, routed.content)
        assert plain.headers["content-type"] == routed.headers["content-type"]
        assert "access-control-allow-origin" not in plain.headers
        assert routed.headers["access-control-allow-origin"] == "*"
    assert client.get("/sparql", params={"query": "DROP ALL"}).json()["error"] == "read_only"
