"""What a user's SPARQL query may do, and for how long.

Three guarantees, each enforced here and nowhere else:

* **Read-only.** Only SELECT, ASK, CONSTRUCT and DESCRIBE run. An update (INSERT, DELETE,
  LOAD, CLEAR, DROP, ...) is refused with :class:`UpdateRefused` before anything executes;
  queries are executed with pyoxigraph's *query* entry point, which cannot write anyway, and
  on a copy of the store held by a worker process.
* **No fetching.** pyoxigraph really opens an HTTP connection for ``SERVICE <iri>`` (tested),
  so :func:`check_query` refuses every ``SERVICE`` whose endpoint is not listed in
  ``settings.allowed_service_endpoints`` (a variable endpoint is always refused), and every
  ``FROM`` / ``FROM NAMED`` naming neither a graph of the store nor a listed endpoint. The
  check runs before execution, in the worker that would execute the query.
* **Bounded work.** pyoxigraph has no query timeout, and one ``next()`` on an aggregate over
  a cartesian product can run for minutes, so a thread cannot be stopped. Queries therefore
  run in a small pool of worker processes (:class:`WorkerPool`), each opening the prebuilt
  on-disk store read-only (or, for a graph given as a file, loading the same N-Quads
  snapshot). A query that passes its deadline has its
  worker killed (SIGKILL) and replaced; the client gets :class:`QueryTimeout` and the other
  workers keep serving. Result rows are capped at ``settings.max_rows`` (the answer is
  truncated and flagged).

:func:`check_query` is a small lexer, not a parser: it reads the tokens SPARQL's grammar
makes unambiguous (strings, IRIs, comments, prefixed names, variables, keywords) in linear
time, so hostile text cannot make it slow; pyoxigraph's own parser has the last word on
syntax.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import json
import os
import pickle
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urljoin

from .answers import AnswerCache
from .errors import (
    AulaKgError,
    QueryFailed,
    QueryRejected,
    QueryTimeout,
    ServerBusy,
    UpdateRefused,
)
from .formats import FORMATS_BY_NAME, GRAPH, RESULTS, NotAcceptable, describe_choices
from .store.base import QueryOutput

#: The directory holding the aula_kg package, put on the workers' PYTHONPATH.
_PACKAGE_ROOT = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------------------
# Errors


# --------------------------------------------------------------------------------------
# The lexer

_UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING"}
)
_QUERY_FORMS = {"SELECT": "solutions", "ASK": "boolean", "CONSTRUCT": "graph", "DESCRIBE": "graph"}

# Every alternative either matches in one left-to-right pass or not at all, and unterminated
# strings run to the end of their line (short) or of the text (long), so lexing is linear.
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>
        '''(?:[^'\\]|\\.|'(?!''))*+(?:'''|\Z)
      | \"\"\"(?:[^"\\]|\\.|"(?!""))*+(?:\"\"\"|\Z)
      | '(?:[^'\\\r\n]|\\.)*+'?
      | "(?:[^"\\\r\n]|\\.)*+"?
    )
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*+>)
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]*+)
  | (?P<langtag>@[A-Za-z]++(?:-[A-Za-z0-9]++)*+)
  | (?P<bnode>_:[\w\-.\u00B7]*+)
  | (?P<pname>(?:[^\W\d_][\w\-.\u00B7]*+)?:(?:\\.|%[0-9A-Fa-f]{2}|[\w\-.:\u00B7])*+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*+)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_PN_LOCAL_ESCAPE = re.compile(r"\\(.)")


def _unescape_codepoints(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        try:
            return chr(int(match.group(1) or match.group(2), 16))
        except ValueError:
            return match.group(0)

    return _UNICODE_ESCAPE.sub(replace, text)


def tokens(text: str) -> list[tuple[str, str]]:
    """The significant tokens of a SPARQL text as (kind, text); whitespace and comments go."""
    out: list[tuple[str, str]] = []
    pos, end = 0, len(text)
    match = _TOKEN.match
    while pos < end:
        m = match(text, pos)
        kind = m.lastgroup
        value = m.group()
        if kind == "pname" and value.endswith("."):
            value = value.rstrip(".")  # a local name never ends with '.': it ends the triple
        pos += len(value)
        if kind not in ("ws", "comment"):
            out.append((kind, value))
    return out


@dataclass(frozen=True)
class CheckedQuery:
    """What :func:`check_query` learnt about an accepted query."""

    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    from_graphs: tuple[str, ...] = ()
    from_named_graphs: tuple[str, ...] = ()
    services: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        """``solutions``, ``boolean`` or ``graph``, as in :class:`QueryOutput`."""
        return _QUERY_FORMS[self.form]

    @property
    def result_kind(self) -> str:
        """:data:`formats.RESULTS` or :data:`formats.GRAPH`."""
        return GRAPH if self.kind == "graph" else RESULTS

    @property
    def has_dataset(self) -> bool:
        return bool(self.from_graphs or self.from_named_graphs)


class _Scope:
    """Prefixes and base IRI seen so far, to resolve IRIs the way the query means them."""

    def __init__(self, base: str | None):
        self.base = base
        self.prefixes: dict[str, str] = {}

    def resolve(self, kind: str, value: str) -> str | None:
        if kind == "iri":
            iri = _unescape_codepoints(value[1:-1])
            return urljoin(self.base, iri) if self.base else iri
        if kind == "pname":
            prefix, _, local = value.partition(":")
            if prefix not in self.prefixes:
                return None
            return self.prefixes[prefix] + _PN_LOCAL_ESCAPE.sub(r"\1", local)
        return None


#: Deepest nesting of ``{``, ``(`` and ``[`` accepted: pyoxigraph's recursive parser
#: overflows its stack (and kills its process) on tens of thousands of levels.
MAX_NESTING = 200
_OPENERS = frozenset("{([")
_CLOSERS = frozenset("})]")


def _scan(
    toks: list[tuple[str, str]],
    base_iri: str | None,
    allowed_endpoints: frozenset[str],
    local_graphs: frozenset[str],
) -> CheckedQuery:
    depth = 0
    for kind, value in toks:
        if kind == "word" and value.upper() in _UPDATE_KEYWORDS:
            raise UpdateRefused(
                f"this SPARQL endpoint is read-only: updates ({value.upper()} ...) are refused"
            )
        if kind == "other":
            if value in _OPENERS:
                depth += 1
                if depth > MAX_NESTING:
                    raise QueryRejected(
                        f"the query nests more than {MAX_NESTING} levels of braces, "
                        f"parentheses or brackets; simplify it"
                    )
            elif value in _CLOSERS:
                depth -= 1
    scope = _Scope(base_iri)
    i, n = 0, len(toks)
    # Prologue: BASE <iri> and PREFIX p: <iri>, in any order.
    while i < n and toks[i][0] == "word" and toks[i][1].upper() in ("BASE", "PREFIX"):
        keyword = toks[i][1].upper()
        if keyword == "BASE" and i + 1 < n and toks[i + 1][0] == "iri":
            scope.base = scope.resolve("iri", toks[i + 1][1])
            i += 2
        elif (
            keyword == "PREFIX"
            and i + 2 < n
            and toks[i + 1][0] == "pname"
            and toks[i + 1][1].endswith(":")
            and toks[i + 2][0] == "iri"
        ):
            scope.prefixes[toks[i + 1][1][:-1]] = scope.resolve("iri", toks[i + 2][1]) or ""
            i += 3
        else:
            raise QueryRejected(f"the query does not parse: malformed {keyword} declaration")
    if i >= n:
        raise QueryRejected("the query is empty: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    kind, value = toks[i]
    form = value.upper() if kind == "word" else ""
    if form not in _QUERY_FORMS:
        raise QueryRejected(
            f"the query does not parse: expected SELECT, ASK, CONSTRUCT or DESCRIBE, "
            f"found {value[:40]!r}"
        )
    from_graphs: list[str] = []
    from_named: list[str] = []
    services: list[str] = []
    for j in range(i + 1, n):
        kind, value = toks[j]
        if kind != "word":
            continue
        keyword = value.upper()
        if keyword == "SERVICE":
            k = j + 1
            if k < n and toks[k][0] == "word" and toks[k][1].upper() == "SILENT":
                k += 1
            target = toks[k] if k < n else ("", "")
            if target[0] == "var":
                raise QueryRejected(
                    "SERVICE with a variable endpoint is not allowed: this endpoint only "
                    "queries the services listed in its configuration"
                )
            endpoint = scope.resolve(*target)
            if endpoint is None:
                raise QueryRejected("the query does not parse: SERVICE needs an endpoint IRI")
            if endpoint not in allowed_endpoints:
                raise QueryRejected(
                    f"SERVICE <{endpoint}> is not allowed: this endpoint never fetches from "
                    f"other services unless they are listed in AULA_KG_ALLOWED_SERVICES"
                )
            services.append(endpoint)
        elif keyword == "FROM":
            k = j + 1
            named = k < n and toks[k][0] == "word" and toks[k][1].upper() == "NAMED"
            if named:
                k += 1
            graph = scope.resolve(*toks[k]) if k < n else None
            clause = "FROM NAMED" if named else "FROM"
            if graph is None:
                raise QueryRejected(f"the query does not parse: {clause} needs a graph IRI")
            if graph not in local_graphs and graph not in allowed_endpoints:
                raise QueryRejected(
                    f"{clause} <{graph}> names no graph of this endpoint, and the endpoint "
                    f"never fetches remote data; the service description (GET /sparql) "
                    f"lists its graphs"
                )
            (from_named if named else from_graphs).append(graph)
    return CheckedQuery(form, tuple(from_graphs), tuple(from_named), tuple(services))


def check_query(
    text: str,
    *,
    allowed_endpoints: Iterable[str] = (),
    local_graphs: Iterable[str] = (),
    base_iri: str | None = None,
) -> CheckedQuery:
    """Accept a read-only query that fetches nothing, or raise.

    Raises :class:`UpdateRefused` for an update, :class:`QueryRejected` for a query that
    would reach a service or a remote graph not allowed by the configuration, or that is
    not a query at all. Syntax errors the lexer cannot see are left to pyoxigraph.
    """
    if not text or not text.strip():
        raise QueryRejected("the query is empty: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    allowed = frozenset(allowed_endpoints)
    graphs = frozenset(local_graphs)
    checked = _scan(tokens(text), base_iri, allowed, graphs)
    if "\\u" in text or "\\U" in text:
        # SPARQL allows \u escapes before parsing; pyoxigraph applies them inside IRIs only,
        # but read the unescaped text too so that no escape can hide a keyword.
        try:
            _scan(tokens(_unescape_codepoints(text)), base_iri, allowed, graphs)
        except UpdateRefused:
            raise
        except QueryRejected as exc:
            if "SERVICE" in exc.message or "FROM" in exc.message:
                raise
    return checked


# --------------------------------------------------------------------------------------
# Execution inside a worker (or in-process in tests): check, run, cap, serialise


@dataclass(frozen=True)
class QueryRequest:
    """One query as the web layer hands it over. ``results_format`` / ``graph_format``
    name the negotiated :class:`formats.Format` for each possible kind of answer (``None``
    when the client accepts none); ``default_graphs`` / ``named_graphs`` are the protocol's
    ``default-graph-uri`` / ``named-graph-uri`` (``None`` when not given)."""

    query: str
    results_format: str | None = "json"
    graph_format: str | None = "turtle"
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    base_iri: str | None = None


@dataclass
class CappedOutput(QueryOutput):
    """A serialised answer; ``truncated`` says rows beyond the cap were dropped."""

    truncated: bool = False


@dataclass(frozen=True)
class Policy:
    allowed_endpoints: frozenset[str]
    local_graphs: frozenset[str]
    max_rows: int


class _Full(Exception):
    pass


class _LineCappedWriter:
    """Collects TSV output and stops the serialiser once ``cap`` lines are written."""

    __slots__ = ("chunks", "lines", "cap")

    def __init__(self, cap: int):
        self.chunks: list[bytes] = []
        self.lines = 0
        self.cap = cap

    def write(self, data) -> int:
        data = bytes(data)
        self.chunks.append(data)
        self.lines += data.count(b"\n")
        if self.lines > self.cap:
            raise _Full
        return len(data)

    def flush(self) -> None:
        pass


def _oxigraph():
    import pyoxigraph

    return pyoxigraph


def _results_format(ox, name: str):
    return {
        "json": ox.QueryResultsFormat.JSON,
        "xml": ox.QueryResultsFormat.XML,
        "csv": ox.QueryResultsFormat.CSV,
        "tsv": ox.QueryResultsFormat.TSV,
    }[name]


def _serialize_solutions(ox, result, fmt_name: str, max_rows: int) -> tuple[bytes, bool]:
    """Serialise at most ``max_rows`` solutions. pyoxigraph cannot serialise part of a
    result, so rows go through TSV (one line per row: its terms are escaped) with a writer
    that stops at the cap, and TSV is read back natively when another format is asked."""
    tsv_format = ox.QueryResultsFormat.TSV
    writer = _LineCappedWriter(max_rows + 1)  # the header line, then one line per row
    try:
        result.serialize(writer, format=tsv_format)
    except Exception:
        if writer.lines <= writer.cap:
            raise
    tsv = b"".join(writer.chunks)
    truncated = writer.lines > writer.cap
    if truncated:
        tsv = b"\n".join(tsv.split(b"\n", writer.cap)[: writer.cap]) + b"\n"
    if fmt_name == "tsv":
        return tsv, truncated
    solutions = ox.parse_query_results(tsv, format=tsv_format)
    return solutions.serialize(format=_results_format(ox, fmt_name)), truncated


def _serialize_graph(ox, triples: list, fmt_name: str) -> bytes:
    from .vocab import PREFIXES

    if fmt_name == "jsonld":
        from rdflib import Graph

        from .store.embedded import to_rdflib

        graph = Graph(bind_namespaces="none")
        for triple in triples:
            graph.add(
                (to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object))
            )
        return graph.serialize(format="json-ld").encode()
    fmt = {
        "turtle": ox.RdfFormat.TURTLE,
        "ntriples": ox.RdfFormat.N_TRIPLES,
        "rdfxml": ox.RdfFormat.RDF_XML,
    }[fmt_name]
    if fmt_name == "ntriples":
        return ox.serialize(triples, format=fmt)
    # Declare only the prefixes whose namespace the answer uses.
    namespaces = set()
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.NamedNode):
                iri = term.value
                cut = max(iri.rfind("#"), iri.rfind("/")) + 1
                namespaces.add(iri[:cut])
            elif isinstance(term, ox.Literal):
                namespaces.add(term.datatype.value.rsplit("#", 1)[0] + "#")
    used = {prefix: ns for prefix, ns in PREFIXES.items() if ns in namespaces}
    return ox.serialize(triples, format=fmt, prefixes=used)


def execute(store, request: QueryRequest, policy: Policy, checker=None) -> CappedOutput:
    """Check ``request`` against ``policy``, run it on the pyoxigraph ``store`` and
    serialise the answer in the negotiated format. Raises the errors of this module."""
    ox = _oxigraph()
    checker = checker or _make_checker(policy)
    checked = checker(request.query, request.base_iri)
    fmt_name = request.graph_format if checked.kind == "graph" else request.results_format
    if fmt_name is None:
        raise NotAcceptable(
            f"no format you accept can carry a {checked.form} answer; available: "
            f"{describe_choices(checked.result_kind)}"
        )
    kwargs: dict = {}
    if request.default_graphs is not None or request.named_graphs is not None:
        # The protocol's dataset replaces the query's (SPARQL 1.1 Protocol, 2.1.4).
        kwargs["default_graph"] = [ox.NamedNode(g) for g in request.default_graphs or ()]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in request.named_graphs or ()]
    elif checked.has_dataset:
        # The query's FROM / FROM NAMED, all local graphs (checked above).
        kwargs["default_graph"] = [ox.NamedNode(g) for g in checked.from_graphs]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in checked.from_named_graphs]
    # Otherwise the store's default graph: the union of the named graphs, materialised
    # once (see store.embedded and load_snapshot), so every fact is seen once.
    try:
        result = store.query(request.query, base_iri=request.base_iri, **kwargs)
        fmt = FORMATS_BY_NAME[fmt_name]
        if isinstance(result, ox.QueryBoolean):
            body = result.serialize(format=_results_format(ox, fmt_name))
            return CappedOutput("boolean", fmt.media_type, body)
        if isinstance(result, ox.QuerySolutions):
            body, truncated = _serialize_solutions(ox, result, fmt_name, policy.max_rows)
            return CappedOutput("solutions", fmt.media_type, body, truncated)
        triples = list(itertools.islice(result, policy.max_rows + 1))
        truncated = len(triples) > policy.max_rows
        body = _serialize_graph(ox, triples[: policy.max_rows], fmt_name)
        return CappedOutput("graph", fmt.media_type, body, truncated)
    except SyntaxError as exc:
        raise QueryRejected(f"the query does not parse: {exc}") from None
    except (OSError, ValueError, TypeError) as exc:
        raise QueryFailed(f"the query could not be evaluated: {exc}") from None


def _make_checker(policy: Policy):
    @lru_cache(maxsize=1024)
    def cached(text: str, base_iri: str | None) -> CheckedQuery:
        return check_query(
            text,
            allowed_endpoints=policy.allowed_endpoints,
            local_graphs=policy.local_graphs,
            base_iri=base_iri,
        )

    def checker(text: str, base_iri: str | None) -> CheckedQuery:
        if len(text) > 8192:
            return check_query(
                text,
                allowed_endpoints=policy.allowed_endpoints,
                local_graphs=policy.local_graphs,
                base_iri=base_iri,
            )
        return cached(text, base_iri)

    return checker


def load_snapshot(path: str | os.PathLike):
    """The worker's store: a prebuilt on-disk store (a directory) opened read-only, or an
    N-Quads snapshot loaded in memory, its default graph holding the union of the named
    graphs (as the EmbeddedStore does) when the snapshot has none."""
    ox = _oxigraph()
    if Path(path).is_dir():
        return ox.Store.read_only(str(path))
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.N_QUADS)
    if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is None:
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    return store


def local_graph_names(store) -> frozenset[str]:
    ox = _oxigraph()
    return frozenset(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))


# --------------------------------------------------------------------------------------
# Worker processes

_ERROR_CODES: dict[type[AulaKgError], str] = {
    UpdateRefused: "update",
    NotAcceptable: "not_acceptable",
    QueryRejected: "rejected",
    QueryFailed: "failed",
}
_ERROR_CLASSES = {code: cls for cls, code in _ERROR_CODES.items()}


def _die_with_parent() -> None:
    """Exit when the server process goes away, even in the middle of a long query (an idle
    worker sees EOF on its socket; a busy one is caught by this watchdog)."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


