"""Commands on the graph itself: build, validate, sparql.

Registering them imports nothing heavy: each handler imports what it runs (the build and
pySHACL for build and validate; the store, the policy lexer and the output for sparql), and
``--reasoner``'s engines are added when ``build`` is used (start-up time, issue 17).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .parser import add_arguments_later

if TYPE_CHECKING:
    from rdflib.term import Node


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "build", help="ontology + data -> reasoned, validated graph artefact (build/aula-kg.nq)"
    )
    p.add_argument(
        "--with", dest="extra", action="append", type=Path, default=[], metavar="FILE",
        help="add a quad file (e.g. a national import in build/opendata/); repeatable",
    )
    add_arguments_later(p, _add_reasoner)
    p.set_defaults(handler=cmd_build)

    p = subparsers.add_parser(
        "validate",
        help="check data against the shapes (exit 0 conforms, 1 violations, 2 unreadable input)",
    )
    p.add_argument("files", nargs="*", type=Path, help="RDF files; default: the project's data")
    p.add_argument("--lang", choices=["fr", "en"], default="en", help="language of the messages")
    p.set_defaults(handler=cmd_validate)

    p = subparsers.add_parser("sparql", help="run an ad-hoc SPARQL query on the built graph")
    p.add_argument("query", help="the query text, or @FILE to read it from a file")
    p.add_argument("--format", choices=["table", "csv", "json", "md"], default="table")
    p.set_defaults(handler=cmd_sparql)


def _add_reasoner(parser: argparse.ArgumentParser) -> None:
    from .. import reasoning  # rdflib: only when 'build' is used

    parser.add_argument(
        "--reasoner", choices=reasoning.ENGINES, default=reasoning.DEFAULT_ENGINE,
        help="OWL 2 RL engine: rules (SPARQL rules in pyoxigraph, default), reasonable, owlrl",
    )


def cmd_build(args: argparse.Namespace) -> int:
    from ..build import build
    from ..config import Settings

    summary = build(Settings.from_env(), args.extra, reasoner=args.reasoner)
    print("\n".join(summary.lines()))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from .. import vocab
    from ..build import data_graph, validate_sources
    from ..config import Settings
    from ..sources import load_sources, parse_file
    from ..validation import validate_graph

    settings = Settings.from_env()
    sources = load_sources(settings)
    if not args.files:
        report = validate_sources(sources)
    else:
        # The given files are checked together with the project's data, so that references
        # to communes, programmes or recommendations resolve; only results whose focus node
        # the given files describe are reported.
        data = data_graph(sources) + sources.graph(vocab.ONTOLOGY_GRAPH)
        described: dict[Node, set[str]] = {}
        for path in args.files:
            graph = parse_file(path)
            for triple in graph:
                data.add(triple)
            for subject in set(graph.subjects()):
                described.setdefault(subject, set()).add(str(path))
        report = validate_graph(
            data,
            sources.graph(vocab.SHAPES_GRAPH),
            ontology=sources.graph(vocab.ONTOLOGY_GRAPH),
            files_of=lambda focus: sorted(described.get(focus, ())),
        )
        report.violations = [v for v in report.violations if v.files]
        report.conforms = not any(v.severity == "Violation" for v in report.violations)
    for line in report.lines(args.lang):
        print(line)
    errors = sum(1 for v in report.violations if v.severity == "Violation")
    if report.conforms:
        print("conforms" if args.lang == "en" else "conforme", file=sys.stderr)
        return 0
    print(f"{errors} violation(s)", file=sys.stderr)
    return 1


def cmd_sparql(args: argparse.Namespace) -> int:
    import asyncio
    import json

    from ..config import Settings
    from ..errors import InputError
    from ..messages import render
    from ..store import QueryRequest, open_executor, open_store

    text = args.query
    if text.startswith("@"):
        path = Path(text[1:])
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        text = path.read_text(encoding="utf-8")
    settings = Settings.from_env()
    store = open_store(settings)
    # The endpoint's rules hold here too (no update, no SERVICE/FROM that would fetch, the
    # row cap), applied by the same executor code, in this process: no worker to start.
    executor = open_executor(store, settings, in_process=True)
    request = QueryRequest(text, results_format="json", graph_format="turtle")
    out = asyncio.run(executor.run(request))
    if out.kind == "boolean":
        print("true" if json.loads(out.body)["boolean"] else "false")
    elif out.kind == "graph":
        sys.stdout.write(out.body.decode("utf-8"))
    else:
        from ..output import write_table
        from ..store.execution import read_table

        table = read_table(out)
        if isinstance(table, bool):  # not reached: a boolean answer is the first case
            print("true" if table else "false")
        else:
            write_table(table, args.format, sys.stdout)
    if out.truncated:
        print(render("query.truncated", {"rows": settings.max_rows}, "en"), file=sys.stderr)
    return 0


