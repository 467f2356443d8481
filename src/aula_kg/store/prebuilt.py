"""The prebuilt store: the built graph as an on-disk pyoxigraph (RocksDB) store.

``aula-kg build`` writes it beside the N-Quads artefact, under ``BUILD_DIR/store/NAME``,
where NAME is the start of the artefact's SHA-256, and the manifest names it. Readers open
it read-only (:meth:`EmbeddedStore.open`): in milliseconds instead of the seconds a load
of the national N-Quads takes, and without a private copy of the graph in every process.

Its default graph already holds the union of the named graphs (as a set; see
``EmbeddedStore``), so opening it costs nothing.

Lifecycle, under the build directory's lock (one writer):
1. :class:`PrebuiltWriter` bulk-loads quads into a temporary directory ``store/.tmp-*``, in
   a thread of its own (pyoxigraph releases the GIL), while the build goes on: the bulk of
   the graph (the imports and their union, :meth:`PrebuiltWriter.add_store`) as soon as it
   is read and checked, what the build adds later (inferences, shapes, the catalogue,
   :meth:`PrebuiltWriter.add`) at the end. A bulk load only adds files, so the loads add up;
2. :meth:`PrebuiltWriter.finish` renames it to ``store/NAME`` once the build has succeeded;
   a failed build removes it;
3. the manifest is written, naming ``store/NAME``; :func:`sweep` then removes the stores no
   manifest names any more, except the one the previous manifest named (a server started
   before this build may still be reading it), and temporary directories a killed build
   left behind.

A reader takes the directory the manifest names; a directory appears only complete (the
rename is atomic), so a reader never opens a half-written store.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox

#: Subdirectory of the build directory holding the prebuilt stores.
STORE_DIR = "store"
_TMP_PREFIX = ".tmp-"


class PrebuiltWriter:
    """Loads quads into an on-disk store in the background, in the order they are given;
    :meth:`finish` or :meth:`abandon` must follow."""

    def __init__(self, build_dir: Path):
        self.root = Path(build_dir) / STORE_DIR
        self.root.mkdir(parents=True, exist_ok=True)
        self._scratch = Path(tempfile.mkdtemp(dir=self.root, prefix=_TMP_PREFIX))
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prebuilt-store",
                                          initializer=_yield_to_the_build)
        self._jobs: list[Future[None]] = []
        self._store: ox.Store | None = None
        self._dumps = 0

    def _target(self) -> ox.Store:
        if self._store is None:
            self._store = ox.Store(str(self._scratch / "db"))
        return self._store

    def add_store(self, source: ox.Store) -> Future[None]:
        """Copy every quad of ``source`` (default graph included). The returned future is
        done once ``source`` has been read: until then it must not change."""
        self._dumps += 1
        dump = self._scratch / f"part{self._dumps}.nq"
        read = self._thread.submit(_dump, source, dump)
        self._jobs.append(read)
        self._jobs.append(self._thread.submit(self._load_file, dump))
        return read

    def add(self, nquads: bytes) -> None:
        """Add these N-Quads (quads of named graphs and triples of the default graph)."""
        self._jobs.append(self._thread.submit(
            lambda: self._target().bulk_load(nquads, format=ox.RdfFormat.N_QUADS)))

    def _load_file(self, dump: Path) -> None:
        self._target().bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
        dump.unlink()

    def _wait(self) -> None:
        try:
            for job in self._jobs:
                job.result()
            if self._store is not None:
                self._store.flush()
        finally:
            self._thread.shutdown(wait=True)
            self._store = None

    def finish(self, name: str) -> str:
        """Wait for the copy and move it to ``store/NAME``; the path relative to the build
        directory, for the manifest."""
        try:
            try:
                self._wait()
            except Exception as exc:
                raise OSError(f"cannot write the prebuilt store: {exc}") from exc
            final = self.root / name
            if not final.is_dir():  # the same content may be there already
                self._target()  # an empty graph still makes a store
                self._store = None
                (self._scratch / "db").rename(final)
        finally:
            shutil.rmtree(self._scratch, ignore_errors=True)
        return f"{STORE_DIR}/{name}"

    def abandon(self) -> None:
        for job in self._jobs:
            job.cancel()
        with contextlib.suppress(Exception):
            self._wait()
        shutil.rmtree(self._scratch, ignore_errors=True)


#: How much the copy yields to the build's own steps (``nice`` of its thread, inherited by
#: the threads RocksDB starts from it): it has time until the build ends, they do not.
NICENESS = 4


def _yield_to_the_build() -> None:
    with contextlib.suppress(AttributeError, OSError):  # per-thread niceness: Linux
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)


def _dump(source: ox.Store, path: Path) -> None:
    source.dump(output=str(path), format=ox.RdfFormat.N_QUADS)


def named_in(manifest_file: Path) -> str | None:
    """The prebuilt store a manifest names (relative to its directory), if any."""
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    store = manifest.get("store") if isinstance(manifest, dict) else None
    return store if isinstance(store, str) else None


def locate(build_dir: Path, manifest_file: Path) -> Path | None:
    """The prebuilt store of the current build, or None when there is none (a build made
    before prebuilt stores existed, or a store removed by hand)."""
    relative = named_in(manifest_file)
    if relative is None:
        return None
    path = (Path(build_dir) / relative).resolve()
    root = (Path(build_dir) / STORE_DIR).resolve()
    if path.parent != root or not path.is_dir():
        return None
    return path


def sweep(build_dir: Path, keep: set[str]) -> None:
    """Remove the prebuilt stores not in ``keep`` (names relative to the build directory)
    and the temporary directories of killed builds. Only the lock holder calls this."""
    root = Path(build_dir) / STORE_DIR
    if not root.is_dir():
        return
    kept = {Path(name).name for name in keep}
    for entry in root.iterdir():
        if entry.name in kept:
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()
