"""What runs inside a query worker process (store.workers starts them): open the graph,
say ready, then check, run and answer one request at a time until the server goes away.

Kept apart from the pool so that a worker imports only what it needs to answer, and the
pool's module stays about the pool.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from ..errors import AulaKgError, NotAcceptable, QueryFailed, QueryRejected, UpdateRefused
from ..sparql_policy import Policy, make_checker
from .execution import execute, local_graph_names
from .terms import with_union_default_graph


def load_snapshot(path: str | os.PathLike[str]) -> ox.Store:
    """The worker's store: a prebuilt on-disk store (a directory) opened read-only, or an
    N-Quads snapshot loaded in memory, its default graph holding the union of the named
    graphs (as the EmbeddedStore does) when the snapshot has none."""
    if Path(path).is_dir():
        return ox.Store.read_only(str(path))
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.N_QUADS)
    return with_union_default_graph(store)


ERROR_CODES: dict[type[AulaKgError], str] = {
    UpdateRefused: "update",
    NotAcceptable: "not_acceptable",
    QueryRejected: "rejected",
    QueryFailed: "failed",
}
ERROR_CLASSES = {code: cls for cls, code in ERROR_CODES.items()}


def _die_with_parent() -> None:
    """Exit when the server process goes away, even in the middle of a long query (an idle
    worker sees EOF on its socket; a busy one is caught by this watchdog)."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


#: Stack of the thread that runs queries in a worker. pyoxigraph's parser and evaluator
#: recurse over the query's tree: a chain of 20,000 UNIONs overflows the usual 8 MiB and
#: kills the process. The memory is virtual: only the pages a query touches are used.
WORKER_STACK_BYTES = 1 << 30


def main() -> None:  # pragma: no cover - runs in the worker process
    """The worker's command line: socket fd, snapshot path, max rows, allowed endpoints."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fd, snapshot, max_rows, allowed = sys.argv[1:5]
    args = (Connection(int(fd)), snapshot, tuple(json.loads(allowed)), int(max_rows))
    try:
        threading.stack_size(WORKER_STACK_BYTES)
    except (ValueError, RuntimeError):  # pragma: no cover - platform without the option
        _worker_main(*args)
        return
    thread = threading.Thread(target=_worker_main, args=args, name="query-runner")
    thread.start()
    thread.join()


def _worker_main(conn: Connection, snapshot: str, allowed: tuple[str, ...], max_rows: int) -> None:
    """A worker: load the snapshot, say ready, then answer requests until EOF."""
    _die_with_parent()
    try:
        store = load_snapshot(snapshot)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which gives up
        conn.send_bytes(pickle.dumps(("failed", f"cannot load the graph snapshot: {exc}")))
        return
    policy = Policy(frozenset(allowed), local_graph_names(store), max_rows)
    checker = make_checker(policy)
    conn.send_bytes(b"ready")
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            return
        request = pickle.loads(message)
        reply: tuple[str, str, str, bytes, bool] | tuple[str, str]  # ok, or (code, message)
        try:
            out = execute(store, request, policy, checker)
            reply = ("ok", out.kind, out.media_type, out.body, out.truncated)
        except AulaKgError as exc:
            code = next((c for cls, c in ERROR_CODES.items() if isinstance(exc, cls)), "failed")
            reply = (code, exc.message)
        except Exception as exc:  # noqa: BLE001 - never let one query end the worker
            reply = ("failed", f"the query could not be evaluated: {type(exc).__name__}")
        try:
            conn.send_bytes(pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))
        except (EOFError, OSError):
            return
