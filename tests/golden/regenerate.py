"""Rewrite the golden results of the stored queries from the shipped graph.

Run after a reviewed change to data or queries:  .venv/bin/python tests/golden/regenerate.py
Each query runs with its parameters' ``example`` values; the CSV is what
``aula-kg query NAME --format csv`` prints.
"""

from __future__ import annotations

import io
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent


def golden_csv(store, query, names) -> str:
    from aula_kg.catalog import run_query
    from aula_kg.output import write_table

    out = io.StringIO()
    result = run_query(store, query, query.examples, names)
    if isinstance(result, bool):
        return "true\n" if result else "false\n"
    write_table(result, "csv", out)
    return out.getvalue()


def main() -> int:
    from aula_kg.build import build
    from aula_kg.catalog import Catalog
    from aula_kg.config import Settings
    from aula_kg.store import EmbeddedStore
    from aula_kg.territories import NameIndex

    settings = replace(Settings.from_env(), build_dir=Path(tempfile.mkdtemp()))
    build(settings)
    store = EmbeddedStore.from_file(settings.graph_file)
    names = NameIndex(store)
    catalog = Catalog.load(settings.queries_dir)
    for query in catalog:
        (HERE / f"{query.name}.csv").write_text(golden_csv(store, query, names), encoding="utf-8")
    stale = {p.stem for p in HERE.glob("*.csv")} - {q.name for q in catalog}
    for name in stale:
        (HERE / f"{name}.csv").unlink()
    print(f"wrote {len(catalog.queries)} golden results to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
