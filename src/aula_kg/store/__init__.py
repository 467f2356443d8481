"""Where the graph lives. Nothing outside this package knows which store is in use.

``open_store(settings)`` gives the store the configuration names: the embedded pyoxigraph
store loaded from the build artefact (default), or later a remote SPARQL server.
"""

from __future__ import annotations

from ..config import Settings
from ..errors import GraphUnavailable
from .base import QueryOutput, SelectResult, Store
from .embedded import EmbeddedStore

__all__ = ["EmbeddedStore", "QueryOutput", "SelectResult", "Store", "open_store"]


def open_store(settings: Settings) -> Store:
    """The store holding the built graph; raises GraphUnavailable when nothing was built."""
    path = settings.graph_file
    if not path.is_file():
        raise GraphUnavailable(f"no built graph at {path}: run 'aula-kg build' first")
    return EmbeddedStore.from_file(path)
