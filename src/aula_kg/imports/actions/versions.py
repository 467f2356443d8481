"""No lost update when two planners edit: versions of the actions and censuses, and the
three-way merge of an import made from an older export.

A version is a hash of ``data/actions.ttl`` and ``data/censuses.ttl`` (:func:`version_of`).
``export`` records it in the file (the CSV's ``#version`` line, the workbook's help sheet) and
keeps a copy of both files under ``build/versions/<version>/`` (:func:`keep`), as does every
import that writes. An import from an older version is merged (:func:`merge`) cell by cell
against that copy (the base): a cell changed on one side only takes that side's value; a cell
changed on both sides to different values is a conflict, named by row and column with both
values, and nothing is written (``--force`` imports the file as it is).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ... import files
from ...config import Settings
from .reading import Row

VERSIONS_DIR = "versions"


def version_of(actions: bytes | None, censuses: bytes | None) -> str:
    digest = hashlib.sha256()
    for part in (actions or b"", censuses or b""):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()[:16]


def snapshot_dir(settings: Settings, version: str) -> Path:
    return settings.build_dir / VERSIONS_DIR / version


def keep(settings: Settings, actions: bytes | None, censuses: bytes | None) -> str:
    """Keep a copy of this version of both files (for a later merge); its version."""
    version = version_of(actions, censuses)
    directory = snapshot_dir(settings, version)
    for name, data in (("actions.ttl", actions), ("censuses.ttl", censuses)):
        if data is not None and not (directory / name).is_file():
            files.write_atomically(directory / name, data, what="aula-kg export actions")
    return version


def snapshot(settings: Settings, version: str) -> tuple[Path | None, Path | None] | None:
    """The kept files of ``version`` (each None when that version had no such file), or None
    when the version is unknown."""
    directory = snapshot_dir(settings, version)
    if not directory.is_dir():
        return None
    found = [directory / n if (directory / n).is_file() else None
             for n in ("actions.ttl", "censuses.ttl")]
    return found[0], found[1]


@dataclass
class Conflict:
    line: int
    row_id: str
    column: str | None  # None: the row was removed on one side, changed on the other
    mine: str
    theirs: str


@dataclass
class MergeReport:
    """What a merge took from the current version (rows and cells the file left alone)."""

    kept_rows: list[str] = field(default_factory=list)
    kept_cells: list[tuple[str, list[str]]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.kept_rows or self.kept_cells)


def merge(file_rows: list[Row], base: list[dict[str, str]], current: list[dict[str, str]],
          id_key: str, columns: list[str], report: MergeReport) -> list[Row]:
    """Three-way merge of the rows of a file made from ``base`` with the ``current`` rows.

    Rows are matched by identifier (``id_key``); a file row without one is new. A row the
    file left as in the base takes the current row (or stays removed if removed there); a
    row the current version left as in the base takes the file's row; otherwise cell by
    cell, and a cell changed on both sides to different values is a conflict."""
    base_by = {r[id_key]: r for r in base}
    current_by = {r[id_key]: r for r in current}
    mine_by = {r.cells[id_key]: r for r in file_rows if r.cells[id_key]}

    def same(row: Row | None, other: dict[str, str] | None) -> bool:
        if row is None or other is None:
            return row is None and other is None
        return all(row.cells.get(c, "") == other.get(c, "") for c in columns)

    merged: list[Row] = []
    for row in file_rows:
        key = row.cells[id_key]
        if not key or key not in base_by:
            merged.append(row)  # new in the file
            continue
        before, now = base_by[key], current_by.get(key)
        if same(row, before):
            if now is not None:
                if not same(row, now):
                    changed = [c for c in columns if row.cells.get(c, "") != now.get(c, "")]
                    report.kept_cells.append((key, changed))
                merged.append(Row(row.line, {**row.cells, **{c: now.get(c, "")
                                                              for c in columns}}))
            else:
                report.kept_rows.append(f"-{key}")
            continue
        if now is not None and _same_dict(now, before, columns):
            merged.append(row)
            continue
        if now is None:
            report.conflicts.append(Conflict(row.line, key, None, "", ""))
            continue
        cells = dict(row.cells)
        taken = []
        for column in columns:
            b, m, t = before.get(column, ""), row.cells.get(column, ""), now.get(column, "")
            if m == b and t != b:
                cells[column] = t
                taken.append(column)
            elif m != b and t != b and m != t:
                report.conflicts.append(Conflict(row.line, key, column, m, t))
        if taken:
            report.kept_cells.append((key, taken))
        merged.append(Row(row.line, cells))
    for key, before in base_by.items():
        if key in mine_by:
            continue
        now = current_by.get(key)
        if now is not None and not _same_dict(now, before, columns):
            # Removed in the file, changed since: a conflict on the whole row.
            report.conflicts.append(Conflict(0, key, None, "", ""))
    for key, now in current_by.items():
        if key not in base_by and key not in mine_by:
            report.kept_rows.append(f"+{key}")
            merged.append(Row(0, {**{c: "" for c in columns}, **now}))
    return merged


def _same_dict(a: dict[str, str], b: dict[str, str], columns: list[str]) -> bool:
    return all(a.get(c, "") == b.get(c, "") for c in columns)
