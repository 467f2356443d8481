"""The parser the commands register on: an ``argparse.ArgumentParser`` whose arguments may
be added only when the command is used.

A command's arguments that can only be known by importing a heavy module (the open-data
sources of ``aula-kg import``, which import every importer) are added by a function given
to :meth:`CommandParser.add_arguments_later`; it runs when that command's arguments are
parsed or its help is printed, never for another command, ``--help`` or ``--version``
(start-up time, issue 17). The help text is the same either way.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any


class CommandParser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._later: list[Callable[[argparse.ArgumentParser], None]] = []

    def add_arguments_later(self, add: Callable[[argparse.ArgumentParser], None]) -> None:
        """Call ``add(self)`` before this parser first parses or prints its help."""
        self._later.append(add)

    def _complete(self) -> None:
        while self._later:
            self._later.pop(0)(self)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self._complete()
        return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        self._complete()
        return super().format_usage()

    def format_help(self) -> str:
        self._complete()
        return super().format_help()
