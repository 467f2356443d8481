"""What an import did (:class:`ImportReport`: progress on stderr and the final summary:
records read, skipped with reasons, triples) and the set of triples it collects
(:class:`Triples`), built with the cyclic garbage collector paused (:func:`collector_paused`).
"""

from __future__ import annotations

import gc
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rdflib.term import Node


@dataclass
class ImportReport:
    """What an import did: shown as the final summary on stderr."""

    source: str
    read: int = 0
    kept: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)
    triples: int = 0
    output: Path | None = None
    changed: bool = True
    seconds: float = 0.0
    _started: float = field(default_factory=time.monotonic, repr=False)
    _last_progress: float = field(default=0.0, repr=False)
    quiet: bool = False
    #: Where the records read go while a progress display runs (aula_kg.progress); None:
    #: a line on stderr now and then.
    counter: Callable[[int], None] | None = field(default=None, repr=False)

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1

    def note(self, remark: str) -> None:
        """Count a kept record with a remark (e.g. no signature date)."""
        self.notes[remark] += 1

    def tick(self, every: int = 5000) -> None:
        """Count one record read; report progress on stderr now and then."""
        self.read += 1
        if self.quiet or self.read % every:
            return
        if self.counter is not None:
            self.counter(self.read)
            return
        now = time.monotonic()
        if now - self._last_progress >= 1.0:
            self._last_progress = now
            print(f"  {self.source}: {self.read:,} records read...", file=sys.stderr, flush=True)

    def finish(self) -> None:
        self.seconds = time.monotonic() - self._started

    def summary(self) -> str:
        lines = [
            f"{self.source}: {self.read:,} records read, {self.kept:,} kept, "
            f"{sum(self.skipped.values()):,} skipped, {self.triples:,} triples, "
            f"{self.seconds:.1f} s"
        ]
        for reason, count in sorted(self.skipped.items()):
            lines.append(f"  skipped {count:,}: {reason}")
        for remark, count in sorted(self.notes.items()):
            lines.append(f"  note {count:,}: {remark}")
        if self.output is not None:
            state = "written" if self.changed else "unchanged"
            lines.append(f"  {state}: {self.output}")
        return "\n".join(lines)


Triple = tuple[Node, Node, Node]


class Triples(set[Triple]):
    """The triples of the graph an importer builds: ``add((s, p, o))`` as on an rdflib Graph.

    An import only adds triples and then writes them, so a plain set is enough: the indexes
    and events of rdflib's memory store took most of the time of the France-wide import.
    Duplicates are dropped by the same term equality as in a Graph.
    """


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while an import builds and writes its graph.

    The hundreds of thousands of tuples and terms of a France-wide import live until the file
    is written, and each collection would walk them all again (a third of the import time).
    They hold no reference cycles: reference counting frees them all the same.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
