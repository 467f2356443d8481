"""Rewrite the golden results of the stored queries from the shipped graph.

Run after a reviewed change to data or queries:  .venv/bin/python tests/golden/regenerate.py
[NAME...] (every query, or only the ones named). The internal queries (queries/internal/)
have theirs in tests/golden/internal/. Each query runs with its parameters'
``example`` values; the CSV is what ``aula-kg query NAME --format csv`` prints. The build's
prebuilt on-disk store must give the same CSV as the graph loaded in memory: a query that
differs is reported (its GROUP_CONCAT is left in the engine's order) and exits with 1.
"""

from __future__ import annotations

import io
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent


def golden_csv(store, query, names) -> str:
    from aula_kg.answering import run_query
    from aula_kg.output import write_table

    out = io.StringIO()
    result = run_query(store, query, query.examples, names)
    if isinstance(result, bool):
        return "true\n" if result else "false\n"
    write_table(result, "csv", out)
    return out.getvalue()


def main(argv: list[str]) -> int:
    from aula_kg.build import build
    from aula_kg.catalog import Catalog
    from aula_kg.config import Settings
    from aula_kg.store import EmbeddedStore, open_store
    from aula_kg.territories import NameIndex

    settings = replace(Settings.from_env(), build_dir=Path(tempfile.mkdtemp()))
    catalogs = [(Catalog.load(settings.queries_dir), HERE),
                (Catalog.load_internal(settings.queries_dir), HERE / "internal")]
    known = {q.name for catalog, _ in catalogs for q in catalog}
    unknown = [name for name in argv if name not in known]
    if unknown:
        print(f"unknown stored queries: {', '.join(unknown)}", file=sys.stderr)
        return 2
    build(settings)
    store = EmbeddedStore.from_file(settings.graph_file)
    names = NameIndex(store)
    on_disk = open_store(settings)
    disk_names = NameIndex(on_disk)
    differing = []
    for catalog, folder in catalogs:
        folder.mkdir(exist_ok=True)
        chosen = [q for q in catalog if not argv or q.name in argv]
        for query in chosen:
            text = golden_csv(store, query, names)
            if golden_csv(on_disk, query, disk_names) != text:
                differing.append(query.name)
            (folder / f"{query.name}.csv").write_text(text, encoding="utf-8")
        if not argv:
            stale = {p.stem for p in folder.glob("*.csv")} - {q.name for q in catalog}
            for name in stale:
                (folder / f"{name}.csv").unlink()
        print(f"wrote {len(chosen)} golden results to {folder}")
    if differing:
        print("different on the prebuilt on-disk store (order GROUP_CONCAT's input): "
              + ", ".join(differing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
