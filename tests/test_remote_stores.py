"""Remote stores: the built graph published to real SPARQL servers on 127.0.0.1 (Oxigraph
and Virtuoso), every stored query giving the embedded store's results there, and the
endpoint forwarding checked queries to a server with bounded waits."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from fixtures.sparql.servers import free_port
from rdflib import Literal

from aula_kg.answering import run_query
from aula_kg.catalog import Catalog
from aula_kg.errors import AulaKgError
from aula_kg.store.remote import BackendFailed, RemoteStore, publish
from aula_kg.territories import NameIndex

pytestmark = pytest.mark.server

VENV_BIN = Path(sys.executable).parent

# The servers (oxigraph_server, virtuoso_server) are session fixtures of conftest.py, shared
# with the page tests (test_remote_pages.py): a Virtuoso starts once per run.


def normalise(term):
    """Compare values, not spellings: Virtuoso writes booleans 1/0 and decimals its way,
    and each server concatenates a group in its own order."""
    if term is None:
        return None
    if isinstance(term, Literal):
        value = term.toPython()
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float | Decimal):
            return round(float(value), 6)
        text = str(term)
        for separator in (" ; ", ", "):
            if separator in text:
                # GROUP_CONCAT's order is left to the server by SPARQL 1.1 (11.4.7).
                text = tuple(sorted(text.split(separator)))
                break
        return (text, term.language)
    return str(term)


def answers(store, query, names):
    result = run_query(store, query, query.examples, names)
    if isinstance(result, bool):
        return result
    return result.variables, [tuple(normalise(t) for t in row) for row in result.rows]


@pytest.fixture(scope="module")
def catalog(built_settings):
    return Catalog.load(built_settings.queries_dir)


@pytest.fixture(scope="module")
def embedded_answers(store, catalog):
    names = NameIndex(store)
    return {q.name: answers(store, q, names) for q in catalog}


# Every stored query avoids what Virtuoso 7.2.5 (Debian) gets wrong (see each query's
# comments): an empty GROUP_CONCAT gives "" instead of no value, GROUP_CONCAT drops the
# language tag, COUNT(DISTINCT) over an OPTIONAL counts the unbound row, a VALUES slot inside
# MINUS voids the MINUS, a plain literal sorts before tagged ones, integer division
# truncates, some nested UNION/OPTIONAL shapes fail to compile (SP031), and no SERVICE
# compiles (a federated query runs its local part when its service is not configured).


def _differing(remote, catalog, embedded_answers) -> set[str]:
    names = NameIndex(remote)
    differ = set()
    for query in catalog:
        try:
            if answers(remote, query, names) != embedded_answers[query.name]:
                differ.add(query.name)
        except AulaKgError:
            differ.add(query.name)
    return differ


def test_every_stored_query_gives_the_embedded_answers_on_oxigraph(
    oxigraph_server, catalog, embedded_answers
):
    assert _differing(oxigraph_server, catalog, embedded_answers) == set()


def test_every_stored_query_gives_the_embedded_answers_on_virtuoso(
    virtuoso_server, catalog, embedded_answers
):
    assert _differing(virtuoso_server, catalog, embedded_answers) == set()


@pytest.mark.parametrize("server", ["oxigraph_server", "virtuoso_server"])
def test_remote_store_describes_the_same_graphs(request, server, store):
    remote = request.getfixturevalue(server)
    assert remote.graph_names() == store.graph_names()
    assert remote.triple_count() == store.triple_count()
    assert remote.ask("ASK { ?s a <http://rdf.insee.fr/def/geo#Commune> }")


def test_publish_replaces_each_graph(oxigraph_server, built_settings):
    first = publish(built_settings.graph_file, oxigraph_server.config.endpoint)
    again = publish(built_settings.graph_file, oxigraph_server.config.endpoint)
    assert first == again
    assert oxigraph_server.triple_count() == sum(
        n for g, n in first.items() if g.startswith("https://w3id.org/aula-kg/")
    ) - (sum(n for g, n in first.items() if g.startswith("https://")) - first[
        "urn:x-aula-kg:union"])


def test_virtuoso_writes_need_authentication(virtuoso_server, built_settings):
    with pytest.raises(BackendFailed, match="401"):
        publish(built_settings.graph_file, virtuoso_server.config.endpoint)


# -- the endpoint over a remote store -----------------------------------------------


def _client(settings, remote, timeout=5.0):
    from fastapi.testclient import TestClient

    from aula_kg.web.app import create_app

    return TestClient(create_app(replace(settings, query_timeout=timeout), remote))


def test_endpoint_forwards_checked_queries(built_settings, oxigraph_server):
    with _client(built_settings, oxigraph_server) as client:
        response = client.get("/sparql", params={
            "query": "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://rdf.insee.fr/def/geo#Commune> }"
        }, headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 200
        assert int(response.json()["results"]["bindings"][0]["n"]["value"]) > 0
        refused = client.get("/sparql", params={"query": "SELECT * { SERVICE <http://x/> {} }"})
        assert refused.status_code == 400
        assert client.post("/sparql", data={"update": "CLEAR ALL"}).status_code == 403


@pytest.fixture
def hanging_server():
    """Accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    held = []
    stopping = threading.Event()

    def accept():
        sock.settimeout(0.2)
        while not stopping.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/query"
    stopping.set()
    thread.join(2)
    for conn in held:
        conn.close()
    sock.close()


def test_hanging_backend_gives_504(built_settings, hanging_server):
    remote = RemoteStore(hanging_server, timeout=1)
    remote._graphs = []
    with _client(built_settings, remote, timeout=1.0) as client:
        start = time.monotonic()
        response = client.get("/sparql", params={"query": "ASK {}"})
        assert response.status_code == 504
        assert time.monotonic() - start < 5


def test_unreachable_backend_gives_502(built_settings):
    remote = RemoteStore(f"http://127.0.0.1:{free_port()}/query", timeout=2)
    with _client(built_settings, remote) as client:
        response = client.get("/sparql", params={"query": "ASK {}"})
        assert response.status_code == 502
        assert response.json()["error"] == "bad_gateway"


def test_query_command_runs_on_a_server(oxigraph_server, cli_env, embedded_answers):
    env = dict(cli_env)
    out = subprocess.run(
        [str(VENV_BIN / "aula-kg"), "query", "population_by_epci", "--format", "csv",
         "--endpoint", oxigraph_server.config.endpoint],
        capture_output=True, text=True, env=env, timeout=60, check=True,
    ).stdout
    local = subprocess.run(
        [str(VENV_BIN / "aula-kg"), "query", "population_by_epci", "--format", "csv"],
        capture_output=True, text=True, env={k: v for k, v in env.items()
                                             if k != "AULA_KG_ENDPOINT"},
        timeout=60, check=True,
    ).stdout
    assert out == local
    assert os.environ.get("AULA_KG_ENDPOINT") is None
