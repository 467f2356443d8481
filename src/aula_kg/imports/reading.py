"""Reading the publishers' files: gzipped JSON arrays and CSV files, dates and codes in their
cells, with errors that name the file and the line (``file:line: message``)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from .. import vocab
from ..errors import InputError


def input_error(path: Path, line: int | None, message: str) -> InputError:
    """An InputError whose message starts with ``file:line:``."""
    where = f"{path}:{line}" if line is not None else str(path)
    return InputError(f"{where}: {message}")


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise input_error(path, None, f"cannot read: {exc.strerror or exc}") from exc
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise input_error(path, None, f"not a valid gzip file: {exc}") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise input_error(path, line, "not UTF-8 text") from exc


_WHITESPACE = re.compile(r"[ \t\r\n]*")


def _skip_whitespace(text: str, pos: int) -> int:
    """The position after the JSON whitespace at ``pos`` (the pattern also matches none)."""
    match = _WHITESPACE.match(text, pos)
    return match.end() if match else pos


def iter_json_array(path: Path) -> Iterator[tuple[int, object]]:
    """Each element of the JSON array in ``path`` (gzipped or not) with its line number."""
    text = _read_text(path)
    decoder = json.JSONDecoder()
    pos = _skip_whitespace(text, 0)
    line = text.count("\n", 0, pos) + 1
    if not text.startswith("[", pos):
        raise input_error(path, line, "expected a JSON array")
    pos = _skip_whitespace(text, pos + 1)
    if text.startswith("]", pos):
        return
    last = 0
    while True:
        line += text.count("\n", last, pos)
        last = pos
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise input_error(path, exc.lineno, f"invalid JSON: {exc.msg}") from exc
        yield line, value
        pos = _skip_whitespace(text, pos)
        if text.startswith(",", pos):
            pos = _skip_whitespace(text, pos + 1)
            continue
        if text.startswith("]", pos):
            return
        line += text.count("\n", last, pos)
        last = pos
        raise input_error(path, line, "invalid JSON: expected ',' or ']' between records")


def read_json_object(path: Path) -> dict[str, Any]:
    text = _read_text(path)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise input_error(path, exc.lineno, f"invalid JSON: {exc.msg}") from exc
    if not isinstance(value, dict):
        raise input_error(path, 1, "expected a JSON object")
    return value


def iter_csv(path: Path, required: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Each data row of a comma-separated UTF-8 file, as a dict, with the line it starts on.

    A missing required column, or a row with a different number of fields than the header,
    is an InputError naming the file and the line.
    """
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise input_error(path, 1, "empty file (no header row)") from None
    except csv.Error as exc:
        raise input_error(path, 1, f"malformed CSV: {exc}") from exc
    header = [name.strip() for name in header]
    missing = [name for name in required if name not in header]
    if missing:
        raise input_error(path, 1, f"missing column(s): {', '.join(missing)}")
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise input_error(path, start, f"malformed CSV: {exc}") from exc
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue
        if len(fields) != len(header):
            raise input_error(path, start, f"expected {len(header)} fields, found {len(fields)}")
        yield start, dict(zip(header, fields, strict=True))


def parse_date(value: str, path: Path, line: int, column: str) -> date | None:
    """An ISO (YYYY-MM-DD) or French (DD/MM/YYYY) date; None for an empty cell."""
    value = value.strip()
    if not value:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
        match = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", value)
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
    except ValueError:
        pass
    raise input_error(path, line, f"column {column}: not a date: {value!r}")


def check_insee(value: str, path: Path, line: int, column: str) -> str:
    value = value.strip()
    if not vocab.is_insee_commune_code(value):
        raise input_error(path, line, f"column {column}: not an INSEE commune code: {value!r}")
    return value


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find_file(base: Path, name: str, what: str) -> Path:
    """``base`` itself when it is a file, else ``base/name``; InputError when absent."""
    path = base if base.is_file() else base / name
    if not path.is_file():
        raise InputError(f"{path}: {what} not found (give --from a directory or the file)")
    return path
