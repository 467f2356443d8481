"""The prebuilt store: the built graph as an on-disk pyoxigraph (RocksDB) store.

``aula-kg build`` writes it beside the N-Quads artefact, under ``BUILD_DIR/store/NAME``,
where NAME is the start of the artefact's SHA-256, and the manifest names it. Readers open
it read-only (:meth:`EmbeddedStore.open`): in milliseconds instead of the seconds a load
of the national N-Quads takes, and without a private copy of the graph in every process.

Its default graph already holds the union of the named graphs (as a set; see
``EmbeddedStore``), so opening it costs nothing.

Lifecycle, under the build directory's lock (one writer):
1. :class:`PrebuiltWriter` dumps the in-memory store and bulk-loads the dump into a
   temporary directory ``store/.tmp-*``, in a thread (pyoxigraph releases the GIL), while
   the build goes on with its checks;
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
import shutil
import tempfile
import threading
from pathlib import Path

import pyoxigraph as ox

#: Subdirectory of the build directory holding the prebuilt stores.
STORE_DIR = "store"
_TMP_PREFIX = ".tmp-"


class PrebuiltWriter:
    """Writes an on-disk copy of ``source`` (every quad, default graph included) in the
    background; :meth:`finish` or :meth:`abandon` must follow."""

    def __init__(self, source: ox.Store, build_dir: Path):
        self.root = Path(build_dir) / STORE_DIR
        self.root.mkdir(parents=True, exist_ok=True)
        self._scratch = Path(tempfile.mkdtemp(dir=self.root, prefix=_TMP_PREFIX))
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._write, args=(source,), name="prebuilt-store", daemon=True
        )
        self._thread.start()

    def _write(self, source: ox.Store) -> None:
        try:
            dump = self._scratch / "all.nq"
            source.dump(output=str(dump), format=ox.RdfFormat.N_QUADS)
            store = ox.Store(str(self._scratch / "db"))
            store.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
            store.flush()
            del store
            dump.unlink()
        except BaseException as exc:  # noqa: BLE001 - re-raised by finish()
            self._error = exc

    def finish(self, name: str) -> str:
        """Wait for the copy and move it to ``store/NAME``; the path relative to the build
        directory, for the manifest."""
        self._thread.join()
        try:
            if self._error is not None:
                raise OSError(f"cannot write the prebuilt store: {self._error}")
            final = self.root / name
            if not final.is_dir():  # the same content may be there already
                (self._scratch / "db").rename(final)
        finally:
            shutil.rmtree(self._scratch, ignore_errors=True)
        return f"{STORE_DIR}/{name}"

    def abandon(self) -> None:
        self._thread.join()
        shutil.rmtree(self._scratch, ignore_errors=True)


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
