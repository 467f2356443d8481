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
from .columns import CENSUS_COLUMNS, COLUMN_OF_PREDICATE, COLUMNS, KINDS
from .names import Resolver, names_store, recommendations, source_display
from .problems import bilingual, unreadable
from .reading import VERSION_MARK
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
    return rows_of(graph, Resolver(store), recommendations(store))


def rows_of(graph: Graph, resolver: Resolver, served_by) -> tuple[list[dict[str, str]], list[str]]:
    """The actions of ``graph`` as template rows, and warnings for facts no column carries."""
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
    if predicate == AULA.recordedBy:
        return put("census", str(obj).removeprefix(str(vocab.CENSUS_NAMESPACE)))
    if predicate == PROV.wasRevisionOf and not row["revises"]:
        row["revises"] = str(obj).removeprefix(str(vocab.ACTION_NAMESPACE))
        return "revises"
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


def _csv_bytes(columns, rows, lang: str, version: str | None) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([c.header(lang) for c in columns])
    for row in rows:
        writer.writerow([row[c.key] for c in columns])
    if version:
        writer.writerow([VERSION_MARK, version])
    return ("\ufeff" + buffer.getvalue()).encode()


def census_file_for(out: Path) -> Path:
    """Where a CSV export puts its census file: ``actions.csv`` -> ``actions-recensements.csv``."""
    return out.with_name(f"{out.stem}-recensements{out.suffix}")


def write_table(rows: list[dict[str, str]], out: Path | None, lang: str = "fr",
                resolver: Resolver | None = None, *, censuses: list[dict[str, str]] | None = None,
                version: str | None = None) -> bytes | None:
    """Rows in the template format: CSV (UTF-8 with BOM, for Excel) or XLSX (by suffix).

    ``censuses`` (rows of the census sheet) go to the workbook's ``recensements`` sheet, or
    to the CSV file beside ``out`` (:func:`census_file_for`); ``version`` (the version the
    export was made from) to the help sheet, or the CSV's last line. With ``out`` None,
    returns the actions' CSV bytes.
    """
    if out is not None and out.suffix.lower() == ".xlsx":
        files.write_atomically(out, _xlsx_bytes(rows, lang, resolver, censuses, version))
        return None
    data = _csv_bytes(COLUMNS, rows, lang, version)
    if out is None:
        return data
    if out.suffix.lower() not in (".csv", ".txt"):
        raise unreadable("actions.export_format", path=out)
    if censuses is not None:
        files.write_atomically(census_file_for(out), _csv_bytes(CENSUS_COLUMNS, censuses, lang,
                                                                None))
    files.write_atomically(out, data)
    return None


def _xlsx_bytes(rows, lang, resolver: Resolver | None, censuses, version) -> bytes:
    try:
        import openpyxl
        from openpyxl.styles import Font
        from openpyxl.worksheet.datavalidation import DataValidation
    except ImportError:  # pragma: no cover
        raise unreadable("actions.needs_openpyxl") from None
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "actions"
    sheet.append([c.header(lang) for c in COLUMNS])
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
    if version:
        helper.append(["version", version,
                       "version des actions et recensements dont ce classeur est tiré"
                       if lang == "fr" else "version of the actions and censuses exported"])
    if censuses is not None:
        census_sheet = workbook.create_sheet("recensements" if lang == "fr" else "censuses")
        census_sheet.append([c.header(lang) for c in CENSUS_COLUMNS])
        for cell in census_sheet[1]:
            cell.font = Font(bold=True)
        for row in censuses:
            census_sheet.append([row[c.key] for c in CENSUS_COLUMNS])
        for index, column in enumerate(CENSUS_COLUMNS, start=1):
            census_sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = (
                40 if column.key in ("census_label", "census_method", "census_scope") else 18)
        for column in CENSUS_COLUMNS:
            helper.append([f"{'recensements' if lang == 'fr' else 'censuses'} : "
                           f"{column.header(lang)}",
                           column.help_fr if lang == "fr" else column.help_en, ""])
    helper.column_dimensions["A"].width = 28
    helper.column_dimensions["B"].width = 80
    helper.column_dimensions["C"].width = 80
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_resolver(settings: Settings | None = None) -> Resolver:
    """The names for the template's help sheet (allowed values), from the built graph."""
    return Resolver(names_store(settings or Settings.from_env()))
