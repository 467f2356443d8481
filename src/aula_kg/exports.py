"""A stored query's answer as a spreadsheet a planner opens in Excel: XLSX (French headings,
typed numbers and dates, a second sheet saying what was asked, when, from which sources and
under which licence) and CSV for Excel (UTF-8 with a byte-order mark, ``;`` between fields,
French headings). Used by the pages' downloads and by ``aula-kg query --format xlsx``.

The SPARQL results formats (JSON, XML, CSV, TSV) stay the API's; this module only writes
for people. IRIs become their display names when a ``label`` function is given (the pages
give the graph's labels), their text otherwise.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Identifier

from .catalog import StoredQuery
from .store import SelectResult, Store
from .territories import normalise

#: The media types of the two spreadsheet formats.
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"

#: The licence of the project's own data (the ontology and the curated graph).
PROJECT_LICENCE = "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"

_SOURCES_QUERY = """
PREFIX aula: <https://w3id.org/aula-kg/ontology#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?title ?licence WHERE {
  { ?source a aula:SourceDocument ; rdfs:label ?title . FILTER(lang(?title) = "fr") }
  UNION
  { ?source a dcat:Dataset ; dcterms:title ?title . FILTER(lang(?title) = "fr")
    OPTIONAL { ?source dcterms:license ?licence } }
}
"""

#: Characters openpyxl refuses in a cell.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_INTEGERS = {XSD.integer, XSD.int, XSD.long, XSD.short, XSD.nonNegativeInteger,
             XSD.positiveInteger, XSD.negativeInteger, XSD.nonPositiveInteger,
             XSD.unsignedInt, XSD.unsignedLong, XSD.gYear}
_DECIMALS = {XSD.decimal, XSD.double, XSD.float}
#: Words after which a question's title stops naming it in a file name.
_STOP_WORDS = {"d", "de", "du", "des", "par", "selon", "dans", "sans", "en", "pour", "a",
               "au", "aux", "et", "sur"}


@dataclass
class Sheet:
    """What a spreadsheet holds: headings, rows of Python values, and the sheet that says
    what the answer is."""

    headings: list[str]
    rows: list[list[Any]]
    question: str
    description: str
    parameters: list[tuple[str, str]]
    asked: dt.datetime
    address: str | None = None
    sources: list[tuple[str, str]] = field(default_factory=list)


def cell_value(term: Identifier | None, label: Callable[[Identifier], str] | None) -> Any:
    """A term as a spreadsheet cell: int, float, date or text."""
    if term is None:
        return None
    if isinstance(term, Literal):
        datatype = term.datatype
        try:
            if datatype in _INTEGERS:
                return int(str(term)[:4] if datatype == XSD.gYear else str(term))
            if datatype in _DECIMALS:
                return float(Decimal(str(term)))
            if datatype == XSD.date:
                return dt.date.fromisoformat(str(term))
            if datatype == XSD.dateTime:
                return dt.datetime.fromisoformat(str(term).replace("Z", "+00:00")) \
                    .replace(tzinfo=None)
        except ValueError:
            return str(term)
        return str(term)
    if isinstance(term, URIRef) and label is not None:
        return label(term)
    return str(term)


def sheet_for(query: StoredQuery, table: SelectResult | bool, given: Mapping[str, str], *,
              label: Callable[[Identifier], str] | None = None,
              sources: list[tuple[str, str]] | None = None, address: str | None = None,
              asked: dt.datetime | None = None) -> Sheet:
    """The spreadsheet of one answer (``table``: a SELECT result, or a boolean for ASK)."""
    if isinstance(table, bool):
        headings, rows = ["Réponse"], [["oui" if table else "non"]]
    else:
        headings = [query.heading(v, "fr") for v in table.variables]
        rows = [[cell_value(t, label) for t in row] for row in table.rows]
    parameters = []
    for p in query.parameters:
        if given.get(p.name):
            parameters.append((p.description["fr"], given[p.name]))
    return Sheet(headings, rows, query.title["fr"], query.description["fr"], parameters,
                 asked or dt.datetime.now().replace(microsecond=0), address, sources or [])


def sources_of(store: Store) -> list[tuple[str, str]]:
    """The agency's documents and the open datasets the graph holds, with their licence."""
    found = set()
    for title, licence in store.select_values(_SOURCES_QUERY):
        found.add((str(title), str(licence) if licence else PROJECT_LICENCE))
    return sorted(found, key=lambda s: (normalise(s[0]), s[0]))


