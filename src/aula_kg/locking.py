"""One writer at a time: an advisory lock on the directory a job writes to.

``aula-kg build`` holds the lock of the build directory for the whole build, and an
importer holds the lock of its output directory while it compares and replaces a file, so
two builds (or two imports) never interleave their writes: one wins, the other is refused
with :class:`LockBusy` (exit code 5) or, when a wait is allowed, queued until the first ends.

The lock is ``flock`` on the directory itself (opened read-only), not a lock file: nothing
is left on disk, and the kernel releases the lock when its process ends in any way,
SIGKILL included, so a killed build never leaves a stale lock behind. Readers take no
lock: every file is replaced with ``os.replace``, so a reader sees the old file or the new
one, never a mix.

How long a second writer waits: ``timeout`` seconds when given, else
``AULA_KG_LOCK_TIMEOUT`` (seconds; default 0 for builds: refused at once).
A thread that already holds a directory's lock may take it again (re-entrant), so a job
that calls another (an import that rebuilds) does not lock itself out.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import glob
import inspect
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from .errors import LockBusy

P = ParamSpec("P")
R = TypeVar("R")

#: Seconds between two attempts while waiting for a lock.
POLL = 0.05


#: (directory, thread) -> (fd, depth): the locks this process holds, by thread. Another thread
#: of the same process opens its own descriptor, so it is excluded like another process.
_held: dict[tuple[str, int], tuple[int, int]] = {}
_guard = threading.Lock()


def default_timeout(fallback: float = 0.0) -> float:
    """``AULA_KG_LOCK_TIMEOUT`` in seconds, or ``fallback``."""
    value = os.environ.get("AULA_KG_LOCK_TIMEOUT", "").strip()
    if not value:
        return fallback
    try:
        return max(0.0, float(value))
    except ValueError:
        raise LockBusy(f"AULA_KG_LOCK_TIMEOUT must be a number of seconds, got {value!r}") from None


@contextlib.contextmanager
def hold(
    directory: Path | str,
    what: str = "aula-kg",
    timeout: float | None = None,
    sweep: Iterable[str] = (),
) -> Iterator[Path]:
    """Hold the exclusive lock of ``directory`` (created if missing) for the block.

    Raises :class:`LockBusy` when another process holds it for more than ``timeout``
    seconds (default :func:`default_timeout`). Once the lock is held, the temporary files
    that a killed writer left for each file name in ``sweep`` (``.NAME.*.tmp``, see
    ``files.write_atomically``) are removed: only a holder of this lock writes them.
    """
    path = Path(directory).resolve()
    path.mkdir(parents=True, exist_ok=True)
    key = (str(path), threading.get_ident())
    with _guard:
        if key in _held:
            fd, depth = _held[key]
            _held[key] = (fd, depth + 1)
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield path
        finally:
            with _guard:
                fd, depth = _held[key]
                _held[key] = (fd, depth - 1)
        return
    wait = default_timeout() if timeout is None else timeout
    fd = os.open(key[0], os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | os.O_CLOEXEC)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise
                if time.monotonic() >= deadline:
                    waited = f" after waiting {wait:g} s" if wait else ""
                    raise LockBusy(
                        f"{what}: another aula-kg process is writing to {path}{waited}; "
                        f"nothing was changed. Try again when it has finished, or set "
                        f"AULA_KG_LOCK_TIMEOUT=SECONDS to wait for it"
                    ) from None
                time.sleep(POLL)
        with _guard:
            _held[key] = (fd, 1)
        for name in sweep:
            for stale in stale_temporaries(Path(key[0]), name):
                with contextlib.suppress(OSError):
                    stale.unlink()
        try:
            yield path
        finally:
            with _guard:
                _held.pop(key, None)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def stale_temporaries(directory: Path, name: str) -> list[Path]:
    """The temporary files of ``name`` in ``directory`` (``.NAME.*.tmp``, the names
    :func:`aula_kg.files.write_atomically` gives them): only a holder of the directory's lock
    writes them, so once the lock is held any that exist were left by a killed writer."""
    return sorted(Path(directory).glob(f".{glob.escape(name)}.*.tmp"))


def holding(
    directory_of: Callable[[dict[str, Any]], Path],
    what: str,
    timeout: float | None = None,
    sweep_of: Callable[[dict[str, Any]], Iterable[str]] | None = None,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator: run the function holding the lock of ``directory_of(arguments)``, where
    ``arguments`` maps the function's parameter names to the values of the call, sweeping
    the stale temporary files of the names ``sweep_of(arguments)``."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            bound = signature.bind(*args, **kwargs)
            sweep = sweep_of(bound.arguments) if sweep_of else ()
            with hold(directory_of(bound.arguments), what, timeout, sweep):
                return func(*args, **kwargs)

        return wrapper

    return decorate
