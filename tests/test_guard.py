"""The query policy and executors: what a user query may do (read-only, no fetching)
and for how long."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time

import pyoxigraph as ox
import pytest
from fixtures.sparql.helpers import COMMUNES, EX, ITEMS, PROGRAMMES, SLOW_QUERY, fixture_store

from aula_kg.errors import (
    NotAcceptable,
    QueryFailed,
    QueryRejected,
    QueryTimeout,
    ServerBusy,
    UpdateRefused,
)
from aula_kg.sparql_policy import Policy, check_query, tokens
from aula_kg.store import CappedOutput, QueryRequest
from aula_kg.store.execution import execute, local_graph_names
from aula_kg.store.worker_process import load_snapshot
from aula_kg.store.workers import WorkerPool, wait_until_ready

LOCAL = {COMMUNES, PROGRAMMES, ITEMS}


def check(query: str, **kwargs):
    kwargs.setdefault("local_graphs", LOCAL)
    return check_query(query, **kwargs)


# -- classification ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "form", "kind"),
    [
        ("SELECT * { ?s ?p ?o }", "SELECT", "solutions"),
        ("select ?s where { ?s a ?t }", "SELECT", "solutions"),
        ("ASK {}", "ASK", "boolean"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT", "graph"),
        ("DESCRIBE <http://example.org/arras>", "DESCRIBE", "graph"),
        (
            "PREFIX ex: <http://example.org/>\nBASE <http://b/>\nSELECT ?x { ?x a ex:C }",
            "SELECT",
            "solutions",
        ),
        ("# a comment\n  SELECT * {}", "SELECT", "solutions"),
    ],
)
def test_query_forms_are_classified(query, form, kind):
    checked = check(query)
    assert (checked.form, checked.kind) == (form, kind)


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "insert data { <http://a> <http://b> <http://c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
        "LOAD <http://example.org/data.ttl>",
        "LOAD SILENT <file:///etc/passwd> INTO GRAPH <http://g>",
        "CLEAR ALL",
        "DROP ALL",
        "DROP GRAPH <http://example.org/graph/communes>",
        "CREATE GRAPH <http://g>",
        "ADD DEFAULT TO <http://g>",
        "MOVE <http://a> TO <http://b>",
        "COPY <http://a> TO <http://b>",
        "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "PREFIX ex: <http://example.org/> INSERT DATA { ex:a ex:b ex:c }",
        "SELECT * {} ; DROP ALL",
    ],
)
def test_updates_are_refused(update):
    with pytest.raises(UpdateRefused, match="read-only"):
        check(update)


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment", "FOO BAR", "{ ?s ?p ?o }"])
def test_non_queries_are_rejected(text):
    with pytest.raises(QueryRejected) as info:
        check(text)
    assert not isinstance(info.value, UpdateRefused)


# -- no fetching ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { SERVICE <http://169.254.169.254/latest/meta-data/> { ?s ?p ?o } }",
        "SELECT * { service <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * { SERVICE SILENT <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * { SERVICE <file:///etc/passwd> { ?s ?p ?o } }",
        "SELECT * { SERVICE ?endpoint { ?s ?p ?o } }",
        "PREFIX e: <http://127.0.0.1:9/> SELECT * { SERVICE e: { ?s ?p ?o } }",
        "PREFIX e: <http://127.0.0.1:9/> SELECT * { SERVICE e:sparql { ?s ?p ?o } }",
        "BASE <http://127.0.0.1:9/> SELECT * { SERVICE <sparql> { ?s ?p ?o } }",
        "SELECT * { SERVICE <http://127.0.0.1:9/\\u0061> { ?s ?p ?o } }",
        "SELECT * { ?s ?p ?o OPTIONAL { { SELECT * { SERVICE <http://x/> { ?s ?p ?o } } } } }",
        "SELECT * { ?s ?p ?o } # SERVICE comment\nSELECT * { SERVICE <http://x/> {} }",
        "ASK { FILTER(1<2) SERVICE <http://x/> {} }",
        "SELECT * FROM <http://127.0.0.1:9/data.ttl> { ?s ?p ?o }",
        "SELECT * FROM NAMED <http://evil.example/graph> { GRAPH ?g { ?s ?p ?o } }",
        "SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }",
        "CONSTRUCT { ?s ?p ?o } FROM <http://evil.example/> WHERE { ?s ?p ?o }",
    ],
)
def test_queries_that_would_reach_out_are_refused(query):
    with pytest.raises(QueryRejected) as info:
        check(query)
    assert not isinstance(info.value, UpdateRefused)
    assert (
        "SERVICE" in info.value.message
        or "FROM" in info.value.message
        or "parse" in info.value.message
    )


def test_allowed_endpoints_and_local_graphs_pass():
    allowed = ["http://127.0.0.1:9/sparql"]
    checked = check(
        "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", allowed_endpoints=allowed
    )
    assert checked.services == ("http://127.0.0.1:9/sparql",)
    checked = check(f"SELECT * FROM <{COMMUNES}> FROM NAMED <{ITEMS}> {{ ?s ?p ?o }}")
    assert checked.from_graphs == (COMMUNES,) and checked.from_named_graphs == (ITEMS,)
    with pytest.raises(QueryRejected):
        check(
            "SELECT * { SERVICE <http://127.0.0.1:9/other> { ?s ?p ?o } }",
            allowed_endpoints=allowed,
        )


@pytest.mark.parametrize(
    "query",
    [
        'SELECT ("SERVICE <http://x/> {}" AS ?x) {}',
        "SELECT ('''FROM <http://x/>\nSERVICE <http://y/> {}''' AS ?x) {}",
        "SELECT * { ?s <http://example.org/p#SERVICE> ?o } # SERVICE <http://x/> {}",
        "PREFIX service: <http://ex/> SELECT ?service ?from { ?service service:from ?from }",
        'SELECT * { ?s ?p "drop all"@fr . ?s ?p "insert" }',
        "SELECT ?load ?insert { ?load a ?insert }",
    ],
)
def test_keywords_inside_strings_iris_names_and_comments_are_not_refused(query):
    assert check(query).form == "SELECT"


def test_lexing_is_linear_on_hostile_text():
    hostile = [
        "SELECT * " + "{" * 200_000 + "}" * 200_000,
        "SELECT * { " + "'''" * 100_000,
        "SELECT * { " + "<a" * 100_000,
        "SELECT * { " + '"\\' * 100_000,
        "SELECT * { FILTER(" + "(" * 100_000 + ") }",
    ]
    for text in hostile:
        start = time.perf_counter()
        try:
            check(text)
        except QueryRejected:
            pass
        assert time.perf_counter() - start < 2.0, text[:30]


def test_tokens_skip_comments_and_keep_strings():
    kinds = [kind for kind, _ in tokens('SELECT ?x # c\n { ?x <p> "a#b"@fr , ex:y. }')]
    assert kinds == [
        "word",
        "var",
        "other",
        "var",
        "iri",
        "string",
        "langtag",
        "other",
        "pname",
        "other",
        "other",
    ]


# -- execution in-process: dataset, caps, formats ----------------------------------------


@pytest.fixture(scope="module")
def oxstore():
    return fixture_store().oxigraph


def run(oxstore, query, max_rows=1000, **kwargs) -> CappedOutput:
    policy = Policy(frozenset(), local_graph_names(oxstore), max_rows)
    return execute(oxstore, QueryRequest(query, **kwargs), policy)


def bindings(out: CappedOutput) -> list[dict]:
    return json.loads(out.body)["results"]["bindings"]


def test_default_graph_is_the_union_with_each_fact_once(oxstore):
    rows = bindings(run(oxstore, f"SELECT ?pop {{ <{EX}arras> <{EX}population> ?pop }}"))
    assert len(rows) == 1


def test_protocol_dataset_replaces_the_default_graph(oxstore):
    query = f"SELECT ?s {{ ?s a <{EX}Programme> }}"
    assert len(bindings(run(oxstore, query, default_graphs=(COMMUNES,), named_graphs=()))) == 0
    assert len(bindings(run(oxstore, query, default_graphs=(PROGRAMMES,), named_graphs=()))) == 2
    named_only = "SELECT ?g { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    rows = bindings(run(oxstore, named_only, default_graphs=(), named_graphs=(ITEMS,)))
    assert [r["g"]["value"] for r in rows] == [ITEMS]


def test_from_clauses_pick_local_graphs(oxstore):
    rows = bindings(run(oxstore, f"SELECT ?s FROM <{COMMUNES}> {{ ?s a <{EX}Programme> }}"))
    assert rows == []
    rows = bindings(run(oxstore, f"SELECT ?s FROM <{PROGRAMMES}> {{ ?s a <{EX}Programme> }}"))
    assert len(rows) == 2


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_rows_are_capped_in_every_format(oxstore, fmt):
    query = f"SELECT ?i {{ ?i a <{EX}Item> }} ORDER BY ?i"
    out = run(oxstore, query, max_rows=7, results_format=fmt)
    assert out.truncated
    if fmt == "json":
        assert len(bindings(out)) == 7
    elif fmt in ("csv", "tsv"):
        assert len(out.body.strip().splitlines()) == 8  # header and 7 rows
    else:
        assert out.body.count(b"<result>") == 7
    exact = run(oxstore, query, max_rows=40, results_format=fmt)
    assert not exact.truncated


def test_graph_answers_are_capped(oxstore):
    out = run(
        oxstore, f"CONSTRUCT WHERE {{ ?i a <{EX}Item> }}", max_rows=5, graph_format="ntriples"
    )
    assert out.truncated and len(out.body.strip().splitlines()) == 5


def test_capped_path_gives_the_same_bytes_as_native_serialisation(oxstore):
    """Rows go through TSV to be capped; nothing may be lost on the way."""
    query = (
        "SELECT * { ?s ?p ?o OPTIONAL { ?s <http://example.org/none> ?unbound } } ORDER BY ?s ?p ?o"
    )
    for fmt, native in [
        ("json", ox.QueryResultsFormat.JSON),
        ("xml", ox.QueryResultsFormat.XML),
        ("csv", ox.QueryResultsFormat.CSV),
    ]:
        expected = oxstore.query(query).serialize(format=native)
        assert run(oxstore, query, results_format=fmt).body == expected


def test_no_acceptable_format_is_refused_before_running(oxstore):
    with pytest.raises(NotAcceptable):
        run(oxstore, "SELECT * {}", results_format=None)
    with pytest.raises(NotAcceptable):
        run(oxstore, "CONSTRUCT WHERE { ?s ?p ?o }", graph_format=None)


def test_syntax_errors_are_rejected(oxstore):
    with pytest.raises(QueryRejected, match="does not parse"):
        run(oxstore, "SELECT * { ?s ?p }")


def test_relative_iris_resolve_against_the_endpoint(oxstore):
    out = run(
        oxstore,
        "CONSTRUCT { <s> <p> 1 } WHERE {}",
        graph_format="ntriples",
        base_iri="http://host/sparql",
    )
    assert out.body.startswith(b"<http://host/s> <http://host/p>")


# -- the worker pool --------------------------------------------------------------------


@pytest.fixture(scope="module")
def pool():
    pool = WorkerPool.for_store(fixture_store(), size=2, timeout=1.0, queue_timeout=0.5)
    pool.start()
    yield pool
    pool.close()


def arun(coro):
    return asyncio.run(coro)


def test_pool_answers_and_reports_errors(pool):
    out = arun(pool.run(QueryRequest(f"ASK {{ <{EX}arras> a <{EX}Commune> }}")))
    assert out.kind == "boolean" and b"true" in out.body
    with pytest.raises(UpdateRefused):
        arun(pool.run(QueryRequest("DROP ALL")))
    with pytest.raises(QueryRejected):
        arun(pool.run(QueryRequest("SELECT * { SERVICE <http://127.0.0.1:9/> {} }")))


def test_timeout_kills_the_worker_and_others_keep_serving(pool):
    wait_until_ready(pool)
    before = set(pool.pids())

    async def scenario():
        slow = asyncio.ensure_future(pool.run(QueryRequest(SLOW_QUERY)))
        await asyncio.sleep(0.1)
        fast = []
        for _ in range(5):
            start = time.perf_counter()
            await pool.run(QueryRequest("ASK {}"))
            fast.append(time.perf_counter() - start)
        with pytest.raises(QueryTimeout, match="time limit"):
            await slow
        return fast

    started = time.perf_counter()
    fast = arun(scenario())
    assert time.perf_counter() - started < 3.0
    assert max(fast) < 0.5
    assert wait_until_ready(pool, timeout=30)
    after = set(pool.pids())
    assert len(after - before) == 1, "the timed-out worker is replaced"
    for pid in before - after:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_busy_pool_answers_503_quickly(pool):
    wait_until_ready(pool)

    async def scenario():
        slow = [asyncio.ensure_future(pool.run(QueryRequest(SLOW_QUERY))) for _ in range(2)]
        await asyncio.sleep(0.1)
        with pytest.raises(ServerBusy):
            await pool.run(QueryRequest("ASK {}"))
        for task in slow:
            with pytest.raises(QueryTimeout):
                await task

    arun(scenario())
    assert wait_until_ready(pool, timeout=30)


def test_a_crashed_worker_is_replaced(pool):
    wait_until_ready(pool)
    victim = pool.pids()[0]

    async def scenario():
        tasks = [asyncio.ensure_future(pool.run(QueryRequest(SLOW_QUERY))) for _ in range(2)]
        await asyncio.sleep(0.2)
        os.kill(victim, signal.SIGKILL)
        results = await asyncio.gather(*tasks, return_exceptions=True)
        return results

    results = arun(scenario())
    assert any(isinstance(r, QueryFailed) for r in results)
    assert wait_until_ready(pool, timeout=30)
    out = arun(pool.run(QueryRequest("ASK {}")))
    assert b"true" in out.body


def test_close_stops_every_worker():
    pool = WorkerPool.for_store(fixture_store(), size=2, timeout=1.0)
    pool.start()
    pids = pool.pids()
    snapshot = pool.snapshot
    pool.close()
    time.sleep(0.1)
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert not snapshot.exists()
    with pytest.raises(ServerBusy):
        arun(pool.run(QueryRequest("ASK {}")))


def test_snapshot_loads_with_union_default_graph(tmp_path):
    path = tmp_path / "g.nq"
    path.write_text(f"<{EX}a> <{EX}p> <{EX}b> <{COMMUNES}> .\n")
    store = load_snapshot(path)
    assert len(list(store.query("SELECT * { ?s ?p ?o }"))) == 1


def test_deep_nesting_is_refused_before_the_parser():
    """pyoxigraph's recursive parser would overflow its stack on 50,000 nested braces."""
    for text in [
        "SELECT * WHERE " + "{" * 50_000 + "}" * 50_000,
        "SELECT * { FILTER(" + "(" * 50_000 + "1" + ")" * 50_000 + ") }",
        "SELECT * { ?s ?p " + "[ ?p " * 50_000 + "1" + " ]" * 50_000 + " }",
    ]:
        with pytest.raises(QueryRejected, match="nests more than"):
            check(text)
    assert check("SELECT * WHERE " + "{" * 150 + "}" * 150).form == "SELECT"


