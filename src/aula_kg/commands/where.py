"""``aula-kg where``: where the sources are read from and where the build goes, and which
setting chose each (config.py explains the rules)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import Settings

BUILD_ROWS = ("home", "build", "graph", "store", "manifest", "shared")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "where",
        help="print where the sources (ontology, shapes, queries, data) and the build "
        "(graph, prebuilt store, manifest) are, and which setting chose each",
    )
    p.add_argument("--json", action="store_true", help="print the same as one JSON object")
    p.set_defaults(handler=cmd_where)


def locations(settings: Settings) -> dict[str, dict[str, str | bool]]:
    """name -> {path, chosen_by, exists}: the four source folders, then the build."""
    from ..config import SOURCE_FOLDERS
    from ..store import prebuilt

    rows: dict[str, tuple[Path, str]] = {
        name: settings.source_location(name) for name in SOURCE_FOLDERS
    }
    rows["home"] = (settings.home, settings.home_chosen_by)
    by_variable = os.environ.get("AULA_KG_BUILD_DIR")
    rows["build"] = (settings.build_dir, "AULA_KG_BUILD_DIR" if by_variable else "home")
    rows["graph"] = (settings.graph_file, "build")
    store = prebuilt.locate(settings.build_dir, settings.manifest_file)
    rows["store"] = (store or settings.build_dir / prebuilt.STORE_DIR, "manifest")
    rows["manifest"] = (settings.manifest_file, "build")
    by_variable = os.environ.get("AULA_KG_SHARED")
    rows["shared"] = (settings.shared_dir, "AULA_KG_SHARED" if by_variable else "home")
    return {
        name: {"path": str(path), "chosen_by": chosen_by, "exists": path.exists()}
        for name, (path, chosen_by) in rows.items()
    }


def cmd_where(args: argparse.Namespace) -> int:
    import json

    from ..config import SOURCE_FOLDERS, Settings

    table = locations(Settings.from_env())
    if args.json:
        print(json.dumps(table, indent=2, ensure_ascii=False))
        return 0
    width = max(len(str(row["path"])) for row in table.values())
    for section, names in (("sources", SOURCE_FOLDERS), ("build", BUILD_ROWS)):
        print(f"{section}:")
        for name in names:
            row = table[name]
            absent = "" if row["exists"] else "  (absent)"
            print(f"  {name:<9} {str(row['path']):<{width}}  [{row['chosen_by']}]{absent}")
    return 0
