"""The embedded store: pyoxigraph, opened read-only from the store prebuilt by
``aula-kg build`` (store.prebuilt), or loaded in memory from an N-Quads file.

pyoxigraph loads N-Quads about 11 times faster than rdflib's memory store and answers
aggregations about 17 times faster on the national graph (see benchmarks/), so queries are
served from here while rdflib, owlrl and pySHACL do the building. Opening the prebuilt
store takes milliseconds whatever the size of the graph, and every process that opens it
(the server, its query workers, the command line) shares the operating system's page cache
instead of holding its own copy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Identifier

from ..errors import GraphUnavailable, QueryRejected
from ..formats import OXIGRAPH_GRAPH_FORMATS
from . import base as lookups
from .base import Executor, Limits, SelectResult
from .known_answers import KnownAnswers
from .terms import serialized, to_oxigraph, to_rdflib, with_union_default_graph


class EmbeddedStore:
    """A read-mostly pyoxigraph store.

    Its default graph holds the union of the named graphs, materialised at load time:
    oxigraph's ``use_default_graph_as_union`` mode returns one solution per graph holding a
    triple, so a fact stated both in the curated data and in an import would be counted
    twice; a materialised default graph is a set. Plain queries see every fact once,
    ``GRAPH`` patterns see where each fact comes from.
    """

    def __init__(self, store: ox.Store | None = None, path: Path | None = None,
                 known: KnownAnswers | None = None):
        self._store = store if store is not None else ox.Store()
        #: The on-disk store this one was opened from (read-only), None when in memory.
        self.path = path
        #: What the build already answered for this (read-only) graph.
        self.known = known

    @classmethod
    def open(cls, path: Path, known: KnownAnswers | None = None) -> EmbeddedStore:
        """The prebuilt on-disk store at ``path``, read-only (its default graph already
        holds the union, see store.prebuilt), with the answers its build computed."""
        try:
            store = ox.Store.read_only(str(path))
        except OSError as exc:
            raise GraphUnavailable(f"cannot open the prebuilt store {path}: {exc}") from exc
        return cls(store, Path(path), known)

    @classmethod
    def from_file(cls, path: Path) -> EmbeddedStore:
        """An RDF file loaded in memory, its format told by its extension (``.nq`` for the
        build's artefact; Turtle, TriG, N-Triples... for ``serve --graph FILE``)."""
        path = Path(path)
        if not path.is_file():
            raise GraphUnavailable(
                f"no graph at {path}: run 'aula-kg build' first, or give --graph FILE")
        fmt = ox.RdfFormat.from_extension(path.suffix.lstrip("."))
        if fmt is None:
            raise GraphUnavailable(f"cannot tell the RDF format of {path} from its extension")
        store = ox.Store()
        try:
            store.load(path=str(path), format=fmt)
        except (OSError, SyntaxError, ValueError) as exc:
            raise GraphUnavailable(f"cannot load the graph {path}: {exc}") from exc
        return cls(with_union_default_graph(store))

    @classmethod
    def from_nquads(cls, data: bytes) -> EmbeddedStore:
        store = ox.Store()
        store.load(data, format=ox.RdfFormat.N_QUADS)
        return cls(with_union_default_graph(store))

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph store, for code that serialises straight from it."""
        return self._store

    def _run(self, query: str, bindings: Mapping[str, Identifier] | None
             ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]
        substitutions = {ox.Variable(name): to_oxigraph(value)
                         for name, value in (bindings or {}).items()}
        try:
            return self._store.query(query, substitutions=substitutions or None)
        except SyntaxError as exc:
            raise QueryRejected(f"the query does not parse: {exc}") from exc

    def select(
        self, query: str, bindings: Mapping[str, Identifier] | None = None
    ) -> SelectResult:
        if self.known is not None and not bindings:
            answered = self.known.select(query)
            if answered is not None:
                return answered
        result = self._run(query, bindings)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryRejected("expected a SELECT query")
        variables = [v.value for v in result.variables]
        rows = [tuple(to_rdflib(solution[v]) for v in variables) for solution in result]
        return SelectResult(variables, rows)

    def select_values(self, query: str) -> list[tuple[str | None, ...]]:
        """A SELECT answer as the terms' lexical values (IRIs, literal texts): no rdflib
        terms made, for the indexes that read tens of thousands of rows."""
        if self.known is not None:
            answered = self.known.select_values(query)
            if answered is not None:
                return answered
        result = self._run(query, None)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryRejected("expected a SELECT query")
        width = range(len(result.variables))
        return [
            tuple(None if (term := solution[i]) is None else term.value for i in width)
            for solution in result
        ]

    def ask(self, query: str, bindings: Mapping[str, Identifier] | None = None) -> bool:
        result = self._run(query, bindings)
        if not isinstance(result, ox.QueryBoolean):
            raise QueryRejected("expected an ASK query")
        return bool(result)

    def construct(
        self, query: str, bindings: Mapping[str, Identifier] | None = None
    ) -> Graph:
        result = self._run(query, bindings)
        if not isinstance(result, ox.QueryTriples):
            raise QueryRejected("expected a CONSTRUCT or DESCRIBE query")
        graph = Graph()
        for triple in result:
            graph.add(
                (to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object))
            )
        return graph

    def executor(self, limits: Limits, *, in_process: bool = False,
                 cache_bytes: int = 0) -> Executor:
        """User queries on this store under ``limits`` (store.execution.Limits): in this
        process for the command line, else in worker processes that can be killed at the
        deadline (store.workers), behind an answer cache of ``cache_bytes`` when positive
        (the graph never changes under a running server)."""
        from .execution import InProcessExecutor

        if in_process:
            return InProcessExecutor(self._store, limits)
        from ..answers import AnswerCache, CachedPool
        from .workers import IN_MEMORY_MAX_BYTES, WorkerPool, store_bytes

        small = self.path is not None and store_bytes(self.path) <= IN_MEMORY_MAX_BYTES
        pool = WorkerPool.for_store(
            self, in_memory=small, size=limits.workers, timeout=limits.timeout,
            max_rows=limits.max_rows, allowed_endpoints=limits.allowed_endpoints,
            queue_timeout=limits.queue_timeout)
        return CachedPool(pool, AnswerCache(cache_bytes)) if cache_bytes > 0 else pool

    def graph_names(self) -> list[str]:
        """The named graphs (sources), sorted."""
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def triple_count(self) -> int:
        """Distinct triples: the size of the default graph (the union), counted in Rust."""
        if self.known is not None and self.known.triple_count is not None:
            return self.known.triple_count
        result = self._store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        if not isinstance(result, ox.QuerySolutions):
            raise TypeError("a SELECT gave no solutions")
        return int(next(iter(result))[0].value)

    def graph_sizes(self) -> dict[str, int]:
        """Triples per named graph."""
        if self.known is not None and self.known.graph_sizes is not None:
            return dict(self.known.graph_sizes)
        result = self._store.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
        if not isinstance(result, ox.QuerySolutions):
            raise TypeError("a SELECT gave no solutions")
        return {row[0].value: int(row[1].value) for row in result}

    def content_hash(self) -> str:
        """SHA-256 over the sorted, canonical N-Quads (RDFC-1.0 blank-node labels): equal
        for equal content, whatever the load order or the labels a load gave blank nodes."""
        dataset = ox.Dataset(self._store)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        digest = hashlib.sha256()
        for line in sorted(str(quad) for quad in dataset):
            digest.update(line.encode())
            digest.update(b"\n")
        return digest.hexdigest()

    # -- read-only lookups (Store protocol) -----------------------------------------

    @property
    def kind(self) -> str:
        return "prebuilt" if self.path is not None else "memory"

    def quads(self, subject: lookups.TermPattern = None, predicate: lookups.TermPattern = None,
              object: lookups.TermPattern = None,  # noqa: A002 - the protocol's names
              graph: lookups.Graphs | str = lookups.UNION, *,
              limit: int | None = None) -> list[lookups.Quad]:
        graph_node: ox.DefaultGraph | ox.NamedNode | None
        if graph is lookups.UNION:
            graph_node = ox.DefaultGraph()
        elif graph is lookups.Graphs.ANY_NAMED:
            graph_node = None
        else:
            graph_node = ox.NamedNode(str(graph))
        # _positions keeps only terms of the kinds given: the isinstance tests say so to mypy.
        subjects = [t for t in _positions(subject, (URIRef, BNode))
                    if t is None or isinstance(t, ox.NamedNode | ox.BlankNode)]
        predicates = [t for t in _positions(predicate, (URIRef,))
                      if t is None or isinstance(t, ox.NamedNode)]
        objects = _positions(object, (URIRef, BNode, Literal))
        out: list[lookups.Quad] = []
        for s in subjects:
            for p in predicates:
                for o in objects:
                    for quad in self._store.quads_for_pattern(s, p, o, graph_node):
                        name = quad.graph_name
                        if graph_node is None and not isinstance(name, ox.NamedNode):
                            continue  # the materialised union, not a source
                        out.append((to_rdflib(quad.subject), to_rdflib(quad.predicate),
                                    to_rdflib(quad.object),
                                    URIRef(name.value) if isinstance(name, ox.NamedNode)
                                    else None))
                        if limit is not None and len(out) >= limit:
                            return out
        return out

    def describe(self, iri: str) -> list[lookups.Quad]:
        """The CBD, every blank node followed (in process, labels are stable)."""
        out: list[lookups.Quad] = []
        todo: list[ox.NamedNode | ox.BlankNode] = [ox.NamedNode(iri)]
        seen: set[ox.NamedNode | ox.BlankNode] = set()
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            named: set[ox.Triple] = set()
            in_union: list[ox.Triple] = []
            for quad in self._store.quads_for_pattern(node, None, None, None):
                triple = quad.triple
                if isinstance(quad.graph_name, ox.NamedNode):
                    named.add(triple)
                    out.append(_quad(triple, URIRef(quad.graph_name.value)))
                else:
                    in_union.append(triple)
                if isinstance(quad.object, ox.BlankNode):
                    todo.append(quad.object)
            # A triple only in the default graph (a store loaded without named graphs).
            out.extend(_quad(t, None) for t in in_union if t not in named)
        return out

    def dump_graph(self, name: str, media_type: str,
                   prefixes: Mapping[str, str] | None = None) -> bytes:
        """Serialised in Rust: the national COG graph alone holds 640,000 triples."""
        if media_type not in lookups.DUMP_MEDIA_TYPES:
            raise ValueError(f"cannot write a graph as {media_type}")
        node = ox.NamedNode(name)
        fmt = OXIGRAPH_GRAPH_FORMATS.get(media_type)
        if fmt is not None:
            return serialized(self._store.dump(format=fmt, from_graph=node,
                                               prefixes=dict(prefixes or {})))
        body = serialized(self._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=node))
        return lookups.ntriples_as(body, media_type, prefixes)


def _quad(triple: ox.Triple, graph: URIRef | None) -> lookups.Quad:
    return (to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object),
            graph)


def _positions(value: lookups.TermPattern, kinds: tuple[type, ...]
               ) -> list[ox.NamedNode | ox.BlankNode | ox.Literal | None]:
    """A pattern position as pyoxigraph terms ([None]: any); terms that cannot stand
    there (a literal as subject) match nothing."""
    terms = lookups.alternatives(value)
    if terms is None:
        return [None]
    return [to_oxigraph(t) for t in terms if isinstance(t, kinds)]
