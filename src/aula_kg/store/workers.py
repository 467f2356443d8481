"""The worker pool: user queries on the embedded store, each in a process that can be killed.

pyoxigraph has no query timeout, and one ``next()`` on an aggregate over a cartesian
product can run for minutes, so a thread cannot be stopped. Queries therefore run in a
small pool of worker processes (:class:`WorkerPool`), each opening the prebuilt on-disk
store read-only (or, for a graph given as a file, loading the same N-Quads snapshot). A
query that passes its deadline has its worker killed (SIGKILL) and replaced; the client
gets :class:`QueryTimeout` and the other workers keep serving. Each worker checks the query
(sparql_policy) and runs it (store.execution.execute); answers are capped at ``max_rows``.
The answer cache is not here: it wraps any executor (answers.CachedPool).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import os
import pickle
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Iterable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol, TypedDict, Unpack

import pyoxigraph as ox

from ..errors import (
    QueryFailed,
    QueryTimeout,
    ServerBusy,
)
from .base import CacheStats, CappedOutput, QueryRequest
from .worker_process import ERROR_CLASSES

#: The directory holding the aula_kg package, put on the workers' PYTHONPATH.
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


#: Largest prebuilt store (bytes on disk) whose workers hold the graph in memory instead:
#: an in-memory store answers the stored queries about twice as fast as the read-only
#: RocksDB store (benchmarks/, distinct mix), for a few tens of MB per worker on a graph of
#: this size. Larger graphs (the national one) stay on disk, shared through the page cache.
IN_MEMORY_MAX_BYTES = 16 << 20


def store_bytes(path: Path) -> int:
    """Bytes on disk of a prebuilt store directory."""
    return sum(f.stat().st_size for f in Path(path).iterdir() if f.is_file())


class _Worker:
    __slots__ = ("process", "conn")

    def __init__(self, process: subprocess.Popen[bytes], conn: Connection):
        self.process = process
        self.conn = conn

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.conn.close()

    def reap(self) -> None:
        with contextlib.suppress(Exception):
            self.process.wait(5)


class _Expired(Exception):
    pass


class _Died(Exception):
    pass


def default_workers() -> int:
    """Two workers at least (one query running long never stalls the others), at most four."""
    return max(2, min(4, os.cpu_count() or 2))


class OnDisk(Protocol):
    """What a pool needs of store.embedded.EmbeddedStore (which makes its pool)."""

    path: Path | None

    @property
    def oxigraph(self) -> ox.Store: ...


class PoolOptions(TypedDict, total=False):
    """WorkerPool's settings that :meth:`WorkerPool.for_store` passes on."""

    size: int | None
    timeout: float
    max_rows: int
    allowed_endpoints: Iterable[str]
    queue_timeout: float | None
    spawn_timeout: float


