"""The graph as the pages see it: labels (looked up in batches and remembered), cells,
existence, named graphs. Read-only lookups through the :class:`~aula_kg.store.base.Store`
protocol only, so the pages work the same on the embedded store and on a SPARQL server;
no SPARQL text is built from a request."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Identifier

from .. import vocab
from ..store.base import UNION, Store
from .terms import LABEL_PREDICATES, NUMERIC, PREDICATE_LABELS, Cell, curie, french_number, href

#: Labels remembered per app at most (the graph never changes under a server).
MAX_LABELS = 100_000
_LANGUAGE_RANK = {"fr": 0, None: 1, "en": 2}
_PREDICATE_RANK = {p: i for i, p in enumerate(LABEL_PREDICATES)}


class GraphView:
    """Labels, cells and existence checks over a store, for the pages."""

    def __init__(self, store: Store):
        self.store = store
        self._labels: dict[str, tuple[str, str | None] | None] = {}
        self._graph_sizes: dict[str, int] | None = None
        self._lock = threading.Lock()

    # labels

    def prefetch(self, terms: Iterable[Identifier | None]) -> None:
        """Look up the labels of every IRI among ``terms`` not known yet, in one batch
        (a request per few hundred IRIs on a remote store instead of one per cell)."""
        wanted = {str(t) for t in terms if isinstance(t, URIRef)} - self._labels.keys()
        if wanted:
            self._remember(self._lookup(sorted(wanted)))

    def _lookup(self, iris: list[str]) -> dict[str, tuple[str, str | None] | None]:
        best: dict[str, tuple[int, str, str | None]] = {}
        for s, p, o, _g in self.store.quads([URIRef(i) for i in iris], LABEL_PREDICATES,
                                            None, UNION):
            if not isinstance(o, Literal):
                continue
            candidate = (_LANGUAGE_RANK.get(o.language, 3) * 10 + _PREDICATE_RANK[p],
                         str(o), o.language)
            if str(s) not in best or candidate < best[str(s)]:
                best[str(s)] = candidate
        return {i: (best[i][1], best[i][2]) if i in best else None for i in iris}

    def _remember(self, found: dict[str, tuple[str, str | None] | None]) -> None:
        with self._lock:
            for key, value in found.items():
                if len(self._labels) >= MAX_LABELS:
                    break
                self._labels[key] = value

    def label(self, iri: Identifier) -> tuple[str, str | None] | None:
        """(text, language) of the resource's best label, French first."""
        if not isinstance(iri, str) or isinstance(iri, BNode | Literal):
            return None
        key = str(iri)
        if key in self._labels:
            return self._labels[key]
        found = self._lookup([key])
        self._remember(found)
        return found[key]

    def label_text(self, iri: Identifier) -> str:
        found = self.label(iri)
        return found[0] if found else curie(iri)

    def cell(self, term: Identifier | None) -> Cell:
        if term is None:
            return Cell("")
        if isinstance(term, URIRef):
            found = self.label(term)
            return Cell(
                found[0] if found else curie(term), href(term), str(term),
                found[1] if found else None,
            )
        if isinstance(term, Literal):
            numeric = term.datatype in NUMERIC
            text = french_number(str(term)) if numeric and term.datatype != XSD.gYear else str(term)
            return Cell(text, lang=term.language, numeric=numeric)
        return Cell(str(term))

    def predicate_cell(self, predicate: URIRef) -> Cell:
        cell = self.cell(predicate)
        own = str(predicate).startswith(str(vocab.AULA)) and self.label(predicate)
        fallback = PREDICATE_LABELS.get(str(predicate)) or self.label_text(predicate)
        cell.text = own[0] if own else fallback
        cell.title = curie(predicate)
        cell.lang = None
        return cell

    # existence and graphs

    def exists(self, iri: str) -> bool:
        node = URIRef(iri)
        return bool(self.store.quads(node, limit=1) or self.store.quads(None, None, node, limit=1))

    def named_graph(self, name: str) -> Graph:
        """A named graph as an rdflib graph (one dump: blank nodes stay whole)."""
        graph = Graph(bind_namespaces="none")
        vocab.bind_prefixes(graph)
        graph.parse(data=self.store.dump_graph(name, "application/n-triples"), format="nt")
        return graph

    def graph_names(self) -> list[str]:
        return self.store.graph_names()

    def graph_size(self, name: str) -> int:
        if self._graph_sizes is None:
            self._graph_sizes = self.store.graph_sizes()  # one count, then kept
        return self._graph_sizes.get(name, 0)
