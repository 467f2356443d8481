"""The store interface and the neutral result types every store returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from rdflib import Graph
from rdflib.term import Identifier

if TYPE_CHECKING:
    from .execution import Executor, Limits


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

    def describe(self) -> dict[str, str]:
        """``{"kind": "prebuilt" | "memory" | "remote"}``, for the status report."""
        ...

    def graph_names(self) -> list[str]: ...

    def triple_count(self) -> int: ...

    def content_hash(self) -> str: ...
