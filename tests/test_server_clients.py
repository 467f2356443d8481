"""The endpoint served by uvicorn on 127.0.0.1 and queried as real clients would."""

from __future__ import annotations

import concurrent.futures
import csv
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from fixtures.sparql.helpers import (
    EX,
    GRAPH_TRIG,
    SLOW_QUERY,
    fixture_store,
    free_port,
    listener,
    running_server,
    settings,
)
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, TSV, TURTLE, XML, SPARQLWrapper

from aula_kg.web import create_app

pytestmark = pytest.mark.server

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 2.0
SELECT = (
    f"SELECT ?c ?pop WHERE {{ ?c a <{EX}Commune> ; <{EX}population> ?pop }} ORDER BY DESC(?pop)"
)
CONSTRUCT = f"CONSTRUCT WHERE {{ ?c a <{EX}Commune> ; <{EX}population> ?pop }}"


@pytest.fixture(scope="module")
def store():
    return fixture_store()


@pytest.fixture(scope="module")
def endpoint(store):
    app = create_app(settings(query_timeout=TIMEOUT), store, workers=2)
    with running_server(app) as url:
        yield url


def http_get(endpoint: str, query: str, accept: str = "application/sparql-results+json"):
    url = f"{endpoint}?{urllib.parse.urlencode({'query': query})}"
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wrapper(endpoint: str, query: str, fmt) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


# -- SPARQLWrapper ----------------------------------------------------------------------


def test_sparqlwrapper_select_json(endpoint):
    result = wrapper(endpoint, SELECT, JSON).queryAndConvert()
    rows = result["results"]["bindings"]
    assert [r["c"]["value"] for r in rows][:2] == [f"{EX}arras", f"{EX}lens"]
    assert rows[0]["pop"]["datatype"].endswith("#integer")


def test_sparqlwrapper_select_xml(endpoint):
    document = wrapper(endpoint, SELECT, XML).queryAndConvert()
    uris = [node.firstChild.data for node in document.getElementsByTagName("uri")]
    assert uris[:2] == [f"{EX}arras", f"{EX}lens"]


@pytest.mark.parametrize(("fmt", "delimiter"), [(CSV, ","), (TSV, "\t")])
def test_sparqlwrapper_select_csv_and_tsv(endpoint, fmt, delimiter):
    body = wrapper(endpoint, SELECT, fmt).queryAndConvert()
    rows = list(csv.reader(io.StringIO(body.decode()), delimiter=delimiter))
    assert [v.lstrip("?") for v in rows[0]] == ["c", "pop"]
    assert len(rows) == 5
    assert rows[1][0].strip("<>") == f"{EX}arras"


def test_sparqlwrapper_ask(endpoint):
    assert wrapper(endpoint, f"ASK {{ <{EX}lens> a <{EX}Commune> }}", JSON).queryAndConvert()[
        "boolean"
    ]
    assert not wrapper(endpoint, f"ASK {{ <{EX}lens> a <{EX}EPCI> }}", JSON).queryAndConvert()[
        "boolean"
    ]


def test_sparqlwrapper_construct_turtle(endpoint):
    body = wrapper(endpoint, CONSTRUCT, TURTLE).queryAndConvert()
    graph = Graph().parse(data=body, format="turtle")
    assert len(graph) == 8
    assert (URIRef(f"{EX}arras"), RDF.type, URIRef(f"{EX}Commune")) in graph


def test_sparqlwrapper_construct_jsonld(endpoint):
    graph = wrapper(endpoint, CONSTRUCT, JSONLD).queryAndConvert()
    assert len(graph) == 8
    assert (URIRef(f"{EX}lievin"), RDF.type, URIRef(f"{EX}Commune")) in graph


def test_sparqlwrapper_post(endpoint):
    client = wrapper(endpoint, SELECT, JSON)
    client.setMethod("POST")
    assert len(client.queryAndConvert()["results"]["bindings"]) == 4


# -- rdflib's SPARQLStore ---------------------------------------------------------------


def test_rdflib_sparqlstore(endpoint):
    graph = Graph(store=SPARQLStore(endpoint, returnFormat="xml"))
    rows = list(graph.query(SELECT))
    assert [str(r.c) for r in rows][:2] == [f"{EX}arras", f"{EX}lens"]
    assert rows[0].pop.toPython() == 41019
    assert graph.query(f"ASK {{ <{EX}arras> a <{EX}Commune> }}").askAnswer is True
    constructed = graph.query(CONSTRUCT).graph
    assert len(constructed) == 8
    communes = set(graph.subjects(RDF.type, URIRef(f"{EX}Commune")))
    assert len(communes) == 4


def test_rdflib_sparqlstore_json(endpoint):
    graph = Graph(store=SPARQLStore(endpoint, returnFormat="json"))
    assert len(list(graph.query(SELECT))) == 4


# -- a slow query does not stall the server ---------------------------------------------


