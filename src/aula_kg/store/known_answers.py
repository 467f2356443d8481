"""Answers the build computed once for the prebuilt store it wrote.

The graph of a prebuilt store never changes, so what the pages ask of it on every start
(the counts of the home page, the publishing statistics, the form's choices, the size of
each named graph) can be answered by the build and read back in milliseconds, instead of
costing the first reader of the national graph half a minute. The file lives in the
build's prepared directory of the same graph (``aula_kg.prepared``); this module only
reads and writes it. A query is answered from it when its text is exactly one the build
ran; anything else goes to the store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .base import SelectResult, json_term

#: Subdirectory of the build directory holding what the build prepared for each graph, in
#: ``prepared/NAME`` where NAME is the name of the graph's prebuilt store (store.prebuilt).
PREPARED_DIR = "prepared"
#: File name inside a prepared directory.
FILE_NAME = "answers.json"
#: Changes when the layout changes: a reader ignores a file of another format.
FORMAT = 1


@dataclass
class KnownAnswers:
    """SELECT answers by exact query text (SPARQL JSON bindings), the size of each named
    graph and the number of distinct triples."""

    selects: dict[str, dict[str, Any]] = field(default_factory=dict)
    graph_sizes: dict[str, int] | None = None
    triple_count: int | None = None

    def select(self, query: str) -> SelectResult | None:
        known = self.selects.get(query)
        if known is None:
            return None
        variables = list(known["vars"])
        rows = [tuple(None if (term := binding.get(v)) is None else json_term(term)
                      for v in variables) for binding in known["bindings"]]
        return SelectResult(variables, rows)

    def select_values(self, query: str) -> list[tuple[str | None, ...]] | None:
        known = self.selects.get(query)
        if known is None:
            return None
        variables = known["vars"]
        return [tuple(None if (term := binding.get(v)) is None else term["value"]
                      for v in variables) for binding in known["bindings"]]

    def remember(self, query: str, store: ox.Store) -> None:
        """Run the SELECT ``query`` on ``store`` and keep its answer, with the lexical forms
        the store gives (answers with blank nodes are not kept: their labels mean nothing
        outside the run that made them)."""
        result = store.query(query)
        if not isinstance(result, ox.QuerySolutions):
            raise TypeError("a known answer is the answer of a SELECT query")
        body = result.serialize(format=ox.QueryResultsFormat.JSON)
        data = json.loads(body or b"{}")
        bindings = data["results"]["bindings"]
        if any(term.get("type") == "bnode" for row in bindings for term in row.values()):
            return
        self.selects[query] = {"vars": data["head"]["vars"], "bindings": bindings}

    def write(self, path: Path) -> None:
        """Write the answers to ``path``: a file of a prepared directory that is being
        made, which appears whole by its rename (aula_kg.prepared)."""
        data = {"format": FORMAT, "graph_sizes": self.graph_sizes,
                "triple_count": self.triple_count, "selects": self.selects}
        Path(path).write_bytes(json.dumps(data, ensure_ascii=False, sort_keys=True).encode())

    @classmethod
    def read(cls, path: Path) -> KnownAnswers | None:
        """The answers in ``path``; None when it is missing, unreadable or of another
        format (the store then answers everything itself)."""
        try:
            data = json.loads(Path(path).read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return None
        return cls(dict(data.get("selects") or {}), data.get("graph_sizes"),
                   data.get("triple_count"))


def prepared_dir(build_dir: Path, store_path: Path) -> Path:
    """The prepared directory of the prebuilt store at ``store_path``."""
    return Path(build_dir) / PREPARED_DIR / Path(store_path).name