# -- executors: the store chooses ------------------------------------------------------


def test_the_store_gives_its_executor_and_describes_itself():
    from aula_kg.answers import CachedPool
    from aula_kg.store import Limits
    from aula_kg.store.execution import InProcessExecutor

    store = fixture_store()
    assert store.kind == "memory"
    local = store.executor(Limits(max_rows=2), in_process=True)
    assert isinstance(local, InProcessExecutor) and local.pids() == []
    out = asyncio.run(local.run(QueryRequest(f"SELECT ?c {{ ?c a <{EX}Commune> }}")))
    assert out.truncated and len(bindings(out)) == 2  # the server's row cap, in process
    with pytest.raises(QueryRejected, match="SERVICE"):
        asyncio.run(local.run(QueryRequest("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }")))
    pool = store.executor(Limits(workers=1))
    cached = store.executor(Limits(workers=1), cache_bytes=1 << 20)
    try:
        assert isinstance(pool, WorkerPool) and pool.cache is None
        assert isinstance(cached, CachedPool) and cached.cache.capacity == 1 << 20
    finally:
        pool.close()
        cached.close()


def test_the_policy_module_sits_below_the_stores():
    """sparql_policy imports no store module: store.remote can use the lexer (no cycle)."""
    import subprocess
    import sys

    code = ("import sys, aula_kg.sparql_policy; "
            "print(sorted(m for m in sys.modules if m.startswith('aula_kg.store')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
