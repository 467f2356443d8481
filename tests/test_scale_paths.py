"""The paths written for the national graph, checked on the AULA graph: named-graph pages
and downloads without a Python pass over every triple, the name index's quiet lookup, the
start-up warm-up, and the rdflib parser taken in turn by threads."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph

from aula_kg.territories import NameIndex
from aula_kg.web.app import create_app
from aula_kg.web.pages import resources
from aula_kg.web.services import app_services

BROWSER = "text/html,application/xhtml+xml"


@pytest.fixture(scope="module")
def client(built_settings, store):
    with TestClient(create_app(built_settings, store, workers=1)) as client:
        yield client


def test_store_counts_match_a_pass_over_the_quads(store):
    import pyoxigraph as ox

    union = store.oxigraph.quads_for_pattern(None, None, None, ox.DefaultGraph())
    assert store.triple_count() == sum(1 for _ in union)
    sizes = store.graph_sizes()
    assert set(sizes) == set(store.graph_names())
    curated = "https://w3id.org/aula-kg/graph/curated"
    assert sizes[curated] == sum(
        1 for _ in store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(curated))
    )


def test_large_named_graphs_list_their_subjects_in_iri_order(client, monkeypatch):
    monkeypatch.setattr(resources, "GRAPH_PAGE_SORT_BY_LABEL", 10)  # as if the graph were large
    html = client.get("/graph/opendata/cog", headers={"Accept": BROWSER}).text
    listed = re.findall(r'href="/id/([^"#]+)"', html.split("triplets sur", 1)[1])
    assert len(listed) >= 100
    assert listed == sorted(listed)


def test_named_graph_downloads_are_serialised_by_the_store(client, store):
    response = client.get("/graph/opendata/cog", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    assert "@prefix igeo: <http://rdf.insee.fr/def/geo#> ." in response.text
    parsed = Graph().parse(data=response.text, format="turtle")
    assert len(parsed) == store.graph_sizes()["https://w3id.org/aula-kg/graph/opendata/cog"]


def test_find_is_resolve_without_errors_or_suggestions(store):
    names = NameIndex(store)
    territory = {"pair", "epci", "commune", "territory"}
    assert names.find("lens lievin", territory) == names.resolve("Lens-Liévin", territory, "t")
    assert names.find("Nowhere-sur-Mer", territory) is None
    names._add("Artois", 3, names.resolve("CALL", {"epci"}, "t"))
    names._add("Artois", 3, names.resolve("CABBALR", {"epci"}, "t"))
    assert names.find("artois", {"epci"}) is None  # ambiguous: no guess


def test_the_warm_up_builds_the_indexes_after_start_and_status_says_so(built_settings, store):
    app = create_app(built_settings, store, workers=1)
    with TestClient(app) as client:
        deadline = time.monotonic() + 30
        status = client.get("/api/status").json()
        while not status["warm"] and time.monotonic() < deadline:
            time.sleep(0.05)
            status = client.get("/api/status").json()
        assert status["warm"] and status["store"] == "prebuilt"
        assert status["workers"] == {"size": 1, "ready": 1}
        assert app_services(app).known("home_facts")["triples"] == store.triple_count()
        assert app_services(app).queries._names is not None
        ask = {"query": "ASK { ?s ?p ?o }"}
        client.get("/sparql", params=ask)
        client.get("/sparql", params=ask)
        cache = client.get("/api/status").json()["answer_cache"]
        assert cache["entries"] >= 1 and cache["hits"] >= 1


_RACE = """
import sys, threading
from pathlib import Path
from aula_kg.queryform import query_form
texts = [p.read_text(encoding="utf-8") for p in sorted(Path(sys.argv[1]).glob("*.rq"))]
failures = []
start = threading.Barrier(4)
def parse():
    start.wait()
    for text in texts:
        try:
            query_form(text)
        except Exception as exc:
            failures.append(repr(exc))
threads = [threading.Thread(target=parse) for _ in range(4)]
for thread in threads: thread.start()
for thread in threads: thread.join()
print(len(failures), failures[:1])
"""


def test_threads_parse_queries_in_turn():
    """Regression: two threads making the query service at once (the warm-up and a first
    request) broke each other's parses in rdflib's grammar, which sets itself up on first
    use (TypeError from pyparsing's parse actions): a fresh interpreter is needed."""
    from conftest import REPO

    done = subprocess.run([sys.executable, "-c", _RACE, str(REPO / "queries")],
                          capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.startswith("0 "), done.stdout