def file_name(query: StoredQuery, given: Mapping[str, str], day: dt.date, extension: str) -> str:
    """``preconisations-inexplorees_lens-lievin_2026-12-04.xlsx``: the question's first
    words, its parameters' values, the date (ASCII only, safe in any file system)."""
    words: list[str] = []
    for word in normalise(query.title["fr"]).split():
        if word in _STOP_WORDS and len(words) >= 2:
            break
        words.append(word)
    parts = ["-".join(words[:4]) or query.name.replace("_", "-")]
    for p in query.parameters:
        value = given.get(p.name)
        if value:
            value = value.rsplit("/", 1)[-1] if value.startswith(("http://", "https://")) \
                else value
            slug = "-".join(normalise(value).split())[:40]
            if slug:
                parts.append(slug)
    parts.append(day.isoformat())
    return "_".join(parts) + "." + extension


def to_csv(sheet: Sheet) -> bytes:
    """CSV as French Excel opens it: BOM, ``;`` separator, decimal comma, French headings."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(sheet.headings)
    for row in sheet.rows:
        writer.writerow([_csv_text(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    text = str(value)
    # A field a spreadsheet would read as a formula is kept as text.
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def to_xlsx(sheet: Sheet) -> bytes:
    """An XLSX workbook: the answer on « Résultats », what it is on « À propos »."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    results = book.active
    results.title = "Résultats"
    results.append(sheet.headings)
    for cell in results[1]:
        cell.font = Font(bold=True)
    for row in sheet.rows:
        results.append([_ILLEGAL.sub("", v) if isinstance(v, str) else v for v in row])
        for cell in results[results.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, never a formula
    results.freeze_panes = "A2"
    for index, heading in enumerate(sheet.headings, start=1):
        width = max([len(heading)] + [len(str(r[index - 1] or "")) for r in sheet.rows[:200]])
        results.column_dimensions[get_column_letter(index)].width = min(60, max(10, width + 2))
        for row in results.iter_rows(min_row=2, min_col=index, max_col=index):
            value = row[0].value
            if isinstance(value, dt.datetime):
                row[0].number_format = "DD/MM/YYYY HH:MM"
            elif isinstance(value, dt.date):
                row[0].number_format = "DD/MM/YYYY"
            elif isinstance(value, int):
                row[0].number_format = "#,##0" if abs(value) >= 10000 else "0"
    about = book.create_sheet("À propos")
    lines: list[tuple[str, Any]] = [
        ("Question", sheet.question),
        ("Description", sheet.description),
    ]
    lines += [(f"Paramètre : {name}", value) for name, value in sheet.parameters]
    lines += [("Date de la réponse", sheet.asked), ("Lignes", len(sheet.rows))]
    if sheet.address:
        lines.append(("Adresse", sheet.address))
    lines += [("Source", f"{title} — licence : {licence}") for title, licence in sheet.sources]
    lines.append(("Licence des données de l'agence", PROJECT_LICENCE))
    for key, value in lines:
        about.append([key, _ILLEGAL.sub("", value) if isinstance(value, str) else value])
        about.cell(row=about.max_row, column=2).data_type = \
            "s" if isinstance(value, str) else about.cell(row=about.max_row, column=2).data_type
        about.cell(row=about.max_row, column=1).font = Font(bold=True)
        if isinstance(value, dt.datetime):
            about.cell(row=about.max_row, column=2).number_format = "DD/MM/YYYY HH:MM"
    about.column_dimensions["A"].width = 34
    about.column_dimensions["B"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

