"""``aula-kg serve``: the read-only SPARQL endpoint over the built graph."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import Settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve the graph over the SPARQL 1.1 Protocol (read-only)",
        description="Serve the built graph at http://HOST:PORT/sparql: read-only, each query "
        "time-limited and row-capped (AULA_KG_QUERY_TIMEOUT, AULA_KG_MAX_ROWS), SERVICE "
        "limited to AULA_KG_ALLOWED_SERVICES.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default %(default)s)"
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default %(default)s)")
    parser.add_argument(
        "--graph",
        type=Path,
        metavar="FILE",
        help="graph to serve (N-Quads, TriG, Turtle or N-Triples); default: the built graph",
    )
    parser.add_argument(
        "--workers", type=int, metavar="N", help="query worker processes (default: 2 to 4)"
    )
    parser.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="time limit of a query (default 5)"
    )
    parser.add_argument("--access-log", action="store_true", help="log every request")
    parser.add_argument(
        "--endpoint", metavar="URL",
        help="serve a remote SPARQL 1.1 server instead of the built graph (AULA_KG_ENDPOINT); "
        "queries are checked here and forwarded",
    )
    parser.set_defaults(handler=_run)


def serve(
    settings: Settings,
    *,
    graph: Path | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int | None = None,
    access_log: bool = False,
) -> None:
    """Load the graph and serve it until interrupted."""
    import uvicorn

    from ..store import EmbeddedStore, open_store
    from ..web.app import create_app

    if graph is None:
        store = open_store(settings)  # the remote server, or the prebuilt store
    else:
        store = EmbeddedStore.from_file(graph)
    app = create_app(settings, store, workers=workers)
    uvicorn.run(app, host=host, port=port, access_log=access_log, log_level="info")


def _run(args: argparse.Namespace) -> int:
    import dataclasses

    from ..config import Settings

    settings = Settings.from_env()
    if args.timeout is not None:
        settings = dataclasses.replace(settings, query_timeout=args.timeout)
    if args.endpoint:
        settings = dataclasses.replace(settings, endpoint=args.endpoint)
    serve(
        settings,
        graph=args.graph,
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=args.access_log,
    )
    return 0
