"""Reading a filled template: CSV (UTF-8, or Excel's Windows-1252; ``;``, ``,`` or tab) or
XLSX (the sheet ``actions``, else the first), into rows keyed by column, with the
spreadsheet's line numbers. A file that cannot be read is an InputError (exit 2)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ...territories import normalise
from .columns import COLUMNS
from .problems import unreadable

#: First cell of the CSV line that records the version an export was made from.
VERSION_MARK = "#version"


@dataclass
class Row:
    line: int
    cells: dict[str, str]


def _cell_text(value, column: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "year") and column == "year":
        return str(value.year)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _header_map(headers: list[str], path: Path, columns=COLUMNS,
                required: str = "title") -> tuple[dict[int, str], list[str]]:
    """Column index -> column key; headers not in the template are returned as ignored."""
    by_key = {c.key: c for c in columns}
    lookup: dict[str, str] = {}
    for column in columns:
        for name in (column.key, column.fr, column.en, *column.aliases):
            lookup.setdefault(normalise(name), column.key)
    mapping: dict[int, str] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        key = lookup.get(normalise(header or ""))
        if key is None:
            if (header or "").strip():
                ignored.append(header.strip())
            continue
        if key in mapping.values():
            raise unreadable("actions.column_twice", path=path,
                             column={"fr": by_key[key].fr, "en": by_key[key].en})
        mapping[index] = key
    if required not in mapping.values():
        if required == "title":
            raise unreadable("actions.no_title_column", path=path)
        raise unreadable("actions.census_no_column", path=path,
                         column={"fr": by_key[required].fr, "en": by_key[required].en})
    return mapping, ignored


def _rows_from_table(table: Iterable[tuple[int, list]], path: Path, columns=COLUMNS,
                     required: str = "title") -> tuple[list[Row], list[str]]:
    iterator = iter(table)
    try:
        _, headers = next(iterator)
    except StopIteration:
        raise unreadable("actions.empty_file", path=path) from None
    mapping, ignored = _header_map([_cell_text(h) for h in headers], path, columns, required)
    rows = []
    for line, values in iterator:
        if values and _cell_text(values[0]).strip() == VERSION_MARK:
            continue  # the version the export was made from (read by read_version)
        cells = {c.key: "" for c in columns}
        for index, key in mapping.items():
            value = values[index] if index < len(values) else None
            cells[key] = _cell_text(value, key).strip()
        if any(cells.values()):
            rows.append(Row(line, cells))
    return rows, ignored


def _csv_table(path: Path) -> Iterable[tuple[int, list]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's plain "CSV" on a French Windows is Windows-1252.
        text = raw.decode("cp1252", errors="strict") if _is_cp1252(raw) else None
        if text is None:
            raise unreadable("actions.not_text", path=path) from None
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    table = []
    record = 0
    try:
        for fields in reader:
            record += 1
            table.append((record, fields))
    except csv.Error as exc:
        raise unreadable("actions.malformed_csv", path=path, line=reader.line_num,
                         reason=str(exc)) from exc
    return table


def _is_cp1252(raw: bytes) -> bool:
    try:
        raw.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False


def _xlsx_table(path: Path, sheet_names=("actions",),
                only_named_sheet: bool = False) -> Iterable[tuple[int, list]] | None:
    """The rows of the first sheet named in ``sheet_names`` (else the first sheet, or None
    with ``only_named_sheet``)."""
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise unreadable("actions.needs_openpyxl") from None
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise unreadable("actions.unreadable_workbook", path=path, reason=str(exc)) from None
    try:
        name = next((n for n in sheet_names if n in workbook.sheetnames), None)
        if name is None and only_named_sheet:
            return None
        sheet = workbook[name] if name else workbook.worksheets[0]
        return [(index, list(values)) for index, values in
                enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        workbook.close()


def table_rows(path: Path, columns, *, sheet_names=("actions",), required: str = "title",
               only_named_sheet: bool = False) -> tuple[list[Row], list[str]] | None:
    """The rows of one table (the actions, or the census sheet) of a CSV or XLSX file."""
    if not path.is_file():
        raise unreadable("actions.no_such_file", path=path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        table = _xlsx_table(path, sheet_names, only_named_sheet)
        if table is None:
            return None
    elif suffix in (".csv", ".txt", ".tsv"):
        table = _csv_table(path)
    else:
        raise unreadable("actions.unknown_format", path=path)
    return _rows_from_table(table, path, columns, required)


def read_version(path: Path) -> str | None:
    """The version an export was made from: the CSV's ``#version`` line, or the ``version``
    row of the workbook's help sheet (``aide``/``help``); None when the file has none."""
    if path.suffix.lower() == ".xlsx":
        table = _xlsx_table(path, ("aide", "help"), only_named_sheet=True) or []
        mark = "version"
    else:
        table = _csv_table(path)
        mark = VERSION_MARK
    for _, values in table:
        if len(values) > 1 and _cell_text(values[0]).strip() == mark and values[1]:
            return _cell_text(values[1]).strip()
    return None


def read_rows(path: Path) -> tuple[list[Row], list[str]]:
    """The filled template's rows (with their spreadsheet line numbers) and ignored headers."""
    return table_rows(path, COLUMNS)
