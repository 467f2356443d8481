"""The built graph, for the importers that need to know what it holds (names, communes).

Every reader opens the build's store (:func:`aula_kg.store.open_store`: the prebuilt store
read-only, or the SPARQL server the configuration names) instead of parsing the sources
again. Before the first build there is no store: then, and only then, the project's
sources are loaded into a store in memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..config import Settings
from ..errors import GraphUnavailable
from ..store import EmbeddedStore, Store, open_store

if TYPE_CHECKING:
    from ..sources import Sources


def built_graph(settings: Settings, sources: Sources | None = None) -> Store:
    """The store of the built graph; without a build, ``sources`` (loaded from the project's
    files when not given) in memory."""
    try:
        return open_store(settings)
    except GraphUnavailable:
        from ..build import nquads_lines
        from ..sources import load_sources

        sources = sources if sources is not None else load_sources(settings)
        return EmbeddedStore.from_nquads(("\n".join(nquads_lines(sources)) + "\n").encode())