#: Stack of the thread that runs queries in a worker. pyoxigraph's parser and evaluator
#: recurse over the query's tree: a chain of 20,000 UNIONs overflows the usual 8 MiB and
#: kills the process. The memory is virtual: only the pages a query touches are used.
WORKER_STACK_BYTES = 1 << 30


def _worker_entry() -> None:  # pragma: no cover - runs in the worker process
    """The worker's command line: socket fd, snapshot path, max rows, allowed endpoints."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fd, snapshot, max_rows, allowed = sys.argv[1:5]
    args = (Connection(int(fd)), snapshot, tuple(json.loads(allowed)), int(max_rows))
    try:
        threading.stack_size(WORKER_STACK_BYTES)
    except (ValueError, RuntimeError):  # pragma: no cover - platform without the option
        _worker_main(*args)
        return
    thread = threading.Thread(target=_worker_main, args=args, name="query-runner")
    thread.start()
    thread.join()


def _worker_main(conn, snapshot: str, allowed: tuple[str, ...], max_rows: int) -> None:
    """A worker: load the snapshot, say ready, then answer requests until EOF."""
    _die_with_parent()
    try:
        store = load_snapshot(snapshot)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which gives up
        conn.send_bytes(pickle.dumps(("failed", f"cannot load the graph snapshot: {exc}")))
        return
    policy = Policy(frozenset(allowed), local_graph_names(store), max_rows)
    checker = _make_checker(policy)
    conn.send_bytes(b"ready")
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            return
        request = pickle.loads(message)
        try:
            out = execute(store, request, policy, checker)
            reply = ("ok", out.kind, out.media_type, out.body, out.truncated)
        except AulaKgError as exc:
            code = next((c for cls, c in _ERROR_CODES.items() if isinstance(exc, cls)), "failed")
            reply = (code, exc.message)
        except Exception as exc:  # noqa: BLE001 - never let one query end the worker
            reply = ("failed", f"the query could not be evaluated: {type(exc).__name__}")
        try:
            conn.send_bytes(pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))
        except (EOFError, OSError):
            return


class _Worker:
    __slots__ = ("process", "conn")

    def __init__(self, process, conn):
        self.process = process
        self.conn = conn

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.conn.close()

    def reap(self) -> None:
        with contextlib.suppress(Exception):
            self.process.wait(5)


class _Expired(Exception):
    pass


class _Died(Exception):
    pass


def default_workers() -> int:
    """Two workers at least (one query running long never stalls the others), at most four."""
    return max(2, min(4, os.cpu_count() or 2))


class WorkerPool:
    """Worker processes that each hold the graph and run one query at a time.

    ``run()`` is a coroutine usable from any event loop (uvicorn's, or the one each
    TestClient request creates): it waits for an idle worker (at most ``queue_timeout``
    seconds, then :class:`ServerBusy`), sends it the request over a pipe, and waits for the
    answer with the pipe registered on the event loop, so the server keeps serving. At the
    deadline the worker is killed and a fresh one is spawned in the background.
    """

    def __init__(
        self,
        snapshot: Path,
        *,
        size: int | None = None,
        timeout: float = 5.0,
        max_rows: int = 10_000,
        allowed_endpoints: Iterable[str] = (),
        queue_timeout: float | None = None,
        spawn_timeout: float = 120.0,
        owns_snapshot: bool = False,
        cache_bytes: int = 0,
    ):
        self.snapshot = Path(snapshot)
        #: Answers already given (the graph never changes under a pool); None when off.
        self.cache = AnswerCache(cache_bytes) if cache_bytes > 0 else None
        self.size = size or default_workers()
        self.timeout = timeout
        self.max_rows = max_rows
        self.allowed_endpoints = tuple(allowed_endpoints)
        self.queue_timeout = timeout if queue_timeout is None else queue_timeout
        self.spawn_timeout = spawn_timeout
        self._lock = threading.Lock()
        self._idle: collections.deque[_Worker] = collections.deque()
        self._waiters: collections.deque[asyncio.Future] = collections.deque()
        self._workers: set[_Worker] = set()  # every live process, idle, busy or starting
        self._alive = 0  # ready workers, idle or busy
        self._started = False
        self._closed = False
        self._failure: str | None = None
        self.respawns = 0
        cleanup_dir = self.snapshot.parent if owns_snapshot else None
        self._finalizer = weakref.finalize(self, _cleanup, self._workers, cleanup_dir)

    @classmethod
    def for_store(cls, store, **kwargs) -> WorkerPool:
        """A pool over ``store`` (an EmbeddedStore or a pyoxigraph Store): its prebuilt
        on-disk store when it was opened from one, else a snapshot written to a private
        temporary directory removed on :meth:`close`."""
        ox = _oxigraph()
        oxstore = getattr(store, "oxigraph", store)
        if not isinstance(oxstore, ox.Store):
            raise TypeError("a WorkerPool needs the embedded pyoxigraph store")
        on_disk = getattr(store, "path", None)
        if on_disk is not None:
            # A prebuilt store: each worker opens it read-only, nothing is copied.
            return cls(on_disk, **kwargs)
        directory = Path(tempfile.mkdtemp(prefix="aula-kg-snapshot-"))
        path = directory / "graph.nq"
        oxstore.dump(output=str(path), format=ox.RdfFormat.N_QUADS)
        return cls(path, owns_snapshot=True, **kwargs)

    # -- lifecycle ------------------------------------------------------------------

    def _spawn(self) -> _Worker | None:
        """Start one worker and wait for it to load the snapshot. Workers are plain
        interpreters started with ``subprocess`` (not multiprocessing's spawn, which would
        re-import the caller's ``__main__``), talking over a socket pair."""
        parent_sock, child_sock = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(_PACKAGE_ROOT), env.get("PYTHONPATH", "")) if p
        )
        args = [
            sys.executable,
            "-c",
            "from aula_kg.guard import _worker_entry; _worker_entry()",
            str(child_sock.fileno()),
            str(self.snapshot),
            str(self.max_rows),
            json.dumps(list(self.allowed_endpoints)),
        ]
        with self._lock:
            if self._closed:
                parent_sock.close()
                child_sock.close()
                return None
            process = subprocess.Popen(
                args,
                pass_fds=(child_sock.fileno(),),
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,  # a Ctrl-C on the server's terminal is the server's
            )
            conn = Connection(parent_sock.detach())
            worker = _Worker(process, conn)
            self._workers.add(worker)
        child_sock.close()
        try:
            if not conn.poll(self.spawn_timeout):
                raise EOFError("the worker did not start in time")
            hello = conn.recv_bytes()
        except (EOFError, OSError) as exc:
            self._failure = f"a query worker could not start: {exc or 'it exited'}"
            self._forget(worker)
            return None
        if hello != b"ready":
            self._failure = pickle.loads(hello)[1]
            self._forget(worker)
            return None
        return worker

    def _forget(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._workers.discard(worker)
        worker.reap()

    def _add(self, worker: _Worker | None) -> None:
        if worker is None:
            return
        with self._lock:
            if self._closed:
                worker.kill()
                return
            self._alive += 1
        self._release(worker)
        if self._alive == self.size:
            self._failure = None

    def start(self) -> None:
        """Start the workers and wait until they are ready (blocking: call it in a thread
        from async code). Raises ServerBusy if none could start."""
        with self._lock:
            if self._started:
                return
            self._started = True
        threads = [
            threading.Thread(target=lambda: self._add(self._spawn())) for _ in range(self.size)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if self._alive == 0:
            raise ServerBusy(self._failure or "no query worker could start")

    def _start_in_background(self) -> None:
        threading.Thread(target=self._start_quietly, daemon=True).start()

    def _start_quietly(self) -> None:
        with contextlib.suppress(ServerBusy):
            self.start()

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and spawn its replacement in the background."""
        worker.kill()
        with self._lock:
            self._alive -= 1
            self._workers.discard(worker)
            closed = self._closed
        self.respawns += 1

        def respawn() -> None:
            worker.reap()
            if not closed:
                self._add(self._spawn())

        threading.Thread(target=respawn, daemon=True).start()

    def close(self) -> None:
        """Kill every worker and remove the snapshot this pool wrote."""
        with self._lock:
            self._closed = True
            waiters = list(self._waiters)
            self._waiters.clear()
        for fut in waiters:
            with contextlib.suppress(RuntimeError):
                fut.get_loop().call_soon_threadsafe(
                    _fail, fut, ServerBusy("the server is stopping")
                )
        self._finalizer()

    @property
    def ready_workers(self) -> int:
        return self._alive

    def pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._idle]

    # -- idle workers ---------------------------------------------------------------

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            if self._closed:
                worker.kill()
                return
            while self._waiters:
                fut = self._waiters.popleft()
                if fut.done():
                    continue
                loop = fut.get_loop()
                try:
                    running = asyncio.get_running_loop()
                except RuntimeError:
                    running = None
                if loop is running:
                    fut.set_result(worker)
                    return
                try:
                    loop.call_soon_threadsafe(self._hand, fut, worker)
                    return
                except RuntimeError:  # that loop is closed
                    continue
            self._idle.append(worker)

    def _hand(self, fut: asyncio.Future, worker: _Worker) -> None:
        if fut.done():
            self._release(worker)
        else:
            fut.set_result(worker)

    async def _acquire(self) -> _Worker:
        with self._lock:
            if self._idle:
                return self._idle.pop()
            if self._closed:
                raise ServerBusy("the server is stopping")
            fut = asyncio.get_running_loop().create_future()
            self._waiters.append(fut)
            wait = self.queue_timeout if self._alive else self.spawn_timeout
        try:
            return await asyncio.wait_for(fut, wait)
        except TimeoutError:
            with self._lock, contextlib.suppress(ValueError):
                self._waiters.remove(fut)
            raise ServerBusy(
                f"every query worker is busy; no worker became free in {wait:g} s, try again later"
            ) from None

    # -- running a query ------------------------------------------------------------

    async def run(self, request: QueryRequest, timeout: float | None = None) -> CappedOutput:
        """Run ``request`` on a worker within ``timeout`` seconds (default: the pool's)."""
        if self.cache is not None:
            cached = self.cache.get(request)
            if cached is not None:
                return cached
        if not self._started:
            self._start_in_background()
        limit = self.timeout if timeout is None else timeout
        worker = await self._acquire()
        loop = asyncio.get_running_loop()
        fut: asyncio.Future = loop.create_future()
        conn = worker.conn
        try:
            conn.send_bytes(pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL))
            fd = conn.fileno()
        except (OSError, ValueError):
            self._replace(worker)
            raise ServerBusy("a query worker stopped; try again") from None

        def readable() -> None:
            if fut.done():
                return
            try:
                fut.set_result(conn.recv_bytes())
            except (EOFError, OSError):
                fut.set_exception(_Died())

        loop.add_reader(fd, readable)
        timer = loop.call_later(limit, _fail, fut, _Expired())
        try:
            reply = await fut
        except BaseException as exc:
            # Unregister the pipe before the worker (and its file descriptor) goes away.
            timer.cancel()
            loop.remove_reader(fd)
            self._replace(worker)  # timed out, died, or cancelled mid-query: start afresh
            if isinstance(exc, _Expired):
                raise QueryTimeout(
                    f"the query ran past its time limit of {limit:g} s and was stopped"
                ) from None
            if isinstance(exc, _Died):
                raise QueryFailed(
                    "the query stopped its worker process (too deep or too large?); "
                    "simplify the query"
                ) from None
            raise
        timer.cancel()
        loop.remove_reader(fd)
        self._release(worker)
        status, *rest = pickle.loads(reply)
        if status == "ok":
            kind, media_type, body, truncated = rest
            answer = CappedOutput(kind, media_type, body, truncated)
            if self.cache is not None:
                self.cache.put(request, answer, len(body))
            return answer
        raise _ERROR_CLASSES.get(status, QueryFailed)(rest[0])


def _fail(fut: asyncio.Future, exc: BaseException) -> None:
    if not fut.done():
        fut.set_exception(exc)


def _cleanup(workers: set, directory: Path | None) -> None:
    for worker in list(workers):
        worker.kill()
    for worker in list(workers):
        worker.reap()
    workers.clear()
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)


def wait_until_ready(pool: WorkerPool, workers: int | None = None, timeout: float = 60) -> bool:
    """Block until ``workers`` (default: all) workers are ready; for tests and benchmarks."""
    wanted = pool.size if workers is None else workers
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pool.ready_workers >= wanted:
            return True
        time.sleep(0.02)
    return False


# --------------------------------------------------------------------------------------
# Remote stores: checked queries forwarded to a SPARQL server


class _BoundedRemote:
    """A RemoteStore whose every request carries the query's time limit."""

    def __init__(self, store, limit: float):
        self._store = store
        self._limit = limit

    def query(self, text: str, **kwargs):
        return self._store.query(text, timeout=self._limit, **kwargs)


class RemotePool:
    """The :class:`WorkerPool` interface over a remote SPARQL server (store.remote): each
    query is checked here as for the embedded store (read-only, no fetching), then sent to
    the server with the time limit as its HTTP timeout, and the answer is capped and
    serialised as usual. At most ``size`` queries are in flight; a hanging server gives
    :class:`QueryTimeout` (504) after the limit, a failing one ``BackendFailed`` (502)."""

    def __init__(self, store, *, size: int | None = None, timeout: float = 5.0,
                 max_rows: int = 10_000, allowed_endpoints: Iterable[str] = (),
                 queue_timeout: float | None = None):
        self.store = store
        self.size = size or 8
        self.timeout = timeout
        self.max_rows = max_rows
        self.allowed_endpoints = tuple(allowed_endpoints)
        self.queue_timeout = timeout if queue_timeout is None else queue_timeout
        self._policy: Policy | None = None
        self._checker = None
        self._slots = threading.BoundedSemaphore(self.size)
        self.respawns = 0

    def _ensure_policy(self) -> None:
        if self._policy is None:
            graphs = frozenset(self.store.graph_names())
            self._policy = Policy(frozenset(self.allowed_endpoints), graphs, self.max_rows)
            self._checker = _make_checker(self._policy)

    def start(self) -> None:
        with contextlib.suppress(AulaKgError):
            self._ensure_policy()

    def close(self) -> None:
        pass

    @property
    def ready_workers(self) -> int:
        return self.size

    def pids(self) -> list[int]:
        return []

    async def run(self, request: QueryRequest, timeout: float | None = None) -> CappedOutput:
        limit = self.timeout if timeout is None else timeout
        loop = asyncio.get_running_loop()
        acquired = await loop.run_in_executor(None, self._slots.acquire, True,
                                              self.queue_timeout)
        if not acquired:
            raise ServerBusy("every query slot is busy; try again later")
        try:
            await loop.run_in_executor(None, self._ensure_policy)
            store = _BoundedRemote(self.store, limit)
            job = loop.run_in_executor(None, execute, store, request, self._policy,
                                       self._checker)
            try:
                return await asyncio.wait_for(job, limit + 1.0)
            except TimeoutError:
                raise QueryTimeout(
                    f"the query ran past its time limit of {limit:g} s and was abandoned"
                ) from None
        finally:
            self._slots.release()


def pool_for_store(store, **kwargs):
    """A :class:`WorkerPool` over the embedded store, a :class:`RemotePool` over a remote
    one; TypeError for anything else."""
    from .store.remote import RemoteStore

    if isinstance(store, RemoteStore):
        kwargs.pop("spawn_timeout", None)
        kwargs.pop("cache_bytes", None)  # a remote server's data may change: never cached
        return RemotePool(store, **kwargs)
    return WorkerPool.for_store(store, **kwargs)
