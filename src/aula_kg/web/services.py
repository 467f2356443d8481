"""What the routes share, built once by :func:`aula_kg.web.app.create_app`: the settings,
the store, the query pool, the stored-query service, the SPARQL service, the graph view
(labels) and what is computed once per app (the home page's figures, the ontology
documentation, the territory choices), plus the warm-up state. Routes reach it through
:func:`app_services`; nothing is made lazily on ``app.state``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import FastAPI, Request

from ..answering import StoredQueries
from ..config import Settings
from ..store.base import Store
from .graphview import GraphView

T = TypeVar("T")


@dataclass
class AppServices:
    settings: Settings
    store: Store
    #: ``await pool.run(QueryRequest, timeout) -> CappedOutput``; ``.size``, ``.cache``...
    pool: Any
    queries: StoredQueries
    sparql: Any
    graph: GraphView
    #: True once the warm-up (name index, enums, home figures) is done.
    warm: bool = False
    _computed: dict[str, Any] = field(default_factory=dict)
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def once(self, key: str, make: Callable[[], T]) -> T:
        """``make()``'s value, computed once per app (blocking: call from a thread; the
        warm-up and the first requests may ask at the same time)."""
        if key in self._computed:
            return self._computed[key]
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._computed:
                self._computed[key] = make()
        return self._computed[key]

    def known(self, key: str) -> Any | None:
        """A value computed before (by :meth:`once` or :meth:`keep`), or None."""
        return self._computed.get(key)

    def keep(self, key: str, value: T) -> T:
        """Remember a value computed by async code (computing it twice is harmless)."""
        return self._computed.setdefault(key, value)


def app_services(request_or_app: Request | FastAPI) -> AppServices:
    """The app's :class:`AppServices` (from a request or the app itself)."""
    app = getattr(request_or_app, "app", request_or_app)
    return app.state.services
