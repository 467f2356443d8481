"""What a long command is doing (a France-wide import, a national build), told on stderr.

On a terminal, a progress bar over the command's steps, with the records read so far in
the current step (rich, imported only then: the short commands never pay for it). Anywhere
else (CI logs, pipes, files), one plain line as each step starts, so that a log says what
the command was doing when it stopped: ``build 3/6: reason``. ``AULA_KG_PROGRESS`` forces
``bar``, ``lines`` or ``off``. Nothing is written to stdout, whose contract (the build's
summary, a query's answer) stays the commands'.

:class:`Steps` also times each step: the build's summary reports those seconds.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import IO, Any

from .messages import render

#: The environment variable that forces a mode.
ENV = "AULA_KG_PROGRESS"
MODES = ("bar", "lines", "off")


def choose_mode(stream: IO[str], environ: Mapping[str, str] | None = None) -> str:
    """``bar`` on a terminal, ``lines`` elsewhere, unless ``AULA_KG_PROGRESS`` says."""
    environ = os.environ if environ is None else environ
    forced = environ.get(ENV, "").strip().lower()
    if forced in MODES:
        return forced
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        terminal = False
    return "bar" if terminal and environ.get("TERM") != "dumb" else "lines"


class Steps:
    """The named steps of one command, in order: ``with steps.step("read"): ...``.

    A step not named up front is added at the end of the list when it starts (a build
    whose later stage adds a step of its own still counts right).
    """

    def __init__(self, title: str, names: Sequence[str], *, stream: IO[str] | None = None,
                 mode: str | None = None, quiet: bool = False) -> None:
        self.title = title
        self.names = list(names)
        self.stream = stream if stream is not None else sys.stderr
        self.mode = "off" if quiet else (mode or choose_mode(self.stream))
        #: Seconds spent in each step (a step run twice adds up).
        self.seconds: dict[str, float] = {}
        self._bar: _Bar | None = None

    def __enter__(self) -> Steps:
        if self.mode == "bar":
            self._bar = _Bar(self.title, len(self.names), self.stream)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    @contextmanager
    def step(self, name: str) -> Iterator[Steps]:
        if name not in self.names:
            self.names.append(name)
        index = self.names.index(name) + 1
        values = {"title": self.title, "index": index, "total": len(self.names), "step": name}
        if self.mode == "lines":
            print(render("progress.step", values), file=self.stream, flush=True)
        elif self._bar is not None:
            self._bar.start(f"{self.title}: {name}", len(self.names))
        started = time.perf_counter()
        try:
            yield self
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
            if self._bar is not None:
                self._bar.done()

    def count(self, done: int) -> None:
        """Records handled so far in the current step (shown on the bar only)."""
        if self._bar is not None:
            self._bar.count(done)


class _Bar:
    """rich's progress display: one bar over the steps, the current step's records."""

    def __init__(self, title: str, total: int, stream: IO[str]) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress: Any = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[records]}"), TimeElapsedColumn(),
            console=Console(file=stream), redirect_stdout=False, redirect_stderr=True,
        )
        self._task = self._progress.add_task(title, total=total, records="")
        self._progress.start()

    def start(self, description: str, total: int) -> None:
        self._progress.update(self._task, description=description, total=total, records="")
        self._progress.refresh()  # at once: a step may be over before the next redraw

    def count(self, done: int) -> None:
        self._progress.update(self._task, records=f"{done:,}")

    def done(self) -> None:
        self._progress.update(self._task, advance=1, records="")

    def close(self) -> None:
        self._progress.stop()
