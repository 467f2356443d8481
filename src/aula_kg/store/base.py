"""The store interface and the neutral result types every store returns."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Protocol

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Identifier

if TYPE_CHECKING:
    from ..config import Settings


@dataclass
class SelectResult:
    """A SELECT answer as rdflib terms (``None`` for an unbound variable)."""

    variables: list[str]
    rows: list[tuple[Identifier | None, ...]]

    def column(self, name: str) -> list[Identifier | None]:
        index = self.variables.index(name)
        return [row[index] for row in self.rows]

    def as_dicts(self) -> list[dict[str, Identifier | None]]:
        return [dict(zip(self.variables, row, strict=True)) for row in self.rows]


@dataclass
class QueryOutput:
    """A query answer already serialised for the wire.

    ``kind`` is ``"solutions"``, ``"boolean"`` or ``"graph"``; ``media_type`` names the
    serialisation of ``body``.
    """

    kind: str
    media_type: str
    body: bytes


# -- running user queries (store.execution implements; every executor keeps this) ----------


class CacheStats(Protocol):
    """What the status report reads of an answer cache (answers.AnswerCache)."""

    capacity: int
    hits: int
    misses: int

    @property
    def size(self) -> int: ...

    def __len__(self) -> int: ...


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
class Limits:
    """How an executor runs queries: time limit, row cap, allowed SERVICE endpoints,
    how long a query may wait for a free worker, and how many workers (None: default)."""

    timeout: float = 5.0
    max_rows: int = 10_000
    allowed_endpoints: tuple[str, ...] = ()
    queue_timeout: float | None = None
    workers: int | None = None

    @classmethod
    def from_settings(cls, settings: Settings, workers: int | None = None) -> Limits:
        return cls(settings.query_timeout, settings.max_rows,
                   tuple(settings.allowed_service_endpoints),
                   workers=workers or getattr(settings, "query_workers", None))


class Executor(Protocol):
    """What the web layer and the command line run user queries on."""

    @property
    def size(self) -> int: ...

    @property
    def respawns(self) -> int: ...

    @property
    def cache(self) -> CacheStats | None:
        """The answer cache in front of it (answers.CachedPool), None when none is kept."""
        ...

    async def run(self, request: QueryRequest, timeout: float | None = None
                  ) -> CappedOutput: ...

    @property
    def ready_workers(self) -> int: ...

    def start(self) -> None: ...

    def close(self) -> None: ...

    def pids(self) -> list[int]: ...



# -- read-only lookups (the pages') ----------------------------------------------------


class Graphs(Enum):
    """Which graphs a quad pattern reads: the union default graph (each triple once, quads
    come back with graph ``None``) or every named graph (quads come back with theirs)."""

    UNION = "union"
    ANY_NAMED = "any named graph"


UNION = Graphs.UNION
ANY_NAMED = Graphs.ANY_NAMED

#: A pattern position: any term (None), one term, or any of a collection of terms.
TermPattern = Identifier | Collection[Identifier] | None
#: (subject, predicate, object, named graph or None for the union default graph).
Quad = tuple[Identifier, URIRef, Identifier, URIRef | None]

#: The media types :meth:`Store.dump_graph` writes.
DUMP_MEDIA_TYPES = ("text/turtle", "application/n-triples", "application/rdf+xml",
                    "application/ld+json")


def alternatives(value: TermPattern) -> list[Identifier] | None:
    """A pattern position as a list of terms (None: any term); a plain string is an IRI."""
    if value is None:
        return None
    if isinstance(value, Identifier):
        return [value]
    if isinstance(value, str):
        return [URIRef(value)]
    return [v if isinstance(v, Identifier) else URIRef(v) for v in value]


def ntriples_as(body: bytes, media_type: str, prefixes: Mapping[str, str] | None) -> bytes:
    """N-Triples re-serialised by rdflib (for the formats a store does not write itself)."""
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in (prefixes or {}).items():
        graph.bind(prefix, namespace, override=True, replace=True)
    graph.parse(data=body, format="nt")
    names = {"text/turtle": "turtle", "application/n-triples": "nt",
             "application/rdf+xml": "xml", "application/ld+json": "json-ld"}
    out = graph.serialize(format=names[media_type])
    return out.encode() if isinstance(out, str) else out


def parse_json_results(body: bytes) -> SelectResult | bool:
    """A SPARQL 1.1 JSON results document (an API or pool answer) as a SelectResult of
    rdflib terms, or the boolean of an ASK."""
    data = json.loads(body)
    if "boolean" in data:
        return bool(data["boolean"])
    variables = list(data.get("head", {}).get("vars", []))
    rows = []
    for binding in data.get("results", {}).get("bindings", []):
        rows.append(tuple(None if (term := binding.get(v)) is None else json_term(term)
                          for v in variables))
    return SelectResult(variables, rows)


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def json_term(value: dict[str, str]) -> Identifier:
    """A SPARQL JSON results term as the rdflib term the embedded store would return
    (plain strings stay untyped, as store.terms.to_rdflib makes them)."""
    kind = value.get("type")
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in value:
            return Literal(value["value"], lang=value["xml:lang"])
        datatype = value.get("datatype")
        if datatype and datatype != _XSD_STRING:
            return Literal(value["value"], datatype=URIRef(datatype))
        return Literal(value["value"])
    raise ValueError(f"unsupported term in the answer: {value!r}")


class Store(Protocol):
    """What the rest of aula-kg may ask of a store. A query's default graph is the union
    of all named graphs (each triple once) unless ``default_graphs`` says otherwise."""

    def select(
        self, query: str, bindings: Mapping[str, Identifier] | None = None
    ) -> SelectResult: ...

    def select_values(self, query: str) -> list[tuple[str | None, ...]]: ...

    def ask(self, query: str, bindings: Mapping[str, Identifier] | None = None) -> bool: ...

    def construct(
        self, query: str, bindings: Mapping[str, Identifier] | None = None
    ) -> Graph: ...

    def executor(self, limits: Limits, *, in_process: bool = False,
                 cache_bytes: int = 0) -> Executor:
        """What runs user queries under ``limits`` (store.execution): worker processes or
        a remote pool for a server, in this process when ``in_process`` (command line)."""
        ...

    def graph_names(self) -> list[str]: ...

    def triple_count(self) -> int: ...

    def content_hash(self) -> str: ...

    # read-only lookups, for the pages (no SPARQL built from a request)

    @property
    def kind(self) -> str:
        """"prebuilt", "memory" or "remote": reported by /api/status, never branched on."""
        ...

    def quads(self, subject: TermPattern = None, predicate: TermPattern = None,
              object: TermPattern = None, graph: Graphs | str = UNION, *,  # noqa: A002
              limit: int | None = None) -> list[Quad]:
        """The quads matching the pattern in ``graph`` (UNION, ANY_NAMED or a graph IRI).
        A remote store does not look blank nodes up (their labels are the server's, per
        answer): reach them with :meth:`describe`."""
        ...

    def describe(self, iri: str) -> list[Quad]:
        """The concise bounded description of ``iri`` (its triples and those of the blank
        nodes they reach), each with the named graph holding it, read in one go."""
        ...

    def graph_sizes(self) -> dict[str, int]:
        """Triples per named graph."""
        ...

    def dump_graph(self, name: str, media_type: str,
                   prefixes: Mapping[str, str] | None = None) -> bytes:
        """The named graph ``name`` serialised as ``media_type`` (one of DUMP_MEDIA_TYPES)."""
        ...
