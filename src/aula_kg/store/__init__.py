"""Where the graph lives. Nothing outside this package knows which store is in use.

``open_store(settings)`` gives the store the configuration names: the embedded pyoxigraph
store opened read-only from the prebuilt on-disk store of the build (default; store.prebuilt),
or a remote SPARQL server (store.remote). ``open_executor(store, settings)`` gives what runs
user queries on it (store.execution.Executor): the store chooses (worker processes, a remote
pool, or in-process for the command line).

The names below are imported from their modules when first used, so that a command that
needs only one module of the package (``aula-kg where``: store.prebuilt) does not import
rdflib with store.base (start-up time, issue 17).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..config import Settings
    from .base import (
        CappedOutput,
        Executor,
        Limits,
        QueryOutput,
        QueryRequest,
        SelectResult,
        Store,
    )
    from .embedded import EmbeddedStore

__all__ = ["CappedOutput", "EmbeddedStore", "Executor", "Limits", "QueryOutput", "QueryRequest",
           "SelectResult", "Store", "open_executor", "open_store"]

#: name -> the module of this package that defines it.
_DEFINED_IN = {
    **dict.fromkeys(("CappedOutput", "Executor", "Limits", "QueryOutput", "QueryRequest",
                     "SelectResult", "Store"), "base"),
    "EmbeddedStore": "embedded",
}


def __getattr__(name: str) -> Any:
    module = _DEFINED_IN.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # looked up once
    return value


def open_store(settings: Settings) -> Store:
    """The store holding the built graph: the SPARQL server ``settings.endpoint`` names
    (AULA_KG_ENDPOINT), else the build's prebuilt store opened read-only, else (a build
    without one) the N-Quads artefact loaded in memory; raises GraphUnavailable when
    nothing was built."""
    from ..errors import GraphUnavailable
    from . import prebuilt
    from .embedded import EmbeddedStore

    endpoint = getattr(settings, "endpoint", None)
    if endpoint:
        from .remote import RemoteStore

        return RemoteStore(
            endpoint,
            user=settings.endpoint_user,
            password=settings.endpoint_password,
            timeout=max(settings.query_timeout, 1.0) + 25.0,
            graph_store=settings.endpoint_graph_store,
        )
    prebuilt_store = prebuilt.locate(settings.build_dir, settings.manifest_file)
    if prebuilt_store is not None:
        from .known_answers import FILE_NAME, KnownAnswers, prepared_dir

        known = KnownAnswers.read(prepared_dir(settings.build_dir, prebuilt_store) / FILE_NAME)
        return EmbeddedStore.open(prebuilt_store, known)
    path = settings.graph_file
    if not path.is_file():
        raise GraphUnavailable(f"no built graph at {path}: run 'aula-kg build' first")
    return EmbeddedStore.from_file(path)


def open_executor(store: Store, settings: Settings, *, workers: int | None = None,
                  in_process: bool = False) -> Executor:
    """What runs user queries on ``store`` with the limits of ``settings`` (time, rows,
    allowed SERVICE endpoints, workers, answer cache): ``in_process`` for the command line
    (no worker process to start)."""
    from .base import Limits

    limits = Limits.from_settings(settings, workers)
    cache_bytes = 0 if in_process else getattr(settings, "answer_cache_bytes", 0)
    return store.executor(limits, in_process=in_process, cache_bytes=cache_bytes)
