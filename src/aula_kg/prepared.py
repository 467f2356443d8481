"""What the build prepares once so that commands and pages start in milliseconds.

Reading the catalogue used to parse every stored query with rdflib's SPARQL grammar (three
seconds per command), building the name index scanned the graph (five seconds on the
national graph), and the server's first pages waited for counts over a million quads. All
of it depends only on the graph and the query files, so ``aula-kg build`` computes it next
to the prebuilt store, in ``build/prepared/NAME/`` (NAME: the prebuilt store's name, the
start of the graph's SHA-256, which ties the two together):

- ``catalog.json``: what parsing each stored query learnt (titles, parameters, columns,
  query form), keyed by the SHA-256 of the query's text, so an edited query is parsed
  again and the others are not;
- ``names.sqlite``: the territory name index (:class:`~aula_kg.territories.NameIndex`);
- ``answers.json``: the answers of the internal queries without parameters (the pages'
  figures, the publishing statistics, the form's choices), the size of each named graph
  and the triple count (:mod:`aula_kg.store.known_answers`).

The manifest names the directory and each file's SHA-256. Readers fall back to computing
what is missing (a remote store, ``--graph FILE``, a build made before this existed), so a
prepared file is a shortcut, never a second source of truth.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .catalog import Catalog
from .config import Settings
from .errors import InputError
from .store import EmbeddedStore, Store
from .store.known_answers import FILE_NAME as ANSWERS_FILE
from .store.known_answers import PREPARED_DIR, KnownAnswers, prepared_dir
from .territories import NameIndex

logger = logging.getLogger(__name__)

CATALOG_FILE = "catalog.json"
NAMES_FILE = "names.sqlite"
_TMP_PREFIX = ".tmp-"


def write(settings: Settings, store: EmbeddedStore, name: str, catalog: Catalog,
          internal: Catalog, *, graph_sizes: dict[str, int] | None = None) -> dict[str, Any]:
    """Prepare, for the built graph in ``store``, what readers need at start, into
    ``build/prepared/NAME``; the manifest's entry (directory and files' SHA-256).
    ``graph_sizes``: the triples per named graph, when the caller counted them already."""
    root = settings.build_dir / PREPARED_DIR
    root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=root, prefix=_TMP_PREFIX))
    try:
        scratch.chmod(0o755)  # readable like the rest of the build (mkdtemp makes it 0700)
        records = {**internal.records(), **catalog.records()}
        (scratch / CATALOG_FILE).write_text(
            json.dumps({"format": 1, "queries": records}, ensure_ascii=False, sort_keys=True),
            encoding="utf-8")
        NameIndex(store).write(scratch / NAMES_FILE)
        answers = KnownAnswers(graph_sizes=graph_sizes or store.graph_sizes(),
                               triple_count=store.triple_count())
        for query in internal:
            if not query.parameters and query.form == "SELECT":
                answers.remember(query.text, store.oxigraph)
        answers.write(scratch / ANSWERS_FILE)
        files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                 for p in sorted(scratch.iterdir())}
        final = root / name
        if final.is_dir():  # the same graph prepared before: replace it whole
            shutil.rmtree(final)
        scratch.rename(final)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {"dir": f"{PREPARED_DIR}/{name}", "files": files}


def sweep(build_dir: Path, keep: set[str]) -> None:
    """Remove the prepared directories whose graph's store is not kept (``keep``: store
    names) and the temporary ones of killed builds. Only the build's lock holder calls it."""
    root = Path(build_dir) / PREPARED_DIR
    if not root.is_dir():
        return
    for entry in root.iterdir():
        if entry.is_dir() and (entry.name.startswith(_TMP_PREFIX) or entry.name not in keep):
            shutil.rmtree(entry, ignore_errors=True)


def _manifest_dir(settings: Settings) -> Path | None:
    """The prepared directory the current manifest names, if it is there."""
    try:
        manifest = json.loads(settings.manifest_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    entry = manifest.get("prepared") if isinstance(manifest, dict) else None
    relative = entry.get("dir") if isinstance(entry, dict) else None
    if not isinstance(relative, str):
        return None
    path = (settings.build_dir / relative).resolve()
    if path.parent != (settings.build_dir / PREPARED_DIR).resolve() or not path.is_dir():
        return None
    return path


def _known_queries(settings: Settings) -> dict[str, Any]:
    directory = _manifest_dir(settings)
    if directory is None:
        return {}
    try:
        data = json.loads((directory / CATALOG_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    queries = data.get("queries") if isinstance(data, dict) and data.get("format") == 1 else None
    return queries if isinstance(queries, dict) else {}


def catalogs(settings: Settings) -> tuple[Catalog, Catalog]:
    """The planners' queries and the product's own, the prepared file read once."""
    known = _known_queries(settings)
    return (Catalog.load(settings.queries_dir, known),
            Catalog.load_internal(settings.queries_dir, known))


def catalog(settings: Settings) -> Catalog:
    """The planners' stored queries, each parsed only if the build did not parse its text."""
    return Catalog.load(settings.queries_dir, _known_queries(settings))


def internal_catalog(settings: Settings) -> Catalog:
    """The product's own queries, likewise."""
    return Catalog.load_internal(settings.queries_dir, _known_queries(settings))


def name_index(store: Store, settings: Settings) -> NameIndex:
    """The name index of ``store``: the build's file when ``store`` is the build's prebuilt
    store, else read from the store (seconds on the national graph)."""
    path = getattr(store, "path", None)
    if isinstance(path, Path):
        names_file = prepared_dir(settings.build_dir, path) / NAMES_FILE
        if names_file.is_file():
            try:
                return NameIndex.open(names_file)
            except InputError as exc:  # another version's file, or damaged: the graph has it
                logger.warning("%s; reading the names from the graph", exc.message)
    return NameIndex(store)

