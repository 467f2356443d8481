"""``aula-kg publish``: send the built graphs to a SPARQL server (Graph Store Protocol)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "publish",
        help="send the built graph to a SPARQL server, one named graph per PUT",
        description="Replace each named graph of the built artefact on the server with the "
        "SPARQL 1.1 Graph Store Protocol (one PUT per graph, atomic per graph), then their "
        "union (urn:x-aula-kg:union), which 'serve/query --endpoint' use as the default "
        "graph. Digest or basic authentication with --user/--password.",
    )
    p.add_argument("--endpoint", metavar="URL", help="the server's query URL (AULA_KG_ENDPOINT)")
    p.add_argument("--graph-store", metavar="URL",
                   help="its Graph Store URL (default: /store beside Oxigraph's /query, "
                   "/sparql-graph-crud-auth beside Virtuoso's /sparql)")
    p.add_argument("--user", help="user name (AULA_KG_ENDPOINT_USER)")
    p.add_argument("--password", help="password (AULA_KG_ENDPOINT_PASSWORD; asked if absent)")
    p.add_argument("--graph", type=Path, metavar="FILE", help="N-Quads file (default: the build)")
    p.add_argument("--no-union-graph", action="store_true",
                   help="do not write the union of the graphs (urn:x-aula-kg:union)")
    p.set_defaults(handler=cmd_publish)


def cmd_publish(args: argparse.Namespace) -> int:
    import getpass

    from ..config import Settings
    from ..errors import GraphUnavailable
    from ..store.remote import publish

    settings = Settings.from_env()
    endpoint = args.endpoint or settings.endpoint
    if not endpoint:
        raise GraphUnavailable("no server: give --endpoint URL or set AULA_KG_ENDPOINT")
    path = args.graph or settings.graph_file
    if not path.is_file():
        raise GraphUnavailable(f"no built graph at {path}: run 'aula-kg build' first")
    user = args.user or settings.endpoint_user
    password = args.password or settings.endpoint_password
    if user and password is None:
        password = getpass.getpass(f"password for {user}: ")
    sent = publish(
        path, endpoint, graph_store=args.graph_store or settings.endpoint_graph_store,
        user=user, password=password,
        union_graph=not args.no_union_graph,
    )
    for graph, count in sent.items():
        print(f"  {graph:<60} {count:>9}")
    print(f"published {len(sent)} graph(s) to {endpoint}")
    return 0
