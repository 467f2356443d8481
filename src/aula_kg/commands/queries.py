"""Stored-query commands: ``aula-kg queries`` lists the catalogue, ``aula-kg query`` runs one."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from .. import federation
from ..catalog import Catalog, run_query
from ..config import Settings
from ..errors import AmbiguousName, ParameterError, QueryRejected
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
            raise ParameterError(f"--param expects KEY=VALUE, got {pair!r}")
        if key in params:
            raise ParameterError(f"parameter '{key}' is given twice")
        params[key] = value
    return params


def _run(store, query, params, settings):
    """A stored query's answer; a federated one is enriched when its service is configured
    and allowed, and otherwise answers from the local graph alone, saying why."""
    declared = federation.declared(query)
    if declared is None:
        return run_query(store, query, params)
    try:
        federation.endpoint_for(declared, settings)
    except QueryRejected as exc:
        print(f"aula-kg: note: answering without enrichment: {exc.message}", file=sys.stderr)
        return run_query(store, query, params)
    answer = federation.run_federated(store, query, params, settings)
    for warning in answer.warnings:
        print(f"aula-kg: warning: {warning}", file=sys.stderr)
    return answer.result


def cmd_query(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if getattr(args, "endpoint", None):
        settings = dataclasses.replace(settings, endpoint=args.endpoint)
    catalog = Catalog.load(settings.queries_dir)
    query = catalog.get(args.name)
    params = parse_params(args.param)
    store = open_store(settings)
    try:
        result = _run(store, query, params, settings)
    except AmbiguousName as exc:
        print(f"aula-kg: {exc.message}", file=sys.stderr)
        for iri, label in exc.candidates:
            print(f"  {label}\t{iri}", file=sys.stderr)
        return exc.exit_code
    if isinstance(result, bool):
        print("true" if result else "false")
    else:
        write_table(result, args.format, sys.stdout)
    return 0
