"""A small runner for the W3C SPARQL 1.1 Protocol tests against the aula-kg app.

The suite (``manifest.ttl`` and its data files) is found through the setting
``AULA_KG_CONFORMANCE`` (default ``<settings.shared_dir>/conformance/sparql11-protocol``). The
app's store holds every data graph the manifest names (``ut:graphData``), each in the graph
named by its ``rdfs:label``. Each test's requests run in order through FastAPI's TestClient;
``/sparql/`` in ``ht:absolutePath`` becomes the app's ``/sparql``.

The endpoint is read-only, so the ``update_*`` tests are run for the refusal: each update
request must get 403, the store's content hash must not change, and a follow-up query that
checks the update's effect must answer ``false``. The ``bad_update_*`` tests expect a 4xx as
written, and nothing may change either.

Run it alone with ``python tests/conformance/sparql_protocol_runner.py``.
"""

from __future__ import annotations

import json
import os
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from aula_kg.config import Settings
from aula_kg.store import EmbeddedStore

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"
SRX = "{http://www.w3.org/2005/sparql-results#}"

RESULT_TYPES = {
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
}
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}


def suite_dir(settings: Settings | None = None) -> Path:
    """Where the suite is: ``AULA_KG_CONFORMANCE`` or the shared folder's copy."""
    value = os.environ.get("AULA_KG_CONFORMANCE")
    if value:
        return Path(value).expanduser().resolve()
    settings = settings or Settings.from_env()
    return settings.shared_dir / "conformance" / "sparql11-protocol"


@dataclass
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[str]  # "2xx", "3xx", "4xx"
    result_format: str | None  # "boolean", "tabular", "RDF"
    boolean: bool | None

    @property
    def is_update(self) -> bool:
        content_type = self.headers.get("content-type", "").split(";")[0].strip()
        return content_type == "application/sparql-update" or (
            content_type == "application/x-www-form-urlencoded"
            and (self.body or b"").startswith(b"update=")
        )


@dataclass
class ProtocolTest:
    name: str
    title: str
    data: list[tuple[Path, str]]
    requests: list[HttpRequest]

    @property
    def kind(self) -> str:
        """query, bad_query, update or bad_update (bad_multiple_updates is a bad_update)."""
        family = "update" if "update" in self.name else "query"
        return f"bad_{family}" if self.name.startswith("bad_") else family


@dataclass
class Outcome:
    test: ProtocolTest
    passed: bool
    details: list[str] = field(default_factory=list)


