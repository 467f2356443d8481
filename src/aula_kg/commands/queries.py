"""Stored-query commands: ``aula-kg queries`` lists the catalogue, ``aula-kg query`` runs one
(``--format xlsx --out F``: the pages' spreadsheet, through aula_kg.exports).

The handlers import what they run (the catalogue, the answering service, the store;
openpyxl only for a spreadsheet): registering costs nothing at start-up (issue 17).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..answering import StoredQueries


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("queries", help="list the stored queries (name, title, parameters)")
    p.add_argument("--lang", choices=["fr", "en"], default="fr")
    p.set_defaults(handler=cmd_queries)

    p = subparsers.add_parser(
        "query",
        help="run a stored query (exit 0 ok, 2 bad parameters, 3 no usable graph)",
    )
    p.add_argument("name", help="the query's name (see 'aula-kg queries')")
    p.add_argument(
        "--param", "-p", action="append", default=[], metavar="KEY=VALUE",
        help="a parameter value; repeatable (e.g. -p territory=Lens-Liévin)",
    )
    p.add_argument("--format", choices=["table", "csv", "json", "md", "xlsx", "excel-csv"],
                   default="table",
                   help="xlsx and excel-csv: a spreadsheet with French headings (and, for xlsx, "
                        "a sheet saying what was asked), written to --out")
    p.add_argument("--out", metavar="FILE",
                   help="where xlsx or excel-csv goes (default: a file named after the "
                        "question and its parameters, in the current directory)")
    p.add_argument(
        "--endpoint", metavar="URL",
        help="run on a remote SPARQL 1.1 server instead of the built graph (AULA_KG_ENDPOINT)",
    )
    p.set_defaults(handler=cmd_query)


def cmd_queries(args: argparse.Namespace) -> int:
    from ..config import Settings
    from ..prepared import catalog as prepared_catalog

    catalog = prepared_catalog(Settings.from_env())
    for query in catalog:
        params = ", ".join(
            f"{p.name}{'' if p.required else '?'}:{p.type}" for p in query.parameters
        )
        print(f"{query.name:<44} {query.title[args.lang]}")
        if params:
            print(f"{'':<44}   parameters: {params}")
    return 0


def parse_params(pairs: list[str]) -> dict[str, str]:
    from ..errors import ParameterError

    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ParameterError(code="parameter.not_key_value", given=pair)
        if key in params:
            raise ParameterError(code="parameter.twice", parameter=key)
        params[key] = value
    return params


def cmd_query(args: argparse.Namespace) -> int:
    import dataclasses

    from ..answering import StoredQueries
    from ..config import Settings
    from ..errors import AmbiguousName
    from ..store import open_store

    settings = Settings.from_env()
    if getattr(args, "endpoint", None):
        settings = dataclasses.replace(settings, endpoint=args.endpoint)
    from ..prepared import catalog as prepared_catalog

    catalog = prepared_catalog(settings)
    query = catalog.get(args.name)
    params = parse_params(args.param)
    # The same answer as the server's, in this process: no worker processes for one query.
    service = StoredQueries.in_process(open_store(settings), settings, catalog=catalog)
    try:
        answer = service.answer_sync(query, params)
    except AmbiguousName as exc:
        print(f"aula-kg: {exc.message}", file=sys.stderr)
        for iri, label in exc.candidates:
            print(f"  {label}\t{iri}", file=sys.stderr)
        return exc.exit_code
    for note in answer.notes:
        print(f"aula-kg: note: {note}", file=sys.stderr)
    for warning in answer.warnings:
        print(f"aula-kg: warning: {warning}", file=sys.stderr)
    result = answer.table
    if args.format in SPREADSHEETS:
        return write_spreadsheet(service, query, params, result, args)
    if isinstance(result, bool):
        print("true" if result else "false")
    else:
        from ..output import write_table

        write_table(result, args.format, sys.stdout)
    return 0


#: Spreadsheet formats -> file extension (aula_kg.exports writes them).
SPREADSHEETS = {"xlsx": "xlsx", "excel-csv": "csv"}


def write_spreadsheet(service: StoredQueries, query, params: dict[str, str], result,
                      args: argparse.Namespace) -> int:
    """The answer as a spreadsheet file (the pages' downloads, from the command line)."""
    import datetime

    from .. import exports
    from ..files import write_atomically
    from ..messages import render as render_message
    from ..output import display

    extension = SPREADSHEETS[args.format]
    write = exports.to_xlsx if args.format == "xlsx" else exports.to_csv
    names = service.names()

    def label(iri) -> str:
        found = names.candidate(iri)
        return found.label if found is not None else display(iri)

    now = datetime.datetime.now().replace(microsecond=0)
    sheet = exports.sheet_for(query, result, params, label=label,
                              sources=exports.sources_of(service.store), asked=now)
    path = Path(args.out) if args.out else Path(
        exports.file_name(query, params, now.date(), extension))
    write_atomically(path, write(sheet))
    print(render_message("actions.written", {"path": str(path)}, "fr"), file=sys.stderr)
    return 0
