"""The ``aula-kg`` command line: thin commands over plain functions.

Each feature module exposes ``register(subparsers)`` which adds its commands; a command's
handler returns an exit code. Errors of the AulaKgError family become one-line messages on
stderr with their exit code, never tracebacks.

Start-up is kept short (issue 17): registering a command imports nothing heavy (rdflib,
pyshacl, the web stack, the build, the importers); each handler imports what it needs when
it runs, and arguments that need a heavy module are added only when their command is used
(commands.parser). ``tests/test_cli_imports.py`` checks it.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__
from .commands.parser import CommandParser

#: Modules whose ``register(subparsers)`` adds commands, in help order.
COMMAND_MODULES = [
    "aula_kg.commands.graph",  # build, validate, sparql
    "aula_kg.commands.queries",  # queries, query
    "aula_kg.commands.ask",  # ask
    "aula_kg.commands.imports",  # import (open data, actions, boundaries)
    "aula_kg.commands.actions",  # template, export, picture
    "aula_kg.commands.serve",
    "aula_kg.commands.publish",
    "aula_kg.commands.where",
]


def make_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="aula-kg",
        description="Knowledge graph of town-centre revitalisation (AULA): build, validate, "
        "query and serve it.",
    )
    parser.add_argument("--version", action="version", version=f"aula-kg {__version__}")
    parser.add_argument(
        "--home", metavar="DIR",
        help="data directory: builds go to DIR/build, and DIR's own ontology/, shapes/, "
        "queries/, data/ folders replace the shipped ones (default: AULA_KG_HOME, else the "
        "checkout, else $XDG_DATA_HOME/aula-kg or ~/.local/share/aula-kg; see 'aula-kg where')",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    # After parsing: --help and --version need neither.
    from .config import home_option
    from .errors import AulaKgError

    try:
        if args.home is None:
            return int(args.handler(args) or 0)
        with home_option(args.home):
            return int(args.handler(args) or 0)
    except AulaKgError as exc:
        print(f"aula-kg: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("aula-kg: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
