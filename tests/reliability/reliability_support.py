"""What the reliability suite shares: a private copy of the project built once, the app
served by uvicorn on 127.0.0.1, a listener that catches any outbound connection, the
bad-input catalogue (cases.toml) turned into requests and command lines, and the checks
run after every case (the server answers, the graph and the artefact are unchanged).

Import as ``from reliability_support import ...`` (pytest puts this directory on sys.path).
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fixtures.sparql.helpers import serve_app as shared_serve_app

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FIXTURES = REPO / "tests" / "fixtures"
CASES_FILE = HERE / "cases.toml"
#: The project's own files copied for a private build (never the repository's build/).
PROJECT_DIRS = ("ontology", "shapes", "data", "queries")
#: Time limit of a query on the test server: long enough for every normal query.
QUERY_TIMEOUT = 2.0
COUNT_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def aula_kg_command() -> list[str]:
    """The command line as installed in the venv (``aula-kg``), else ``python -m``."""
    script = Path(sys.executable).with_name("aula-kg")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "aula_kg.cli"]


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ----------------------------------------------------------------------------- project


@dataclasses.dataclass
class Project:
    """A copy of the project's sources in ``home`` with its own built graph."""

    home: Path

    @property
    def build_dir(self) -> Path:
        return self.home / "build"

    # Where the built files are is Settings' knowledge, not this copy's.
    @property
    def graph_file(self) -> Path:
        return self.settings().graph_file

    @property
    def manifest_file(self) -> Path:
        return self.settings().manifest_file

    def settings(self, **changes):
        from aula_kg.config import Settings

        base = Settings(home=self.home, build_dir=self.build_dir, shared_dir=REPO.parent / "shared")
        return dataclasses.replace(base, **changes)

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        for key in [k for k in env if k.startswith("AULA_KG_")]:
            del env[key]
        env.update(
            AULA_KG_HOME=str(self.home),
            AULA_KG_BUILD_DIR=str(self.build_dir),
            AULA_KG_SHARED=str(REPO.parent / "shared"),
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env

    def files_digest(self, *relative: str) -> dict[str, str]:
        """SHA-256 of every file under the given directories (relative to ``home``)."""
        out = {}
        for rel in relative:
            root = self.home / rel
            for path in sorted(root.rglob("*")) if root.is_dir() else []:
                if path.is_file():
                    out[str(path.relative_to(self.home))] = sha256_file(path)
        return out


def copy_project(target: Path) -> Project:
    target.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_DIRS:
        shutil.copytree(REPO / name, target / name, dirs_exist_ok=True)
    return Project(target)


def build_project(project: Project) -> None:
    from aula_kg.build import build

    build(project.settings())


# ----------------------------------------------------------------------------- listener


class Listener:
    """A socket listening on 127.0.0.1 that records every connection made to it: proof
    that SERVICE, FROM, LOAD, owl:imports or a remote context never went out."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connections: list[bytes] = []
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop:
            readable, _, _ = select.select([self.sock], [], [], 0.1)
            if not readable:
                continue
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.settimeout(0.5)
            try:
                first = conn.recv(200)
            except OSError:
                first = b""
            self.connections.append(first or b"(connected)")
            conn.close()

    def count(self, settle: float = 0.0) -> int:
        if settle:
            time.sleep(settle)
        return len(self.connections)

    def close(self) -> None:
        self._stop = True
        self._thread.join(2)
        self.sock.close()


# ----------------------------------------------------------------------------- server


@dataclasses.dataclass
class Served:
    base: str  # http://127.0.0.1:PORT
    app: Any
    store: Any
    project: Project
    triples: int = 0
    content_hash: str = ""
    artefact_sha: str = ""
    manifest_sha: str = ""
    api_present: bool = True
    thread: threading.Thread | None = None

    def baseline(self) -> None:
        self.triples = self.store.triple_count()
        self.content_hash = self.store.content_hash()
        self.artefact_sha = sha256_file(self.project.graph_file)
        self.manifest_sha = sha256_file(self.project.manifest_file)


@contextlib.contextmanager
def serve_app(app, startup_timeout: float = 90.0) -> Iterator[tuple[str, threading.Thread]]:
    """uvicorn on 127.0.0.1 (a free port) in a thread; yields (base URL, thread)."""
    with shared_serve_app(app, startup_timeout, log_level="critical") as served:
        yield served


def count_through(base: str, client=None, wait: float = 15.0) -> int:
    """The triple count as the server answers it (retrying a 503 while workers respawn)."""
    import httpx

    deadline = time.monotonic() + wait
    own = client is None
    client = client or httpx.Client(timeout=30)
    try:
        while True:
            response = client.get(
                f"{base}/sparql",
                params={"query": COUNT_QUERY},
                headers={"Accept": "application/sparql-results+json"},
            )
            if response.status_code == 503 and time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            assert response.status_code == 200, (response.status_code, response.text[:300])
            return int(response.json()["results"]["bindings"][0]["n"]["value"])
    finally:
        if own:
            client.close()


def assert_intact(served: Served, listener: Listener | None, client=None) -> None:
    """After a case: the server answers a normal query with the same triple count, the
    served store and the artefact on disk are byte-for-byte the same, nothing went out."""
    assert served.thread is None or served.thread.is_alive(), "the server thread died"
    assert count_through(served.base, client) == served.triples, "served triple count changed"
    assert served.store.triple_count() == served.triples
    assert served.store.content_hash() == served.content_hash, "served graph content changed"
    assert sha256_file(served.project.graph_file) == served.artefact_sha, "artefact changed"
    assert sha256_file(served.project.manifest_file) == served.manifest_sha, "manifest changed"
    if listener is not None:
        assert listener.count() == 0, f"outbound connection(s): {listener.connections[:3]}"


# ----------------------------------------------------------------------------- cases


@dataclasses.dataclass
class Case:
    id: str
    family: str
    kind: str  # http | raw | cli
    spec: dict

    def __str__(self) -> str:
        return self.id


FAMILIES = {
    "reach-out": "queries and files that would reach out (SERVICE, FROM, LOAD, remote contexts)",
    "update": "updates through every door",
    "expensive": "expensive queries (cartesian products, paths, regexes, nesting)",
    "malformed": "malformed requests",
    "stored-query": "stored-query names and parameters (API and command line)",
    "data-file": "data files given to validate, build or an importer",
}


def load_cases(path: Path = CASES_FILE) -> list[Case]:
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    cases = []
    seen = set()
    for spec in document["case"]:
        case_id = spec["id"]
        assert case_id not in seen, f"duplicate case id {case_id}"
        seen.add(case_id)
        assert spec["family"] in FAMILIES, f"{case_id}: unknown family {spec['family']}"
        kind = "cli" if "argv" in spec else "raw" if "raw" in spec else "http"
        cases.append(Case(case_id, spec["family"], kind, spec))
    return cases


class Placeholders:
    def __init__(self, **values: str):
        self.values = {f"@{k.upper()}@": str(v) for k, v in values.items()}

    def text(self, value: str) -> str:
        for key, replacement in self.values.items():
            value = value.replace(key, replacement)
        return value


def expand(value: Any, ph: Placeholders) -> str | bytes:
    """A case value: a string, or a table ``{parts = [[text, times], ...]}`` (long or deep
    inputs), ``{hex = "..."}`` (bytes that are not UTF-8), ``{text = ..., encoding = ...}``."""
    if isinstance(value, str):
        return ph.text(value)
    if isinstance(value, dict):
        if "parts" in value:
            return "".join(ph.text(text) * int(times) for text, times in value["parts"])
        if "hex" in value:
            return bytes.fromhex(value["hex"])
        if "base64" in value:
            return base64.b64decode(value["base64"])
        if "text" in value:
            return ph.text(value["text"]).encode(value.get("encoding", "utf-8"))
    raise ValueError(f"cannot read case value {value!r}")


def as_bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def encode_pairs(pairs: Any, ph: Placeholders) -> bytes:
    """Form / query-string pairs (a table or a list of [key, value]) percent-encoded; a
    value given as ``{hex = ...}`` is percent-encoded byte by byte as is."""
    from urllib.parse import quote_from_bytes

    items = pairs.items() if isinstance(pairs, dict) else pairs
    out = []
    for key, value in items:
        raw = as_bytes(expand(value, ph))
        out.append(f"{quote_from_bytes(as_bytes(key), safe='')}={quote_from_bytes(raw, safe='')}")
    return "&".join(out).encode("ascii")


@dataclasses.dataclass
class Outcome:
    status: int | None = None  # HTTP status or exit code
    text: str = ""  # body, or stderr + stdout
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    seconds: float = 0.0

    def json(self) -> dict:
        try:
            return json.loads(self.text)
        except ValueError:
            return {}


def run_http(case: Case, base: str, ph: Placeholders, client) -> Outcome:
    spec = case.spec
    method = spec.get("method", "GET")
    path = ph.text(spec.get("path", "/sparql"))
    query_string = encode_pairs(spec["params"], ph).decode() if "params" in spec else ""
    if "query_string" in spec:
        query_string = as_bytes(expand(spec["query_string"], ph)).decode("latin-1")
    url = base + path + (f"?{query_string}" if query_string else "")
    headers = {k: expand(v, ph) for k, v in spec.get("headers", {}).items()}
    content = None
    if "form" in spec:
        content = encode_pairs(spec["form"], ph)
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    elif "body" in spec:
        content = as_bytes(expand(spec["body"], ph))
    start = time.perf_counter()
    response = client.request(method, url, content=content, headers=headers)
    return Outcome(
        response.status_code,
        response.text,
        {k.lower(): v for k, v in response.headers.items()},
        time.perf_counter() - start,
    )


def run_raw(case: Case, base: str, ph: Placeholders) -> Outcome:
    """Send the bytes of ``raw`` as they are (no client normalises them) and read the
    status line and the body of the answer."""
    host, port = base.removeprefix("http://").split(":")
    hostport = f"{host}:{port}".encode()
    request = as_bytes(expand(case.spec["raw"], ph)).replace(b"@HOSTPORT@", hostport)
    start = time.perf_counter()
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(request)
        if case.spec.get("half_close", False):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
    data = b"".join(chunks)
    seconds = time.perf_counter() - start
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/") else None
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Outcome(status, body.decode("utf-8", "replace"), headers, seconds)


def run_cli(case: Case, project: Project, ph: Placeholders, workdir: Path) -> Outcome:
    spec = case.spec
    for name, content in spec.get("files", {}).items():
        path = workdir / ph.text(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(as_bytes(expand(content, ph)))
    argv = [expand(a, ph) for a in spec["argv"]]
    env = project.env(**{k: ph.text(v) for k, v in spec.get("env", {}).items()})
    start = time.perf_counter()
    result = subprocess.run(
        aula_kg_command() + argv,
        cwd=workdir,
        env=env,
        capture_output=True,
        timeout=spec.get("timeout", 120),
    )
    text = "\n".join(part.decode("utf-8", "replace") for part in (result.stderr, result.stdout))
    return Outcome(result.returncode, text, {}, time.perf_counter() - start)


def check_outcome(case: Case, out: Outcome, ph: Placeholders) -> None:
    """The expectations of a case: status or exit code, error code, message fragment(s),
    time bound, no traceback, files that must not exist."""
    spec = case.spec
    expected = spec.get("status", spec.get("exit"))
    allowed = expected if isinstance(expected, list) else [expected]
    assert out.status in allowed, (
        f"{case.id}: got {out.status}, expected {allowed}: {out.text[:500]}"
    )
    if "error" in spec:
        assert out.json().get("error") == spec["error"], f"{case.id}: {out.text[:500]}"
    fragments = spec.get("message", [])
    for fragment in [fragments] if isinstance(fragments, str) else fragments:
        fragment = ph.text(fragment)
        assert fragment.lower() in out.text.lower(), (
            f"{case.id}: {fragment!r} not in {out.text[:800]!r}"
        )
    for fragment in spec.get("absent_text", []):
        found = ph.text(fragment).lower() in out.text.lower()
        assert not found, f"{case.id}: {fragment!r} in the answer"
    if case.kind != "cli" and out.status and out.status >= 400 and out.status != 405:
        # every error of the app is JSON {"error", "message"}; only the HTTP server itself
        # (malformed HTTP) answers otherwise
        if not spec.get("plain_error"):
            body = out.json()
            assert {"error", "message"} <= set(body), (
                f"{case.id}: not a JSON error: {out.text[:300]}"
            )
    for name in spec.get("header", []):
        assert name.lower() in out.headers, f"{case.id}: header {name} missing"
    if "max_seconds" in spec:
        assert out.seconds <= spec["max_seconds"], f"{case.id}: took {out.seconds:.1f} s"
    assert "Traceback" not in out.text, f"{case.id}: a traceback was shown: {out.text[-800:]}"
    for path in spec.get("must_not_exist", []):
        assert not Path(ph.text(path)).exists(), f"{case.id}: {ph.text(path)} was written"
