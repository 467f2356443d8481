"""Planners' commands: the actions spreadsheet, boundaries, and pictures.

- ``aula-kg template actions [--out FILE.csv|.xlsx]``: the empty template;
- ``aula-kg export actions [--out FILE.csv|.xlsx]``: the current actions in that format;
- ``aula-kg import actions FILE [--dry-run] [--lang fr|en] [--no-build] [--force]
  [--censuses FILE.csv]``: validate the filled template (and its census sheet), merge it
  with what changed since its export, write ``data/actions.ttl`` (and ``data/censuses.ttl``)
  and rebuild (exit 1 with the list of errors or conflicts, 2 when the file cannot be read;
  nothing is written in either case; ``--force`` imposes the file over later changes);
- ``aula-kg import boundaries PATH``: the AULA communes' outlines from a 2018 commune
  GeoJSON, mapped to today's communes, into ``data/opendata/communes-aula.geojson``;
- ``aula-kg picture {coverage,map,dossier} [--territory T] --out FILE.svg|.png``.

``import`` is shared with the open-data importers (commands/imports.py): this module adds
``actions`` and ``boundaries`` to its choices and hands the other sources back unchanged.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

MINE = ("actions", "boundaries")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "template", help="write the spreadsheet template for actions (CSV, or XLSX by suffix)"
    )
    p.add_argument("what", choices=["actions"])
    p.add_argument("--out", type=Path, default=None,
                   help="FILE.csv or FILE.xlsx (default: CSV on standard output)")
    p.add_argument("--lang", choices=["fr", "en"], default="fr", help="language of the headers")
    p.set_defaults(handler=cmd_template)

    p = subparsers.add_parser(
        "export", help="export the current actions in the template format (CSV or XLSX)"
    )
    p.add_argument("what", choices=["actions"])
    p.add_argument("--out", type=Path, default=None,
                   help="FILE.csv or FILE.xlsx (default: CSV on standard output)")
    p.add_argument("--lang", choices=["fr", "en"], default="fr", help="language of the headers")
    p.set_defaults(handler=cmd_export)

    p = subparsers.add_parser(
        "picture",
        help="draw the coverage heatmap, the territory map or a dossier's bar chart (SVG/PNG)",
    )
    p.add_argument("kind", choices=["coverage", "map", "dossier"])
    p.add_argument("--territory", "-t", default=None,
                   help="commune, pair or EPCI (required for dossier; map: zoom on it)")
    p.add_argument("--out", type=Path, required=True, help="FILE.svg or FILE.png")
    p.add_argument("--lang", choices=["fr", "en"], default="fr")
    p.set_defaults(handler=cmd_picture)


def _write_bytes(data: bytes | None, out: Path | None) -> None:
    if data is not None and out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def cmd_template(args: argparse.Namespace) -> int:
    from ..imports.actions import template_resolver, write_table

    resolver = template_resolver() if args.out and args.out.suffix.lower() == ".xlsx" else None
    _write_bytes(write_table([], args.out, args.lang, resolver), args.out)
    if args.out:
        print(f"template written to {args.out}", file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from ..config import Settings
    from ..imports.actions import export_actions

    xlsx = bool(args.out and args.out.suffix.lower() == ".xlsx")
    data, count, warnings = export_actions(Settings.from_env(), args.out, args.lang,
                                           with_resolver=xlsx)
    _write_bytes(data, args.out)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.out:
        print(f"{count} actions written to {args.out}", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from ..config import Settings
    from ..errors import InputError
    from ..messages import render

    if args.file is None:
        raise InputError(code="import.missing_file", source=args.source)
    settings = Settings.from_env()
    if args.source == "boundaries":
        from ..imports.boundaries import import_boundaries

        report = import_boundaries(args.file, settings)
        print("\n".join(report.lines()))
        return 0
    from ..imports.actions import import_actions

    lang = args.lang
    result = import_actions(args.file, settings, dry_run=args.dry_run,
                            rebuild=not args.no_build, lang=lang,
                            force=getattr(args, "force", False),
                            censuses_file=getattr(args, "censuses", None))
    for name in result.ignored_columns:
        print(render("actions.ignored_column", {"column": name}, lang), file=sys.stderr)
    print(render("actions.result", {"path": args.file, "rows": result.rows,
                                    "summary": result.diff.summary(lang)}, lang))
    print("\n".join(result.diff.lines(lang)) or render("actions.nothing_changes", {}, lang))
    if not result.censuses.empty:
        print(render("actions.census_diff", {"summary": result.censuses.summary(lang)}, lang))
        print("\n".join(result.censuses.lines(lang)))
    for line in merge_lines(result.merge, lang):
        print(line)
    if args.dry_run:
        print(render("actions.dry_run", {}, lang))
    elif result.written:
        print(render("actions.written", {"path": result.path}, lang))
        if result.build_lines:
            print(result.build_lines[0])
    return 0


def merge_lines(report, lang: str) -> list[str]:
    """What an import from an older export took from the current version."""
    from ..imports.actions.columns import ALL_COLUMNS
    from ..messages import render

    out = []
    for key, columns in report.kept_cells:
        names = ", ".join(ALL_COLUMNS[c].header(lang) for c in columns)
        out.append(render("actions.merged_cells", {"action": key, "columns": names}, lang))
    for key in report.kept_rows:
        code = "actions.merged_row_added" if key.startswith("+") else "actions.merged_row_removed"
        out.append(render(code, {"action": key[1:]}, lang))
    return out


def cmd_picture(args: argparse.Namespace) -> int:
    from .. import pictures
    from ..config import Settings

    settings = Settings.from_env()
    svg = pictures.render(args.kind, settings, territory=args.territory, lang=args.lang)
    pictures.save(svg, args.out)
    print(f"{args.kind}: {args.out}", file=sys.stderr)
    return 0
