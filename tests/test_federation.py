"""Federated stored queries against a real SPARQL server on 127.0.0.1.

A local ``oxigraph serve-read-only`` holds a small Wikidata-like fixture
(tests/fixtures/federation/wikidata.ttl) and stands in for the external endpoint. Nothing
leaves 127.0.0.1: the endpoints are local, and proxies are bypassed for them.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from aula_kg.answering import answer_sync, run_query
from aula_kg.catalog import Catalog
from aula_kg.config import Settings
from aula_kg.errors import QueryRejected
from aula_kg.federation import (
    ServiceFailed,
    declared,
    endpoint_for,
    split,
)
from aula_kg.sparql_policy import check_query

pytestmark = pytest.mark.server

FIXTURE = Path(__file__).parent / "fixtures" / "federation" / "wikidata.ttl"
CATALOG = Catalog.load(Settings.from_env().queries_dir)
QUERY = CATALOG.get("communes_wikidata_enrichment")
WD = "http://www.wikidata.org/entity/"


def oxigraph_cli() -> str:
    local = Path(sys.executable).parent / "oxigraph"
    found = str(local) if local.exists() else shutil.which("oxigraph")
    if not found:
        pytest.skip("the oxigraph CLI is not installed (pip install oxigraph)")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def wikidata(tmp_path_factory):
    """The endpoint URL of a local oxigraph server holding the fixture; stopped afterwards."""
    cli = oxigraph_cli()
    location = tmp_path_factory.mktemp("wikidata-store")
    subprocess.run([cli, "load", "--location", str(location), "--file", str(FIXTURE)],
                   check=True, capture_output=True, timeout=60)
    port = free_port()
    log = (location / "server.log").open("wb")
    server = subprocess.Popen(
        [cli, "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}/query"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                with opener.open(endpoint + "?query=ASK%7B%7D", timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("oxigraph serve did not start") from None
                time.sleep(0.1)
        yield endpoint
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
        log.close()


@pytest.fixture(autouse=True)
def no_proxy_for_loopback(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def allowing(settings: Settings, *endpoints: str) -> Settings:
    return replace(settings, allowed_service_endpoints=tuple(endpoints))


def run_federated(store, query, given, settings, *, environ=None, timeout=None):
    """The enriched answer as every face gets it (aula_kg.answering), enrichment required."""
    return answer_sync(store, query, given, settings, environ=environ, enrich=True,
                       service_timeout=timeout)


def by_code(result):
    return {row["code"].toPython(): row for row in result.as_dicts()}


def test_the_query_declares_its_service_by_key_not_url():
    federation = declared(QUERY)
    assert (federation.service, federation.join) == ("wikidata", "code")
    assert federation.env_var == "AULA_KG_SERVICE_WIKIDATA"
    assert "wikidata.org/sparql" not in QUERY.text and "query.wikidata" not in QUERY.text
    parts = split(QUERY.text, federation)
    assert parts.silent and "wdt:P374 ?code" in parts.body
    assert "urn:aula-kg:service" not in parts.local and "PREFIX wdt:" in parts.prologue


def test_enriches_the_rows_through_the_allowed_endpoint(store, built_settings, wikidata):
    settings = allowing(built_settings, wikidata)
    answer = run_federated(store, QUERY, {"territory": "Lens-Liévin"}, settings,
                           environ={"AULA_KG_SERVICE_WIKIDATA": wikidata})
    assert answer.endpoint == wikidata and answer.warnings == []
    rows = by_code(answer.table)
    assert sorted(rows) == ["62498", "62510"]  # Béthune and Arras are not asked for
    lens, lievin = rows["62498"], rows["62510"]
    # local part: the COG figures, with their graph
    assert lens["commune_label"] == Literal("Lens")
    assert lens["cog_population"] == Literal(32920, datatype=XSD.integer)
    assert lens["cog_graph"] == URIRef("https://w3id.org/aula-kg/graph/opendata/cog")
    # remote part: joined on the INSEE code
    assert lens["wikidata_item"] == URIRef(WD + "Q990000001")
    assert lens["wikidata_label"] == Literal("Lens", lang="fr")
    assert lens["wikidata_population"] == Literal("31000", datatype=XSD.decimal)
    assert lens["wikidata_website"] == URIRef("https://lens.example.org/")
    assert lievin["wikidata_item"] == URIRef(WD + "Q990000002")
    assert lievin["wikidata_label"] == Literal("Liévin", lang="fr")
    assert lievin["wikidata_website"] is None  # OPTIONAL on the remote side
    assert answer.remote_rows == 2


def test_left_join_keeps_communes_without_a_remote_item(store, built_settings, wikidata):
    settings = allowing(built_settings, wikidata)
    answer = run_federated(store, QUERY, {"territory": "CALL"}, settings,
                           environ={"AULA_KG_SERVICE_WIKIDATA": wikidata})
    rows = by_code(answer.table)
    assert len(rows) == 36  # the 36 communes of the CA de Lens - Liévin
    enriched = {code for code, row in rows.items() if row["wikidata_item"] is not None}
    assert enriched == {"62498", "62510"}
    assert [r[0].toPython() for r in answer.table.rows] == sorted(rows)  # local order kept


def test_the_configuration_comes_from_the_environment(store, wikidata, built_settings, monkeypatch):
    monkeypatch.setenv("AULA_KG_ALLOWED_SERVICES", f"http://127.0.0.1:1/other, {wikidata}")
    monkeypatch.setenv("AULA_KG_SERVICE_WIKIDATA", wikidata)
    settings = replace(Settings.from_env(), home=built_settings.home,
                       build_dir=built_settings.build_dir)
    answer = run_federated(store, QUERY, {"territory": "Lens"}, settings)
    assert [(r["code"].toPython(), str(r["wikidata_item"])) for r in answer.table.as_dicts()] == [
        ("62498", WD + "Q990000001")
    ]


def test_an_endpoint_not_in_the_allow_list_is_refused_before_any_connection(
    store, built_settings, wikidata
):
    # A listening socket that records any connection attempt.
    with socket.socket() as trap:
        trap.bind(("127.0.0.1", 0))
        trap.listen(5)
        trap.settimeout(0.2)
        elsewhere = f"http://127.0.0.1:{trap.getsockname()[1]}/sparql"
        settings = allowing(built_settings, wikidata)  # the fixture server only
        with pytest.raises(QueryRejected) as refused:
            run_federated(store, QUERY, {"territory": "Lens"}, settings,
                          environ={"AULA_KG_SERVICE_WIKIDATA": elsewhere})
        assert refused.value.message == (
            f"service 'wikidata' is configured as <{elsewhere}>, which is not allowed: "
            "aula-kg only queries endpoints listed in AULA_KG_ALLOWED_SERVICES"
        )
        with pytest.raises(TimeoutError):
            trap.accept()  # nobody connected
    # The SPARQL endpoint's guard gives the same answer for the raw SERVICE.
    with pytest.raises(QueryRejected, match="not allowed"):
        check_query(QUERY.text.replace("urn:aula-kg:service:wikidata", elsewhere),
                    allowed_endpoints=(wikidata,))


def test_no_configured_endpoint_is_refused(store, built_settings):
    with pytest.raises(QueryRejected, match="set AULA_KG_SERVICE_WIKIDATA"):
        run_federated(store, QUERY, {"territory": "Lens"}, built_settings, environ={})
    with pytest.raises(QueryRejected, match="not allowed"):
        endpoint_for(declared(QUERY), built_settings,
                     {"AULA_KG_SERVICE_WIKIDATA": "https://query.wikidata.org/sparql"})


def test_a_silent_service_that_does_not_answer_leaves_rows_unenriched_in_bounded_time(
    store, built_settings
):
    # A server that accepts connections (backlog) and never answers.
    with socket.socket() as mute:
        mute.bind(("127.0.0.1", 0))
        mute.listen(5)
        endpoint = f"http://127.0.0.1:{mute.getsockname()[1]}/sparql"
        started = time.monotonic()
        answer = run_federated(store, QUERY, {"territory": "Lens-Liévin"},
                               allowing(built_settings, endpoint),
                               environ={"AULA_KG_SERVICE_WIKIDATA": endpoint}, timeout=1)
        assert time.monotonic() - started < 5
    assert [r["wikidata_item"] for r in answer.table.as_dicts()] == [None, None]
    assert len(answer.warnings) == 1 and "failed (time limit 1 s)" in str(answer.warnings[0])


def test_a_service_without_silent_raises_on_failure(store, built_settings):
    text = QUERY.text.replace("SERVICE SILENT", "SERVICE")
    strict = replace(QUERY, text=text)
    with socket.socket() as mute:
        mute.bind(("127.0.0.1", 0))
        mute.listen(5)
        endpoint = f"http://127.0.0.1:{mute.getsockname()[1]}/sparql"
        with pytest.raises(ServiceFailed, match="time limit 1 s"):
            run_federated(store, strict, {"territory": "Lens"}, allowing(built_settings, endpoint),
                          environ={"AULA_KG_SERVICE_WIKIDATA": endpoint}, timeout=1)


def test_without_a_configured_service_it_answers_locally_with_a_note(store, built_settings):
    """Every face (command line, API, pages) gets the local rows and a note saying why."""
    answer = answer_sync(store, QUERY, {"territory": "Lens-Liévin"}, built_settings, environ={})
    assert [r["code"].toPython() for r in answer.table.as_dicts()] == ["62498", "62510"]
    assert all(r["wikidata_item"] is None for r in answer.table.as_dicts())
    assert "urn:aula-kg:service" not in answer.text and answer.endpoint is None
    assert [n.code for n in answer.notes] == ["answer.without_enrichment"]
    assert "set AULA_KG_SERVICE_WIKIDATA" in str(answer.notes[0])
    assert "AULA_KG_SERVICE_WIKIDATA" in answer.notes[0].render("fr")


def test_the_local_part_runs_through_the_pool(store, built_settings, wikidata):
    """The federation's local part is a pool request like any other (no store call in the
    federation module): two requests, the local part and the joined rows."""
    from aula_kg.answering import StoredQueries

    service = StoredQueries.in_process(store, allowing(built_settings, wikidata),
                                       environ={"AULA_KG_SERVICE_WIKIDATA": wikidata})
    answer = service.answer_sync(QUERY, {"territory": "Lens-Liévin"})
    assert service.pool.requests == 2
    assert answer.endpoint == wikidata and answer.text.startswith("SELECT ?")
    assert "VALUES (?" in answer.text
    assert "<http://www.wikidata.org/entity/Q990000001>" in answer.text


def test_run_as_plain_sparql_it_contacts_nothing(store):
    # The placeholder IRI is not fetchable: SERVICE SILENT fails at once, rows stay local.
    result = run_query(store, QUERY, {"territory": "Lens-Liévin"})
    assert [(r["code"].toPython(), r["wikidata_item"]) for r in result.as_dicts()] == [
        ("62498", None), ("62510", None)
    ]


def test_the_api_enriches_through_the_allowed_endpoint(store, built_settings, wikidata,
                                                      monkeypatch):
    """The web API runs the same federation as the command line, then serialises the joined
    rows like any other answer."""
    from fastapi.testclient import TestClient

    from aula_kg.web import create_app

    monkeypatch.setenv("AULA_KG_SERVICE_WIKIDATA", wikidata)
    app = create_app(allowing(built_settings, wikidata), store, workers=1)
    with TestClient(app) as client:
        response = client.get("/api/queries/communes_wikidata_enrichment",
                              params={"territory": "Lens-Liévin"},
                              headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    rows = {b["code"]["value"]: b for b in response.json()["results"]["bindings"]}
    assert set(rows) == {"62498", "62510"}
    assert "wikidata_item" in rows["62498"]


def test_the_command_line_says_it_answers_without_enrichment(cli_env, capsys, monkeypatch):
    """`aula-kg query` goes through the same answer: local rows, and a note on stderr."""
    from aula_kg.cli import main

    monkeypatch.delenv("AULA_KG_SERVICE_WIKIDATA", raising=False)
    assert main(["query", "communes_wikidata_enrichment", "-p", "territory=Lens-Liévin",
                 "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    assert "code" in out.splitlines()[0].split(",")
    assert len(out.splitlines()) == 3  # header, Lens, Liévin
    assert "note: answering without enrichment: service 'wikidata' has no endpoint" in err
