"""Rendering SELECT results for the command line: table, CSV, JSON, Markdown."""

from __future__ import annotations

import csv
import json
from typing import TextIO

from rdflib import Literal, URIRef

from . import vocab
from .store import SelectResult

#: CURIEs for people: datatypes are never shown, so xsd: IRIs stay whole.
_compact = vocab.compactor({p: ns for p, ns in vocab.PREFIXES.items() if p != "xsd"})


def display(term) -> str:
    """A term as a person reads it: prefixed IRIs, plain literal values, '' for unbound."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return _compact(term) or str(term)
    return str(term)


def json_value(term):
    if term is None:
        return None
    if isinstance(term, Literal):
        value = term.toPython()
        if isinstance(value, bool | int | float | str):
            return value
        return str(term)
    return str(term)


def write_table(result: SelectResult, fmt: str, out: TextIO) -> None:
    if fmt == "json":
        rows = [
            {var: json_value(value) for var, value in zip(result.variables, row, strict=True)}
            for row in result.rows
        ]
        json.dump({"variables": result.variables, "rows": rows}, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    cells = [[display(v) for v in row] for row in result.rows]
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(result.variables)
        writer.writerows(cells)
        return
    if fmt == "md":
        out.write("| " + " | ".join(result.variables) + " |\n")
        out.write("|" + "---|" * len(result.variables) + "\n")
        for row in cells:
            out.write("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |\n")
        return
    widths = [len(v) for v in result.variables]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    line = "  ".join(v.ljust(w) for v, w in zip(result.variables, widths, strict=True))
    out.write(line.rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for row in cells:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")
    out.write(f"({len(cells)} row{'s' if len(cells) != 1 else ''})\n")
