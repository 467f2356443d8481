"""One way to answer a stored query, for every face: the command line, the API, the pages,
the pictures and the federation's local part.

:meth:`StoredQueries.answer` does, in this order and nowhere else:

1. check and bind the parameters (:meth:`catalog.StoredQuery.bindings`; names, codes and
   IRIs resolved by :class:`territories.NameIndex`), so each value becomes a checked RDF term;
2. render the SPARQL: each ``VALUES ?name { UNDEF }`` slot holds its term's N-Triples form
   (:meth:`catalog.StoredQuery.render`); no user value is ever pasted into the text;
3. for a federated query (:mod:`aula_kg.federation`): the local part alone, with a note,
   when its service is not configured and allowed; otherwise the local part through the
   pool, the remote rows joined in a thread, and the joined rows as a ``VALUES`` table of
   RDF terms;
4. run the text through the query pool: ``await pool.run(QueryRequest(text,
   results_format, graph_format), timeout) -> CappedOutput``, so a stored query has the
   same time limit, row cap and no-fetching rule as any query sent to ``/sparql``.

It returns an :class:`Answer`: the stored query, the bound terms, the SPARQL that ran, the
serialised output, notes and warnings (coded messages), and the parsed table.

The server's pool is the worker pool (or the remote pool). The command line answers one
query and should not start worker processes for it: :meth:`StoredQueries.in_process` asks
the store for its in-process executor (store.execution), which applies the same checks in
this process, with no time limit (a command can be interrupted).
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio
from rdflib.term import Identifier

from . import federation, prepared
from .catalog import RESOURCE_TYPES, Catalog, StoredQuery
from .config import Settings
from .errors import InputError, QueryRejected
from .messages import Message
from .store import CappedOutput, Limits, QueryRequest, SelectResult, Store
from .store.execution import read_table
from .territories import NameIndex

#: Enumerate the values of a parameter type (forms, OpenAPI) up to this many.
MAX_ENUM = 40

_JSON = "application/sparql-results+json"
_PARSERS = {"application/sparql-results+xml": "XML", "text/tab-separated-values": "TSV"}


# -- the answer -----------------------------------------------------------------------------


@dataclass
class Answer:
    """A stored query's answer. ``table`` parses ``output`` on first use (SPARQL JSON, XML
    or TSV): a :class:`SelectResult` of rdflib terms, or a boolean for ASK."""

    query: StoredQuery
    bindings: dict[str, Identifier]
    text: str
    output: CappedOutput
    notes: list[Message] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)
    #: The service endpoint that enriched a federated answer (None otherwise).
    endpoint: str | None = None
    remote_rows: int = 0
    _table: SelectResult | bool | None = field(default=None, repr=False)

    @property
    def truncated(self) -> bool:
        return self.output.truncated

    @property
    def table(self) -> SelectResult | bool:
        if self._table is None:
            self._table = parse_output(self.output)
        return self._table

    def rows(self) -> list[dict[str, Identifier | None]]:
        """The SELECT rows as dicts (variable -> term)."""
        table = self.table
        if isinstance(table, bool):
            raise TypeError(f"stored query '{self.query.name}' answers yes or no, not rows")
        return table.as_dicts()


def parse_output(output: CappedOutput) -> SelectResult | bool:
    """A serialised SELECT or ASK answer as rdflib terms (TypeError for a graph or CSV:
    CSV loses the term types); store.execution.read_table is the one reader."""
    return read_table(output)


# -- the service ----------------------------------------------------------------------------


def _reason(exc: QueryRejected) -> Message | str:
    return Message(exc.code, **exc.params) if exc.code else exc.message


class StoredQueries:
    """The catalogue, the internal queries, the name index and the pool: everything a face
    needs to answer a stored query. The server makes one (``web.api.query_service``); the
    command line makes one over the store's in-process executor (:meth:`in_process`)."""

    def __init__(self, settings: Settings, store: Store, pool: Any,
                 catalog: Catalog | None = None, internal: Catalog | None = None, *,
                 names: NameIndex | None = None, environ: Mapping[str, str] | None = None,
                 inline: bool = False):
        self.settings = settings
        self.store = store
        self.pool = pool
        self.environ = environ
        self._catalog = catalog
        self._internal = internal
        self._names = names
        self._lock = threading.Lock()
        self._enums: dict[str, list[str]] | None = None
        #: Build the name index on the caller's thread (no server loop to keep free; and
        #: pyoxigraph results must be dropped on the thread that made them).
        self.inline = inline

    @classmethod
    def in_process(cls, store: Store, settings: Settings | None = None, *,
                   max_rows: int | None = None, **kwargs: Any) -> StoredQueries:
        """Answers computed in this process (the command line, the build's checks): the
        server's checks, no time limit, and no row cap unless ``max_rows`` is given."""
        settings = settings or Settings.from_env()
        limits = Limits(settings.query_timeout,
                        sys.maxsize - 1 if max_rows is None else max_rows,
                        tuple(settings.allowed_service_endpoints))
        pool = store.executor(limits, in_process=True)
        return cls(settings, store, pool, inline=True, **kwargs)

    # -- catalogues and names -------------------------------------------------------------

    @property
    def catalog(self) -> Catalog:
        """The planners' stored queries (``queries/*.rq``)."""
        if self._catalog is None:
            self._catalog = prepared.catalog(self.settings)
        return self._catalog

    @property
    def internal(self) -> Catalog:
        """The product's own queries (``queries/internal/*.rq``), never listed to planners."""
        if self._internal is None:
            self._internal = prepared.internal_catalog(self.settings)
        return self._internal

    def get(self, name: str) -> StoredQuery:
        """A planners' stored query by name (UnknownQuery, 404, otherwise)."""
        return self.catalog.get(name)

    def names(self) -> NameIndex:
        """The name index of the served graph, built once (blocking: call from a thread)."""
        with self._lock:
            if self._names is None:
                self._names = prepared.name_index(self.store, self.settings)
            return self._names

    async def names_async(self) -> NameIndex:
        if self._names is not None or self.inline:
            return self.names()
        return await anyio.to_thread.run_sync(self.names)

    # -- binding and rendering ------------------------------------------------------------

    async def bind(self, query: StoredQuery, given: Mapping[str, str]) -> dict[str, Identifier]:
        """The checked terms of ``given`` (ParameterError, AmbiguousName)."""
        needs_names = any(p.type in RESOURCE_TYPES and (given.get(p.name) or p.default)
                          for p in query.parameters)
        names = await self.names_async() if needs_names else None
        return query.bindings(dict(given), names)

    async def render(self, query: StoredQuery, given: dict[str, str]) -> str:
        """The query text with its parameters checked and bound."""
        return query.render(await self.bind(query, given))

    # -- answering ------------------------------------------------------------------------

    async def answer(
        self,
        query: StoredQuery | str,
        given: Mapping[str, str] | None = None,
        *,
        results_format: str | None = "json",
        graph_format: str | None = "turtle",
        timeout: float | None = None,
        enrich: bool | None = None,
        service_timeout: float | None = None,
    ) -> Answer:
        """Answer a stored query (a planners' query by name, or any StoredQuery object).

        ``enrich``: None enriches a federated query when its service is configured and
        allowed and otherwise answers from the local graph with a note; True requires the
        enrichment (QueryRejected when the service is not configured); False never
        enriches. ``timeout`` is the pool's time limit per query (default: the pool's);
        ``service_timeout`` the federated service's (default: Settings.query_timeout)."""
        if isinstance(query, str):
            query = self.get(query)
        bindings = await self.bind(query, given or {})
        text = query.render(bindings)
        declared = federation.declared(query)
        notes: list[Message] = []
        if declared is not None:
            if query.form != "SELECT":
                raise InputError(code="federation.select_only")
            endpoint = None
            if enrich is not False:
                try:
                    endpoint = federation.endpoint_for(declared, self.settings, self.environ)
                except QueryRejected as exc:
                    if enrich:
                        raise
                    notes.append(Message("answer.without_enrichment", reason=_reason(exc)))
            if endpoint is not None:
                return await self._federated(query, bindings, text, declared, endpoint,
                                             results_format, graph_format, timeout,
                                             service_timeout)
            text = federation.split(text, declared).local
        output = await self.pool.run(QueryRequest(text, results_format, graph_format), timeout)
        answer = Answer(query, bindings, text, output, notes)
        self._note_truncation(answer)
        return answer

    async def _federated(self, query: StoredQuery, bindings: dict[str, Identifier], text: str,
                         declared: federation.Federation, endpoint: str,
                         results_format: str | None, graph_format: str | None,
                         timeout: float | None, service_timeout: float | None) -> Answer:
        federation.check(text, declared, endpoint, self.settings)
        parts = federation.split(text, declared)
        local_output = await self.pool.run(QueryRequest(parts.local, "json", None), timeout)
        local = parse_output(local_output)
        if not isinstance(local, SelectResult):
            raise InputError(code="federation.select_only")
        joined = await anyio.to_thread.run_sync(
            lambda: federation.enrich(local, parts, declared, endpoint, self.settings,
                                      service_timeout)
        )
        values = federation.values_query(joined.result)
        output = await self.pool.run(QueryRequest(values, results_format, graph_format), timeout)
        answer = Answer(query, bindings, values, output, [], list(joined.warnings), endpoint,
                        joined.remote_rows)
        if results_format == "json" and not output.truncated:
            answer._table = joined.result
        if local_output.truncated:
            output.truncated = True
        self._note_truncation(answer)
        return answer

    def _note_truncation(self, answer: Answer) -> None:
        if answer.truncated:
            cap = getattr(self.pool, "max_rows", self.settings.max_rows)
            answer.notes.append(Message("answer.truncated", max_rows=cap))

    async def run(self, query: StoredQuery, given: dict[str, str],
                  results_format: str | None = "json",
                  graph_format: str | None = "turtle") -> CappedOutput:
        """The serialised answer only (the API's and the pages' use)."""
        answer = await self.answer(query, given, results_format=results_format,
                                   graph_format=graph_format)
        return answer.output

    def answer_sync(self, query: StoredQuery | str, given: Mapping[str, str] | None = None,
                    **kwargs: Any) -> Answer:
        """:meth:`answer` for code without an event loop (the command line, the build)."""
        return asyncio.run(self.answer(query, given, **kwargs))

    # -- documentation --------------------------------------------------------------------

    def enum_values(self) -> dict[str, list[str]]:
        """Parameter type -> the French labels a form or the OpenAPI document can offer,
        kept only when each label resolves back to its own resource. Blocking (called from
        threads and from the OpenAPI hook, which has no await): the two internal queries
        run on the store directly, once per service, like the name index."""
        with self._lock:
            if self._enums is not None:
                return self._enums
        names = self.names()
        rows = list(self.store.select(self.internal.get("concept_values").text).rows)
        rows += list(self.store.select(self.internal.get("programme_values").text).rows)
        values: dict[str, list[str]] = {}
        for resource, label, _notation in rows:
            for ptype, kinds in RESOURCE_TYPES.items():
                if ptype in ("territory", "commune", "epci"):
                    continue
                found = names.find(str(label), kinds)
                if found is None or str(found.iri) != str(resource):
                    continue
                if str(label) not in values.get(ptype, []):
                    values.setdefault(ptype, []).append(str(label))
        values = {k: v for k, v in values.items() if len(v) <= MAX_ENUM}
        with self._lock:
            self._enums = values
        return values


# -- blocking helpers -----------------------------------------------------------------------


def answer_sync(store: Store, query: StoredQuery, given: Mapping[str, str] | None = None,
                settings: Settings | None = None, *, names: NameIndex | None = None,
                environ: Mapping[str, str] | None = None, **kwargs: Any) -> Answer:
    """Answer ``query`` on ``store`` in this process (see :meth:`StoredQueries.answer`)."""
    service = StoredQueries.in_process(store, settings, names=names, environ=environ)
    return service.answer_sync(query, given, **kwargs)


def run_query(store: Store, query: StoredQuery, given: Mapping[str, str] | None = None,
              names: NameIndex | None = None) -> SelectResult | bool:
    """A stored query's table, answered in this process (a federated one from the local
    graph alone): for the build's checks, the golden tests and the benchmarks."""
    return answer_sync(store, query, given, names=names, enrich=False).table
