"""The actions as a spreadsheet: the empty template, and the current actions in the same
format (CSV, UTF-8 with a BOM for Excel; or XLSX with a help sheet of allowed values),
written atomically. Exporting then importing the file changes nothing."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS

from ... import files, vocab
from ...config import Settings
from ...sources import parse_file
from ...vocab import AULA
from .columns import COLUMN_OF_PREDICATE, COLUMNS, KINDS
from .names import Resolver, names_store, recommendations, source_display
from .problems import bilingual, unreadable
from .writing import object_key

ACTIONS_FILE = "actions.ttl"


def actions_path(settings: Settings) -> Path:
    return settings.data_dir / ACTIONS_FILE


def current_rows(settings: Settings | None = None) -> tuple[list[dict[str, str]], list[str]]:
    """The current actions as template rows, and warnings for facts no column can carry."""
    settings = settings or Settings.from_env()
    target = actions_path(settings)
    graph = parse_file(target) if target.is_file() else Graph()
    store = names_store(settings)
    resolver = Resolver(store)
    served_by = recommendations(store)
    citations = {URIRef(s): str(o) for s, o in graph.subject_objects(DCTERMS.bibliographicCitation)}
    warnings = []
    order = []
    for action in set(graph.subjects(RDF.type, AULA.Action)):
        served = [served_by.get(r, ("9", "")) for r in
                  graph.objects(action, AULA.servesRecommendation)]
        order.append((min(served) if served else ("9", ""), str(action), action))
    rows = []
    for _, _, action in sorted(order):
        row = {c.key: "" for c in COLUMNS}
        row["id"] = str(action).removeprefix(str(vocab.ACTION_NAMESPACE))
        for predicate, obj in sorted(graph.predicate_objects(action), key=lambda po: (
                str(po[0]), object_key(po[1]))):
            key = _export_cell(row, predicate, obj, resolver, citations)
            if key is None:
                warnings.append(bilingual("actions.no_column", action=row["id"],
                                          predicate=str(predicate), value=str(obj)))
        rows.append(row)
    return rows, warnings


def _export_cell(row, predicate, obj, resolver: Resolver, citations) -> str | None:
    def put(key, value):
        row[key] = f"{row[key]} ; {value}" if row[key] else value
        return key

    if predicate == RDF.type:
        if obj == AULA.Action:
            return "type"
        if obj == AULA.Study:
            row["study"] = "oui"
            return "study"
        return None
    if predicate == PROV.wasDerivedFrom:
        return put("source", source_display(URIRef(obj), citations))
    if isinstance(obj, Literal):
        key = {DCTERMS.title: "title", DCTERMS.description: "description",
               AULA.purpose: "purpose", AULA.communesNote: "communes_note",
               SKOS.scopeNote: "note", AULA.year: "year"}.get(predicate)
        if key in ("title", "purpose") and obj.language == "en":
            key += "_en"
        elif key not in (None, "year") and obj.language != "fr":
            return None
        if key is None or row[key]:
            return None
        row[key] = str(obj)
        return key
    key = COLUMN_OF_PREDICATE.get(predicate)
    if key not in KINDS:
        return None
    return put(key, resolver.display(URIRef(obj), KINDS[key]))


def write_table(rows: list[dict[str, str]], out: Path | None, lang: str = "fr",
                resolver: Resolver | None = None) -> bytes | None:
    """Rows in the template format: CSV (UTF-8 with BOM, for Excel) or XLSX (by suffix).

    With ``out`` None, returns the CSV bytes.
    """
    headers = [c.header(lang) for c in COLUMNS]
    if out is not None and out.suffix.lower() == ".xlsx":
        files.write_atomically(out, _xlsx_bytes(headers, rows, lang, resolver))
        return None
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row[c.key] for c in COLUMNS])
    data = ("\ufeff" + buffer.getvalue()).encode()
    if out is None:
        return data
    if out.suffix.lower() not in (".csv", ".txt"):
        raise unreadable("actions.export_format", path=out)
    files.write_atomically(out, data)
    return None


def _xlsx_bytes(headers, rows, lang, resolver: Resolver | None) -> bytes:
    try:
        import openpyxl
        from openpyxl.styles import Font
        from openpyxl.worksheet.datavalidation import DataValidation
    except ImportError:  # pragma: no cover
        raise unreadable("actions.needs_openpyxl") from None
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "actions"
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row[c.key] for c in COLUMNS])
    sheet.freeze_panes = "B2"
    for index, column in enumerate(COLUMNS, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = 40 if column.key in (
            "title", "description", "title_en", "communes_note", "purpose", "purpose_en") else 20
    helper = workbook.create_sheet("aide" if lang == "fr" else "help")
    helper.append(["colonne", "à remplir", "valeurs possibles"] if lang == "fr"
                  else ["column", "what to write", "possible values"])
    for cell in helper[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(COLUMNS, start=1):
        values = resolver.options(KINDS[column.key]) if resolver and column.key in (
            "kind", "recommendations", "functions", "status") else []
        helper.append([column.header(lang), column.help_fr if lang == "fr" else column.help_en,
                       " ; ".join(values)])
        if values and not column.multi:
            letter = openpyxl.utils.get_column_letter(index)
            quoted = ",".join(v.replace(",", " ") for v in values)
            if len(quoted) < 250:
                rule = DataValidation(type="list", formula1=f'"{quoted}"', allow_blank=True)
                rule.add(f"{letter}2:{letter}1000")
                sheet.add_data_validation(rule)
    helper.column_dimensions["A"].width = 28
    helper.column_dimensions["B"].width = 80
    helper.column_dimensions["C"].width = 80
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_resolver(settings: Settings | None = None) -> Resolver:
    """The names for the template's help sheet (allowed values), from the built graph."""
    return Resolver(names_store(settings or Settings.from_env()))