def load_manifest(directory: Path) -> list[ProtocolTest]:
    manifest = directory / "manifest.ttl"
    graph = Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
    root = next(graph.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in Collection(graph, graph.value(root, MF.entries)):
        name = str(entry).rsplit("#", 1)[-1]
        data = []
        for graph_data in graph.objects(entry, UT.graphData):
            file_iri = str(graph.value(graph_data, UT.graph))
            label = str(graph.value(graph_data, RDFS.label))
            data.append((Path(file_iri.removeprefix("file://")), label))
        action = graph.value(entry, MF.action)
        requests = []
        for node in Collection(graph, graph.value(action, HT.requests)):
            headers = {}
            header_list = graph.value(node, HT.headers)
            if header_list is not None:
                for header in Collection(graph, header_list):
                    headers[str(graph.value(header, HT.fieldName)).lower()] = str(
                        graph.value(header, HT.fieldValue)
                    )
            body_node = graph.value(node, HT.body)
            body = None
            if body_node is not None:
                encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(graph.value(body_node, CNT.chars)).encode(encoding.lower())
            resp = graph.value(node, HT.resp)
            statuses = {
                str(s).removeprefix(HTS).lower() for s in graph.objects(resp, MF.expectedStatus)
            }
            fmt = graph.value(resp, MF.expectedFormat)
            expected_boolean = graph.value(resp, MF.expectedBoolean)
            requests.append(
                HttpRequest(
                    method=str(graph.value(node, HT.methodName)),
                    path=str(graph.value(node, HT.absolutePath)),
                    headers=headers,
                    body=body,
                    statuses=statuses,
                    result_format=str(fmt) if fmt is not None else None,
                    boolean=expected_boolean.toPython() if expected_boolean is not None else None,
                )
            )
        title = str(graph.value(entry, MF.name))
        tests.append(ProtocolTest(name, title, data, requests))
    return tests


def build_store(tests: list[ProtocolTest]) -> EmbeddedStore:
    """Every data graph of the manifest, each in the graph named by its label."""
    store = ox.Store()
    loaded = set()
    for test in tests:
        for path, label in test.data:
            if (path, label) in loaded:
                continue
            loaded.add((path, label))
            store.load(path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(label))
    return EmbeddedStore.from_nquads(store.dump(format=ox.RdfFormat.N_QUADS))


def _endpoint_path(path: str) -> str:
    """``/sparql/?query=...`` -> ``/sparql?query=...``."""
    return path.replace("/sparql/", "/sparql", 1)


def _boolean(response) -> bool | None:
    media_type = response.headers.get("content-type", "").split(";")[0]
    if media_type == "application/sparql-results+json":
        return json.loads(response.content).get("boolean")
    if media_type == "application/sparql-results+xml":
        node = ET.fromstring(response.content).find(f"{SRX}boolean")
        return None if node is None else node.text == "true"
    return None


def _check_format(request: HttpRequest, response, expected_boolean: bool | None) -> list[str]:
    problems = []
    media_type = response.headers.get("content-type", "").split(";")[0]
    if request.result_format == "boolean":
        value = _boolean(response)
        if value is None:
            problems.append(f"expected a boolean result, got {media_type}")
        elif expected_boolean is not None and value != expected_boolean:
            problems.append(f"expected boolean {expected_boolean}, got {value}")
    elif request.result_format == "tabular":
        if media_type not in RESULT_TYPES:
            problems.append(f"expected tabular results, got {media_type}")
    elif request.result_format == "RDF":
        if media_type not in RDF_TYPES:
            problems.append(f"expected RDF, got {media_type}")
        else:
            try:
                Graph().parse(data=response.content, format=RDF_TYPES[media_type])
            except Exception as exc:  # noqa: BLE001 - reported as a failure
                problems.append(f"the RDF answer does not parse: {exc}")
    return problems


def run_test(client, store: EmbeddedStore, test: ProtocolTest) -> Outcome:
    before = store.content_hash()
    details: list[str] = []
    refused_updates = 0
    for request in test.requests:
        response = client.request(
            request.method,
            _endpoint_path(request.path),
            headers=request.headers,
            content=request.body,
        )
        status = response.status_code
        status_class = f"{status // 100}xx"
        if test.kind == "update":
            if request.is_update:
                if status != 403 or response.json().get("error") != "read_only":
                    details.append(f"update not refused as read-only: {status} {response.text}")
                refused_updates += 1
                continue
            # A follow-up query that checks the (refused) update's effect: absent.
            expected = None if request.boolean is None else not request.boolean
            if status_class != "2xx":
                details.append(f"follow-up query failed: {status} {response.text}")
            else:
                details += _check_format(request, response, expected)
            continue
        if status_class not in request.statuses:
            expected = "/".join(sorted(request.statuses))
            details.append(
                f"{request.method} {request.path[:60]}: expected {expected}, "
                f"got {status} {response.text[:200]}"
            )
            continue
        if status_class == "4xx" and not response.headers.get("content-type", "").startswith(
            "application/json"
        ):
            details.append(f"error {status} is not JSON")
        if status_class == "2xx":
            details += _check_format(request, response, request.boolean)
    if test.kind == "update" and refused_updates == 0:
        details.append("no update request found in an update test")
    if store.content_hash() != before:
        details.append("the store changed")
    return Outcome(test, not details, details)


def run_suite(directory: Path, workers: int = 2) -> list[Outcome]:
    from fastapi.testclient import TestClient

    from aula_kg.web import create_app

    tests = load_manifest(directory)
    store = build_store(tests)
    app = create_app(Settings(query_timeout=10.0), store, workers=workers)
    with TestClient(app, base_url="http://www.example") as client:
        return [run_test(client, store, test) for test in tests]


def report(outcomes: list[Outcome]) -> str:
    passed = sum(o.passed for o in outcomes)
    by_kind: dict[str, list[int]] = {}
    for outcome in outcomes:
        counts = by_kind.setdefault(outcome.test.kind, [0, 0])
        counts[0] += outcome.passed
        counts[1] += 1
    kinds = ", ".join(f"{kind} {p}/{n}" for kind, (p, n) in sorted(by_kind.items()))
    lines = [f"SPARQL 1.1 Protocol conformance: {passed}/{len(outcomes)} passed ({kinds})"]
    for outcome in outcomes:
        if not outcome.passed:
            lines.append(f"  FAIL {outcome.test.name}: {'; '.join(outcome.details)}")
    return "\n".join(lines)


def main() -> int:
    directory = suite_dir()
    if not (directory / "manifest.ttl").is_file():
        print(f"SPARQL 1.1 Protocol suite not found at {directory} (set AULA_KG_CONFORMANCE)")
        return 2
    outcomes = run_suite(directory)
    print(report(outcomes))
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
