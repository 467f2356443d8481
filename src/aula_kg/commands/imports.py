"""``aula-kg import SOURCE``: open-data importers, and the planners' files.

Open data (the sources of :mod:`aula_kg.imports.registry`, or ``all``) reads snapshots with
``--from``; the planners' files (``actions``, a filled spreadsheet; ``boundaries``, commune
outlines) are given as ``FILE`` and handled by :mod:`aula_kg.commands.actions`.

The shipped AULA slice is regenerated with::

    aula-kg import all --scope aula --from ../shared/opendata --out data/opendata

and the national graph, built on demand (not committed), with::

    aula-kg import all --scope france --from ../shared/opendata --out build/opendata
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import actions as planners_files
from .parser import add_arguments_later


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "import",
        help="import open government data into named graphs, "
        "or the planners' files (actions, boundaries)",
    )
    # The sources' names and summaries come from the registry, which imports every
    # importer: read only when 'import' is used (start-up time, issue 17).
    add_arguments_later(parser, _add_arguments)
    parser.set_defaults(handler=handle)


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..imports import registry
    from ..imports.territory import SCOPES

    parser.description = (
        "Read the open-data snapshots (a directory, or one source's file) and "
        "write each source's named graph to OUT/<source>.trig, atomically. Bad input stops "
        "with file:line and exit code 2; the previous files are left untouched. Sources: "
        f"{registry.help_text()}. Planners' "
        "files: 'import actions FILE' (spreadsheet of actions), 'import boundaries "
        "FILE.geojson' (commune outlines for the map)."
    )
    parser.add_argument(
        "source", choices=(*registry.names(), "all", *planners_files.MINE),
        help="which source, or all"
    )
    parser.add_argument(
        "file", nargs="?", type=Path, default=None, metavar="FILE",
        help="actions: the filled template (.csv/.xlsx); boundaries: a commune GeoJSON",
    )
    parser.add_argument("--dry-run", action="store_true",
                        help="actions: show what would be added, changed, removed; write nothing")
    parser.add_argument("--lang", choices=["fr", "en"], default="fr",
                        help="actions: language of the messages")
    parser.add_argument("--no-build", action="store_true",
                        help="actions: write data/actions.ttl without rebuilding the graph")
    parser.add_argument("--force", action="store_true",
                        help="actions: impose the file over changes made since its export")
    parser.add_argument("--censuses", type=Path, default=None, metavar="FILE.csv",
                        help="actions: the census file (default: FILE-recensements.csv beside "
                        "a CSV, the sheet 'recensements' of a workbook)")
    parser.add_argument(
        "--from",
        dest="from_path",
        type=Path,
        default=None,
        help="directory of snapshots or one source's file (default: ../shared/opendata, "
        "or $AULA_KG_SHARED/opendata)",
    )
    parser.add_argument(
        "--scope",
        choices=SCOPES,
        default="aula",
        help="aula: the five EPCI and their communes (default); france: all",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output directory (default: data/opendata for aula, build/opendata for france)",
    )
    parser.add_argument(
        "--cog",
        type=Path,
        default=None,
        help="Etalab decoupage-administratif directory used to resolve codes "
        "and the scope (default: the one beside --from)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress or summary")


def handle(args: argparse.Namespace) -> int:
    if args.source in planners_files.MINE:
        return planners_files.cmd_import(args)
    from ..config import Settings
    from ..errors import InputError
    from ..imports import run, run_all

    if args.file is not None:
        raise InputError(code="import.unexpected_file", source=args.source, file=args.file)
    settings = Settings.from_env()
    from_path = args.from_path or settings.opendata_dir
    out = args.out or (
        settings.data_dir / "opendata" if args.scope == "aula" else settings.build_dir / "opendata"
    )
    started = time.monotonic()
    if args.source == "all":
        reports = run_all(from_path, out, scope=args.scope, cog=args.cog, quiet=args.quiet)
    else:
        reports = [
            run(
                args.source,
                from_path,
                out,
                scope=args.scope,
                cog=args.cog,
                fallback_dir=settings.opendata_dir,
                quiet=args.quiet,
            )
        ]
    if not args.quiet and len(reports) > 1:
        triples = sum(r.triples for r in reports)
        print(
            f"all: {len(reports)} sources, {triples:,} triples, "
            f"{time.monotonic() - started:.1f} s -> {out}",
            file=sys.stderr,
        )
    return 0