class WorkerPool:
    """Worker processes that each hold the graph and run one query at a time.

    ``run()`` is a coroutine usable from any event loop (uvicorn's, or the one each
    TestClient request creates): it waits for an idle worker (at most ``queue_timeout``
    seconds, then :class:`ServerBusy`), sends it the request over a pipe, and waits for the
    answer with the pipe registered on the event loop, so the server keeps serving. At the
    deadline the worker is killed and a fresh one is spawned in the background.
    """

    def __init__(
        self,
        snapshot: Path,
        *,
        size: int | None = None,
        timeout: float = 5.0,
        max_rows: int = 10_000,
        allowed_endpoints: Iterable[str] = (),
        queue_timeout: float | None = None,
        spawn_timeout: float = 120.0,
        owns_snapshot: bool = False,
    ):
        self.snapshot = Path(snapshot)
        self.cache: CacheStats | None = None  # see answers.CachedPool
        self.size = size or default_workers()
        self.timeout = timeout
        self.max_rows = max_rows
        self.allowed_endpoints = tuple(allowed_endpoints)
        self.queue_timeout = timeout if queue_timeout is None else queue_timeout
        self.spawn_timeout = spawn_timeout
        self._lock = threading.Lock()
        self._idle: collections.deque[_Worker] = collections.deque()
        self._waiters: collections.deque[asyncio.Future[_Worker]] = collections.deque()
        self._workers: set[_Worker] = set()  # every live process, idle, busy or starting
        self._alive = 0  # ready workers, idle or busy
        self._started = False
        self._closed = False
        self._failure: str | None = None
        self.respawns = 0
        cleanup_dir = self.snapshot.parent if owns_snapshot else None
        self._finalizer = weakref.finalize(self, _cleanup, self._workers, cleanup_dir)

    @classmethod
    def for_store(cls, store: OnDisk, *, in_memory: bool = False,
                  **kwargs: Unpack[PoolOptions]) -> WorkerPool:
        """A pool over the embedded ``store``: workers open its prebuilt on-disk store
        read-only when it was opened from one and ``in_memory`` is false; otherwise they
        load a snapshot written to a private temporary directory removed on :meth:`close`
        (an in-memory pyoxigraph store answers about twice as fast as RocksDB)."""
        if store.path is not None and not in_memory:
            # A prebuilt store: each worker opens it read-only, nothing is copied.
            return cls(store.path, **kwargs)
        directory = Path(tempfile.mkdtemp(prefix="aula-kg-snapshot-"))
        path = directory / "graph.nq"
        store.oxigraph.dump(output=str(path), format=ox.RdfFormat.N_QUADS)
        return cls(path, owns_snapshot=True, **kwargs)

    # -- lifecycle ------------------------------------------------------------------

    def _spawn(self) -> _Worker | None:
        """Start one worker and wait for it to load the snapshot. Workers are plain
        interpreters started with ``subprocess`` (not multiprocessing's spawn, which would
        re-import the caller's ``__main__``), talking over a socket pair."""
        parent_sock, child_sock = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(_PACKAGE_ROOT), env.get("PYTHONPATH", "")) if p
        )
        args = [
            sys.executable,
            "-c",
            "from aula_kg.store.worker_process import main; main()",
            str(child_sock.fileno()),
            str(self.snapshot),
            str(self.max_rows),
            json.dumps(list(self.allowed_endpoints)),
        ]
        with self._lock:
            if self._closed:
                parent_sock.close()
                child_sock.close()
                return None
            process = subprocess.Popen(
                args,
                pass_fds=(child_sock.fileno(),),
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,  # a Ctrl-C on the server's terminal is the server's
            )
            conn = Connection(parent_sock.detach())
            worker = _Worker(process, conn)
            self._workers.add(worker)
        child_sock.close()
        try:
            if not conn.poll(self.spawn_timeout):
                raise EOFError("the worker did not start in time")
            hello = conn.recv_bytes()
        except (EOFError, OSError) as exc:
            self._failure = f"a query worker could not start: {exc or 'it exited'}"
            self._forget(worker)
            return None
        if hello != b"ready":
            self._failure = pickle.loads(hello)[1]
            self._forget(worker)
            return None
        return worker

    def _forget(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._workers.discard(worker)
        worker.reap()

    def _add(self, worker: _Worker | None) -> None:
        if worker is None:
            return
        with self._lock:
            if self._closed:
                worker.kill()
                return
            self._alive += 1
        self._release(worker)
        if self._alive == self.size:
            self._failure = None

    def start(self) -> None:
        """Start the workers and wait until they are ready (blocking: call it in a thread
        from async code). Raises ServerBusy if none could start."""
        with self._lock:
            if self._started:
                return
            self._started = True
        threads = [
            threading.Thread(target=lambda: self._add(self._spawn())) for _ in range(self.size)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if self._alive == 0:
            raise ServerBusy(self._failure or "no query worker could start")

    def _start_in_background(self) -> None:
        threading.Thread(target=self._start_quietly, daemon=True).start()

    def _start_quietly(self) -> None:
        with contextlib.suppress(ServerBusy):
            self.start()

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and spawn its replacement in the background."""
        worker.kill()
        with self._lock:
            self._alive -= 1
            self._workers.discard(worker)
            closed = self._closed
        self.respawns += 1

        def respawn() -> None:
            worker.reap()
            if not closed:
                self._add(self._spawn())

        threading.Thread(target=respawn, daemon=True).start()

    def close(self) -> None:
        """Kill every worker and remove the snapshot this pool wrote."""
        with self._lock:
            self._closed = True
            waiters = list(self._waiters)
            self._waiters.clear()
        for fut in waiters:
            with contextlib.suppress(RuntimeError):
                fut.get_loop().call_soon_threadsafe(
                    _fail, fut, ServerBusy("the server is stopping")
                )
        self._finalizer()

    @property
    def ready_workers(self) -> int:
        return self._alive

    def pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._idle]

    # -- idle workers ---------------------------------------------------------------

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            if self._closed:
                worker.kill()
                return
            while self._waiters:
                fut = self._waiters.popleft()
                if fut.done():
                    continue
                loop = fut.get_loop()
                try:
                    running = asyncio.get_running_loop()
                except RuntimeError:
                    running = None
                if loop is running:
                    fut.set_result(worker)
                    return
                try:
                    loop.call_soon_threadsafe(self._hand, fut, worker)
                    return
                except RuntimeError:  # that loop is closed
                    continue
            self._idle.append(worker)

    def _hand(self, fut: asyncio.Future[_Worker], worker: _Worker) -> None:
        if fut.done():
            self._release(worker)
        else:
            fut.set_result(worker)

    async def _acquire(self) -> _Worker:
        with self._lock:
            if self._idle:
                return self._idle.pop()
            if self._closed:
                raise ServerBusy("the server is stopping")
            fut = asyncio.get_running_loop().create_future()
            self._waiters.append(fut)
            wait = self.queue_timeout if self._alive else self.spawn_timeout
        try:
            return await asyncio.wait_for(fut, wait)
        except TimeoutError:
            with self._lock, contextlib.suppress(ValueError):
                self._waiters.remove(fut)
            raise ServerBusy(
                f"every query worker is busy; no worker became free in {wait:g} s, try again later"
            ) from None

    # -- running a query ------------------------------------------------------------

    async def run(self, request: QueryRequest, timeout: float | None = None) -> CappedOutput:
        """Run ``request`` on a worker within ``timeout`` seconds (default: the pool's)."""
        if not self._started:
            self._start_in_background()
        limit = self.timeout if timeout is None else timeout
        worker = await self._acquire()
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[bytes] = loop.create_future()
        conn = worker.conn
        try:
            conn.send_bytes(pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL))
            fd = conn.fileno()
        except (OSError, ValueError):
            self._replace(worker)
            raise ServerBusy("a query worker stopped; try again") from None

        def readable() -> None:
            if fut.done():
                return
            try:
                fut.set_result(conn.recv_bytes())
            except (EOFError, OSError):
                fut.set_exception(_Died())

        loop.add_reader(fd, readable)
        timer = loop.call_later(limit, _fail, fut, _Expired())
        try:
            reply = await fut
        except BaseException as exc:
            # Unregister the pipe before the worker (and its file descriptor) goes away.
            timer.cancel()
            loop.remove_reader(fd)
            self._replace(worker)  # timed out, died, or cancelled mid-query: start afresh
            if isinstance(exc, _Expired):
                raise QueryTimeout(
                    f"the query ran past its time limit of {limit:g} s and was stopped"
                ) from None
            if isinstance(exc, _Died):
                raise QueryFailed(
                    "the query stopped its worker process (too deep or too large?); "
                    "simplify the query"
                ) from None
            raise
        timer.cancel()
        loop.remove_reader(fd)
        self._release(worker)
        status, *rest = pickle.loads(reply)
        if status == "ok":
            kind, media_type, body, truncated = rest
            return CappedOutput(kind, media_type, body, truncated)
        raise ERROR_CLASSES.get(status, QueryFailed)(rest[0])


def _fail(fut: asyncio.Future[Any], exc: BaseException) -> None:
    if not fut.done():
        fut.set_exception(exc)


def _cleanup(workers: set[_Worker], directory: Path | None) -> None:
    for worker in list(workers):
        worker.kill()
    for worker in list(workers):
        worker.reap()
    workers.clear()
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)


def wait_until_ready(pool: WorkerPool, workers: int | None = None, timeout: float = 60) -> bool:
    """Block until ``workers`` (default: all) workers are ready; for tests and benchmarks."""
    wanted = pool.size if workers is None else workers
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pool.ready_workers >= wanted:
            return True
        time.sleep(0.02)
    return False

