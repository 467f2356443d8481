"""Running one user query: check it, run it, cap it, serialise it.

The contract every executor keeps (worker pool, remote pool, in-process, answer cache):
``async run(QueryRequest, timeout) -> CappedOutput``, plus ``size``, ``ready_workers``,
``cache``, ``start()``, ``close()``, ``pids()`` and ``respawns`` (:class:`Executor`). A store
gives its executor (``Store.executor``); nothing above ``store/`` knows which one it has.

This module holds what runs *inside* an executor on a pyoxigraph store: :func:`execute`
(used by the worker processes of store.workers and by :class:`InProcessExecutor`) and the
capped serialisers (also used by store.remote_pool on the server's parsed answers). Formats
come from the one media-type table in :mod:`aula_kg.formats`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import IO, cast

import pyoxigraph as ox

from ..errors import NotAcceptable, QueryFailed, QueryRejected
from ..formats import (
    FORMATS_BY_NAME,
    OXIGRAPH_FORMATS,
    describe_choices,
    rdf_format,
    results_format,
)
from ..sparql_policy import CheckedQuery, Policy, make_checker
from .base import (
    CacheStats,
    CappedOutput,
    Limits,
    QueryOutput,
    QueryRequest,
    SelectResult,
    parse_json_results,
)
from .terms import serialized, to_rdflib

# -- capped serialisation ---------------------------------------------------------------


class _Full(Exception):
    pass


class _LineCappedWriter:
    """Collects TSV output and stops the serialiser once ``cap`` lines are written."""

    __slots__ = ("chunks", "lines", "cap")

    def __init__(self, cap: int):
        self.chunks: list[bytes] = []
        self.lines = 0
        self.cap = cap

    def write(self, data: bytes) -> int:
        data = bytes(data)
        self.chunks.append(data)
        self.lines += data.count(b"\n")
        if self.lines > self.cap:
            raise _Full
        return len(data)

    def flush(self) -> None:
        pass


def serialize_solutions(result: ox.QuerySolutions, fmt_name: str, max_rows: int
                        ) -> tuple[bytes, bool]:
    """Serialise at most ``max_rows`` solutions. pyoxigraph cannot serialise part of a
    result, so rows go through TSV (one line per row: its terms are escaped) with a writer
    that stops at the cap, and TSV is read back natively when another format is asked."""
    tsv_format = ox.QueryResultsFormat.TSV
    writer = _LineCappedWriter(max_rows + 1)  # the header line, then one line per row
    try:
        # The serialiser only calls write() (and flush()): all an IO[bytes] it needs.
        result.serialize(cast("IO[bytes]", writer), format=tsv_format)
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
    return serialized(solutions.serialize(format=results_format(fmt_name))), truncated


def serialize_graph(triples: list[ox.Triple], fmt_name: str) -> bytes:
    """The triples in ``fmt_name``; Turtle and RDF/XML declare only the project prefixes
    whose namespace the answer uses."""
    from ..vocab import PREFIXES

    if fmt_name == "jsonld":
        from rdflib import Graph

        graph = Graph(bind_namespaces="none")
        for triple in triples:
            graph.add(
                (to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object))
            )
        return graph.serialize(format="json-ld").encode()
    fmt = rdf_format(fmt_name)
    if fmt_name == "ntriples":
        return serialized(ox.serialize(triples, format=fmt))
    namespaces: set[str] = set()
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.NamedNode):
                iri = term.value
                cut = max(iri.rfind("#"), iri.rfind("/")) + 1
                namespaces.add(iri[:cut])
            elif isinstance(term, ox.Literal):
                namespaces.add(term.datatype.value.rsplit("#", 1)[0] + "#")
    used = {prefix: ns for prefix, ns in PREFIXES.items() if ns in namespaces}
    return serialized(ox.serialize(triples, format=fmt, prefixes=used))


def answer_format(checked: CheckedQuery, request: QueryRequest) -> str:
    """The negotiated format name for the query's kind of answer; NotAcceptable if none."""
    fmt_name = request.graph_format if checked.kind == "graph" else request.results_format
    if fmt_name is None:
        raise NotAcceptable(
            f"no format you accept can carry a {checked.form} answer; available: "
            f"{describe_choices(checked.result_kind)}"
        )
    return fmt_name


