"""The parser the commands register on: an ``argparse.ArgumentParser`` whose arguments may
be added only when the command is used.

A command's arguments that can only be known by importing a heavy module (the open-data
sources of ``aula-kg import``, which import every importer) are given to
:func:`add_arguments_later`; on a :class:`CommandParser` (the one ``aula_kg.cli`` makes)
they are added when that command's arguments are parsed or its help is printed, never for
another command, ``--help`` or ``--version`` (start-up time, issue 17). The help text is the
same either way; on any other parser they are added at once.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

AddArguments = Callable[[argparse.ArgumentParser], None]


class CommandParser(argparse.ArgumentParser):
    """Adds the arguments given to :func:`add_arguments_later` before it first parses or
    prints its help."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._later: list[AddArguments] = []

    def _complete(self) -> None:
        while self._later:
            self._later.pop(0)(self)

    def parse_known_args(self, *args: Any, **kwargs: Any) -> Any:  # argparse's overloads
        self._complete()
        return super().parse_known_args(*args, **kwargs)

    def format_usage(self) -> str:
        self._complete()
        return super().format_usage()

    def format_help(self) -> str:
        self._complete()
        return super().format_help()


def add_arguments_later(parser: argparse.ArgumentParser, add: AddArguments) -> None:
    """``add(parser)`` before ``parser`` first parses or prints its help (at once when it
    is not a CommandParser, such as a test's own parser)."""
    if isinstance(parser, CommandParser):
        parser._later.append(add)
    else:
        add(parser)