def test_other_clients_are_served_while_a_query_runs_long(endpoint):
    slow: dict = {}

    def run_slow():
        start = time.perf_counter()
        slow["status"], slow["body"] = http_get(endpoint, SLOW_QUERY)
        slow["seconds"] = time.perf_counter() - start

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.2)
    latencies = []
    while thread.is_alive():
        start = time.perf_counter()
        status, body = http_get(endpoint, f"ASK {{ <{EX}arras> a <{EX}Commune> }}")
        latencies.append(time.perf_counter() - start)
        assert status == 200 and json.loads(body)["boolean"] is True
        time.sleep(0.02)
    thread.join()
    assert slow["status"] == 504
    assert json.loads(slow["body"])["error"] == "timeout"
    assert TIMEOUT <= slow["seconds"] < TIMEOUT + 2
    assert len(latencies) >= 10, "the other client was answered all along"
    assert max(latencies) < 0.5
    # and the server is whole again afterwards
    status, body = http_get(endpoint, SELECT)
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 4


def test_two_slow_clients_and_a_fast_one(endpoint):
    """Both workers stuck: the fast client waits at most the queue limit (503), never hangs."""
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        slow = [pool.submit(http_get, endpoint, SLOW_QUERY) for _ in range(2)]
        time.sleep(0.3)
        start = time.perf_counter()
        status, _ = http_get(endpoint, "ASK {}")
        waited = time.perf_counter() - start
        assert status in (200, 503)
        assert waited < TIMEOUT + 2
        assert [f.result()[0] for f in slow] == [504, 504]
    time.sleep(1.0)
    assert http_get(endpoint, "ASK {}")[0] == 200


# -- SERVICE never reaches the network --------------------------------------------------


def test_service_query_refused_and_no_connection_reaches_the_listener(endpoint):
    with listener() as (port, connections):
        for query in [
            f"SELECT * {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
            f"SELECT * {{ SERVICE SILENT <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
            f"SELECT * {{ SERVICE <http://127.0.0.1:{port}/\\u0061> {{ ?s ?p ?o }} }}",
            f"SELECT * FROM NAMED <http://127.0.0.1:{port}/g> {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        ]:
            status, body = http_get(endpoint, query)
            assert status == 400, body
            assert json.loads(body)["error"] == "bad_query"
        assert connections(1.5) == 0


# -- throughput (reported, loosely checked) ---------------------------------------------


def measure(endpoint: str, clients: int, seconds: float = 2.0) -> float:
    import http.client

    parsed = urllib.parse.urlsplit(endpoint)
    target = f"{parsed.path}?{urllib.parse.urlencode({'query': SELECT})}"
    stop = time.perf_counter() + seconds
    counts = [0] * clients

    def client(index: int) -> None:
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
        while time.perf_counter() < stop:
            conn.request("GET", target, headers={"Accept": "application/sparql-results+json"})
            response = conn.getresponse()
            response.read()
            assert response.status == 200
            counts[index] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / seconds


def test_throughput_is_reported(endpoint, capsys):
    measure(endpoint, 1, 0.3)  # warm-up
    sequential = measure(endpoint, 1)
    concurrent = measure(endpoint, 8)
    with capsys.disabled():
        print(
            f"\n/sparql small SELECT over uvicorn (python client): {sequential:.0f} req/s "
            f"sequential, {concurrent:.0f} req/s with 8 clients"
        )
    assert sequential > 50 and concurrent > 50


# -- the command line -------------------------------------------------------------------


def test_serve_command_serves_a_graph_file(tmp_path):
    port = free_port()
    env = dict(os.environ, AULA_KG_BUILD_DIR=str(tmp_path))
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "aula_kg.cli", "serve", "--graph", str(GRAPH_TRIG)),
            *("--port", str(port), "--workers", "2"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        endpoint = f"http://127.0.0.1:{port}/sparql"
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = http_get(endpoint, SELECT)
                break
            except (urllib.error.URLError, ConnectionError):
                assert process.poll() is None, process.stdout.read().decode()
                assert time.monotonic() < deadline, "aula-kg serve did not start"
                time.sleep(0.1)
        assert status == 200
        assert len(json.loads(body)["results"]["bindings"]) == 4
        status, _ = http_get(endpoint, "DROP ALL")
        assert status == 403
        workers = children(process.pid)
        assert len(workers) == 2
    finally:
        process.terminate()
        # uvicorn shuts down gracefully, then re-raises the signal it caught
        assert process.wait(20) in (0, -signal.SIGTERM)
    output = process.stdout.read().decode()
    assert "Traceback" not in output
    assert "Finished server process" in output
    time.sleep(0.2)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]


def children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(status.parent.name))
    return found


def test_serve_command_without_a_graph_exits_3(tmp_path):
    env = dict(os.environ, AULA_KG_BUILD_DIR=str(tmp_path / "empty"))
    result = subprocess.run(
        [sys.executable, "-m", "aula_kg.cli", "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "aula-kg build" in lines[0]
