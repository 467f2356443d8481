"""The executor over a remote SPARQL server: checked queries forwarded, answers capped.

Each query is checked here as for the embedded store (sparql_policy: read-only, no
fetching), then sent to the server (store.remote) with the time limit as its HTTP timeout;
the server's JSON or N-Triples answer is parsed with pyoxigraph's parsers and capped and
serialised as usual (store.execution). At most ``size`` queries are in flight; a hanging
server gives QueryTimeout (504) after the limit, a failing one BackendFailed (502). There
is no worker process to kill: the HTTP request is abandoned at the deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Sequence
from typing import Protocol

import pyoxigraph as ox

from ..errors import AulaKgError, QueryTimeout, ServerBusy
from ..sparql_policy import Policy, make_checker
from .base import CacheStats, CappedOutput, Limits, QueryRequest
from .execution import Checker, answer_format, capped_output


class SparqlServer(Protocol):
    """What this pool needs of store.remote.RemoteStore (named here so that the two modules
    do not import each other: the store makes its pool)."""

    def graph_names(self) -> list[str]: ...

    def fetch(self, query: str, kind: str, *, default_graphs: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, names_dataset: bool | None = None,
              base_iri: str | None = None, timeout: float | None = None
              ) -> ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]: ...


class RemotePool:
    """The executor interface (store.base.Executor) over a SPARQL server (store.remote)."""

    cache: CacheStats | None = None  # a remote server's data may change: answers are never kept
    respawns = 0

    def __init__(self, store: SparqlServer, limits: Limits):
        self.store = store
        self.size = limits.workers or 8
        self.timeout = limits.timeout
        self.max_rows = limits.max_rows
        self.allowed_endpoints = tuple(limits.allowed_endpoints)
        self.queue_timeout = limits.timeout if limits.queue_timeout is None \
            else limits.queue_timeout
        self._checker: Checker | None = None
        self._slots = threading.BoundedSemaphore(self.size)

    def _ensure_policy(self) -> Checker:
        if self._checker is None:
            graphs = frozenset(self.store.graph_names())
            policy = Policy(frozenset(self.allowed_endpoints), graphs, self.max_rows)
            self._checker = make_checker(policy)
        return self._checker

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

    def _execute(self, request: QueryRequest, limit: float) -> CappedOutput:
        checked = self._ensure_policy()(request.query, request.base_iri)
        fmt_name = answer_format(checked, request)
        default_graphs, named_graphs = request.default_graphs, request.named_graphs
        if default_graphs is not None or named_graphs is not None:
            # The protocol's dataset replaces the query's (SPARQL 1.1 Protocol, 2.1.4).
            default_graphs, named_graphs = default_graphs or (), named_graphs or ()
        elif checked.has_dataset:  # FROM / FROM NAMED, all local graphs (checked above)
            default_graphs, named_graphs = checked.from_graphs, checked.from_named_graphs
        result = self.store.fetch(
            request.query, checked.kind, default_graphs=default_graphs,
            named_graphs=named_graphs, names_dataset=checked.has_dataset,
            base_iri=request.base_iri, timeout=limit)
        return capped_output(result, fmt_name, self.max_rows)

    async def run(self, request: QueryRequest, timeout: float | None = None) -> CappedOutput:
        limit = self.timeout if timeout is None else timeout
        loop = asyncio.get_running_loop()
        acquired = await loop.run_in_executor(None, self._slots.acquire, True,
                                              self.queue_timeout)
        if not acquired:
            raise ServerBusy("every query slot is busy; try again later")
        try:
            await loop.run_in_executor(None, self._ensure_policy)
            job = loop.run_in_executor(None, self._execute, request, limit)
            try:
                return await asyncio.wait_for(job, limit + 1.0)
            except TimeoutError:
                raise QueryTimeout(
                    f"the query ran past its time limit of {limit:g} s and was abandoned"
                ) from None
        finally:
            self._slots.release()
