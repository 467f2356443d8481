"""Stored-query commands: ``aula-kg queries`` lists the catalogue, ``aula-kg query`` runs one."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from ..answering import StoredQueries
from ..catalog import Catalog
from ..config import Settings
from ..errors import AmbiguousName, ParameterError
from ..output import write_table
from ..store import open_store


def register(subparsers) -> None:
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
    p.add_argument("--format", choices=["table", "csv", "json", "md"], default="table")
    p.add_argument(
        "--endpoint", metavar="URL",
        help="run on a remote SPARQL 1.1 server instead of the built graph (AULA_KG_ENDPOINT)",
    )
    p.set_defaults(handler=cmd_query)


def cmd_queries(args: argparse.Namespace) -> int:
    catalog = Catalog.load(Settings.from_env().queries_dir)
    for query in catalog:
        params = ", ".join(
            f"{p.name}{'' if p.required else '?'}:{p.type}" for p in query.parameters
        )
        print(f"{query.name:<44} {query.title[args.lang]}")
        if params:
            print(f"{'':<44}   parameters: {params}")
    return 0


def parse_params(pairs: list[str]) -> dict[str, str]:
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
    settings = Settings.from_env()
    if getattr(args, "endpoint", None):
        settings = dataclasses.replace(settings, endpoint=args.endpoint)
    catalog = Catalog.load(settings.queries_dir)
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
    if isinstance(result, bool):
        print("true" if result else "false")
    else:
        write_table(result, args.format, sys.stdout)
    return 0