def capped_output(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
                  | list[ox.Triple], fmt_name: str, max_rows: int) -> CappedOutput:
    """A pyoxigraph answer (QueryBoolean, QuerySolutions, or triples) capped and serialised."""
    media_type = FORMATS_BY_NAME[fmt_name].media_type
    if isinstance(result, ox.QueryBoolean):
        return CappedOutput("boolean", media_type,
                            serialized(result.serialize(format=results_format(fmt_name))))
    if isinstance(result, ox.QuerySolutions):
        body, truncated = serialize_solutions(result, fmt_name, max_rows)
        return CappedOutput("solutions", media_type, body, truncated)
    triples = list(itertools.islice(result, max_rows + 1))
    body = serialize_graph(triples[:max_rows], fmt_name)
    return CappedOutput("graph", media_type, body, len(triples) > max_rows)


Checker = Callable[[str, str | None], CheckedQuery]


def execute(store: ox.Store, request: QueryRequest, policy: Policy,
            checker: Checker | None = None) -> CappedOutput:
    """Check ``request`` against ``policy``, run it on the pyoxigraph ``store`` and
    serialise the answer in the negotiated format. Raises aula_kg.errors' query errors."""
    checked = (checker or make_checker(policy))(request.query, request.base_iri)
    fmt_name = answer_format(checked, request)
    default_graph: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] | None = None
    named_graphs: list[ox.NamedNode | ox.BlankNode] | None = None
    if request.default_graphs is not None or request.named_graphs is not None:
        # The protocol's dataset replaces the query's (SPARQL 1.1 Protocol, 2.1.4).
        default_graph = [ox.NamedNode(g) for g in request.default_graphs or ()]
        named_graphs = [ox.NamedNode(g) for g in request.named_graphs or ()]
    elif checked.has_dataset:
        # The query's FROM / FROM NAMED, all local graphs (checked above).
        default_graph = [ox.NamedNode(g) for g in checked.from_graphs]
        named_graphs = [ox.NamedNode(g) for g in checked.from_named_graphs]
    # Otherwise the store's default graph: the union of the named graphs, materialised
    # once (see store.embedded), so every fact is seen once.
    try:
        result = store.query(request.query, base_iri=request.base_iri,
                             default_graph=default_graph, named_graphs=named_graphs)
        return capped_output(result, fmt_name, policy.max_rows)
    except SyntaxError as exc:
        raise QueryRejected(f"the query does not parse: {exc}") from None
    except (OSError, ValueError, TypeError) as exc:
        raise QueryFailed(f"the query could not be evaluated: {exc}") from None


def read_table(output: QueryOutput) -> SelectResult | bool:
    """A serialised SELECT or ASK answer (SPARQL JSON, XML or TSV, as an executor gives
    it) as a SelectResult of rdflib terms, or the boolean; the one reader of results."""
    media_type = output.media_type.split(";")[0].strip()
    if output.kind == "graph":
        raise TypeError("a graph answer has no table")
    if media_type == "application/sparql-results+json":
        return parse_json_results(output.body)
    fmt = OXIGRAPH_FORMATS.get(media_type)
    if not isinstance(fmt, ox.QueryResultsFormat) or media_type == "text/csv":
        raise TypeError(f"cannot read a table from {media_type}")
    parsed = ox.parse_query_results(output.body, format=fmt)
    if isinstance(parsed, ox.QueryBoolean):
        return bool(parsed)
    variables = [v.value for v in parsed.variables]
    return SelectResult(variables, [tuple(to_rdflib(s[v]) for v in variables) for s in parsed])


def local_graph_names(store: ox.Store) -> frozenset[str]:
    return frozenset(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))


class InProcessExecutor:
    """The command line's executor: the same checks and row cap as the server's, run in
    this process on the embedded store (no worker processes, so the command starts fast;
    and no time limit, as a command can be interrupted)."""

    size = 1
    respawns = 0
    cache: CacheStats | None = None
    ready_workers = 1

    def __init__(self, store: ox.Store, limits: Limits):
        self._store = store
        self._limits = limits
        #: Queries run so far (tests count them to see which path a face took).
        self.requests = 0
        self._checked: tuple[Policy, Checker] | None = None

    def start(self) -> None:
        self._ready()

    def _ready(self) -> tuple[Policy, Checker]:
        if self._checked is None:
            policy = Policy(frozenset(self._limits.allowed_endpoints),
                            local_graph_names(self._store), self._limits.max_rows)
            self._checked = (policy, make_checker(policy))
        return self._checked

    def close(self) -> None:
        pass

    def pids(self) -> list[int]:
        return []

    async def run(self, request: QueryRequest, timeout: float | None = None) -> CappedOutput:
        policy, checker = self._ready()
        self.requests += 1
        return execute(self._store, request, policy, checker)
