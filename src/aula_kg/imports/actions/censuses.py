"""The census sheet: each census of actions (aula:ActionCensus) the spreadsheet's rows name,
with its date, scope, programme and method, checked row by row like the actions, and
written canonically to ``data/censuses.ttl``.

Where the sheet is: in an XLSX workbook, the sheet ``recensements`` (or ``censuses``); beside
a CSV file ``actions.csv``, the file ``actions-recensements.csv`` (or the file given with
``--censuses``). Without one, the censuses stay as they are and the rows may name them.
A census that actions still name cannot be removed (the error names the actions).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from ... import files, vocab
from ...vocab import AULA
from .columns import CENSUS_BY_KEY, CENSUS_COLUMNS
from .names import Resolver, source_display
from .problems import RowError, row_error
from .reading import Row, table_rows
from .writing import GENERATED_NOTE, object_key

CENSUSES_FILE = "censuses.ttl"
SHEET_NAMES = ("recensements", "censuses")
CSV_SUFFIXES = ("-recensements", "-censuses")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
GRID = vocab.concept_scheme("recommendation")
PREDICATE_ORDER = [RDF.type, RDFS.label, DCTERMS.date, AULA.programme, AULA.censusScope,
                   AULA.censusMethod, AULA.analysisGrid, PROV.wasDerivedFrom]
SECTION_TITLE = "Recensements des actions"


def censuses_path(settings) -> Path:
    return settings.data_dir / CENSUSES_FILE


def census_sheet(path: Path, explicit: Path | None = None) -> Path | None:
    """The CSV census file that goes with the CSV ``path`` (explicit, or its sibling)."""
    if explicit is not None:
        return explicit
    if path.suffix.lower() == ".xlsx":
        return None
    for suffix in CSV_SUFFIXES:
        candidate = path.with_name(f"{path.stem}{suffix}{path.suffix}")
        if candidate.is_file():
            return candidate
    return None


def read_census_rows(path: Path, explicit: Path | None = None) -> list[Row] | None:
    """The census rows of the workbook or of the census file; None when there is none."""
    if path.suffix.lower() == ".xlsx" and explicit is None:
        rows = table_rows(path, CENSUS_COLUMNS, sheet_names=SHEET_NAMES, required="census_id",
                          only_named_sheet=True)
        return None if rows is None else rows[0]
    sheet = census_sheet(path, explicit)
    if sheet is None:
        return None
    return table_rows(sheet, CENSUS_COLUMNS, required="census_id")[0]


def parse_date(text: str) -> Literal | None:
    """``2021`` (xsd:gYear), ``2021-10`` (xsd:gYearMonth) or ``2021-10-15`` (xsd:date)."""
    text = text.strip()
    if re.fullmatch(r"\d{4}", text):
        return Literal(text, datatype=XSD.gYear)
    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        return Literal(text, datatype=XSD.gYearMonth)
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:[T ]00:00:00)?", text)
    if match:
        try:
            datetime.date.fromisoformat(match.group(1))
        except ValueError:
            return None
        return Literal(match.group(1), datatype=XSD.date)
    return None


@dataclass
class ParsedCensuses:
    graph: Graph
    #: identifier -> IRI
    censuses: dict[str, URIRef]
    #: focus node (str) -> line
    lines: dict[str, int]
    errors: list[RowError]


def census_rows_to_graph(rows: list[Row], resolver: Resolver) -> ParsedCensuses:
    graph = Graph()
    censuses: dict[str, URIRef] = {}
    lines: dict[str, int] = {}
    errors: list[RowError] = []
    for row in rows:
        cells = row.cells
        slug = cells["census_id"].removeprefix(str(vocab.CENSUS_NAMESPACE)).removeprefix(
            "census/")
        if not SLUG.fullmatch(slug):
            fixed = vocab.slugify(slug)
            if fixed:
                errors.append(row_error(row.line, "census_id", "actions.bad_identifier_suggest",
                                        value=slug, suggestion=fixed))
            else:
                errors.append(row_error(row.line, "census_id", "actions.bad_identifier",
                                        value=slug))
            continue
        if slug in censuses:
            errors.append(row_error(row.line, "census_id", "actions.identifier_taken",
                                    value=slug, other=lines[str(censuses[slug])]))
            continue
        node = vocab.census(slug)
        censuses[slug] = node
        lines[str(node)] = row.line
        graph.add((node, RDF.type, AULA.ActionCensus))
        graph.add((node, AULA.analysisGrid, GRID))
        for key, predicate, lang in (("census_label", RDFS.label, "fr"),
                                     ("census_label_en", RDFS.label, "en"),
                                     ("census_method", AULA.censusMethod, "fr"),
                                     ("census_method_en", AULA.censusMethod, "en")):
            if cells[key]:
                graph.add((node, predicate, Literal(cells[key], lang=lang)))
        if not cells["census_label"]:
            errors.append(row_error(row.line, "census_label", "actions.census_no_label"))
        if not cells["census_date"]:
            errors.append(row_error(row.line, "census_date", "actions.census_no_date"))
        else:
            date = parse_date(cells["census_date"])
            if date is None:
                errors.append(row_error(row.line, "census_date", "actions.not_a_date",
                                        value=cells["census_date"]))
            else:
                graph.add((node, DCTERMS.date, date))
        if not cells["census_method"]:
            errors.append(row_error(row.line, "census_method", "actions.census_no_method"))
        for key, predicate in (("census_programme", AULA.programme),
                               ("census_scope", AULA.censusScope)):
            values = ([v.strip() for v in cells[key].split(";") if v.strip()]
                      if CENSUS_BY_KEY[key].multi else [cells[key]] if cells[key] else [])
            if not values:
                errors.append(row_error(row.line, key, "actions.census_missing",
                                        column={"fr": CENSUS_BY_KEY[key].fr,
                                                "en": CENSUS_BY_KEY[key].en}))
            for value in values:
                result = resolver.resolve(value, key, row.line)
                if isinstance(result, RowError):
                    errors.append(result)
                else:
                    graph.add((node, predicate, result))
        for value in [v.strip() for v in cells["census_source"].split(";") if v.strip()]:
            result = resolver.source(value, row.line)
            if isinstance(result, RowError):
                result.column = "census_source"
                errors.append(result)
                continue
            iri, citation = result
            graph.add((node, PROV.wasDerivedFrom, iri))
            if citation is not None:
                graph.add((iri, DCTERMS.bibliographicCitation, Literal(citation)))
        if not cells["census_source"]:
            errors.append(row_error(row.line, "census_source", "actions.census_no_source"))
    return ParsedCensuses(graph, censuses, lines, errors)


def census_ids(graph: Graph) -> dict[str, URIRef]:
    return {str(c).removeprefix(str(vocab.CENSUS_NAMESPACE)): URIRef(c)
            for c in graph.subjects(RDF.type, AULA.ActionCensus)}


def removed_in_use(old: Graph, new: dict[str, URIRef], rows: list[Row]) -> list[RowError]:
    """A census of ``old`` missing from the sheet while action rows still name it: refused,
    naming the actions."""
    errors = []
    for slug in sorted(census_ids(old)):
        if slug in new:
            continue
        users = sorted(
            f"action/{row.cells['id'] or vocab.slugify(row.cells['title'])}" for row in rows
            if slug in [v.strip().removeprefix("census/") for v in row.cells["census"].split(";")])
        if users:
            errors.append(row_error(0, None, "actions.census_removed_in_use", census=slug,
                                    actions=", ".join(users)))
    return errors


def census_rows(graph: Graph, resolver: Resolver) -> list[dict[str, str]]:
    """The censuses of ``graph`` as rows of the census sheet (for the export)."""
    citations = {URIRef(s): str(o) for s, o in graph.subject_objects(
        DCTERMS.bibliographicCitation)}
    rows = []
    for slug, node in sorted(census_ids(graph).items()):
        row = {c.key: "" for c in CENSUS_COLUMNS}
        row["census_id"] = slug
        for predicate, obj in sorted(graph.predicate_objects(node),
                                     key=lambda po: (str(po[0]), object_key(po[1]))):
            if predicate == RDFS.label:
                key = "census_label" if obj.language == "fr" else "census_label_en"
                row[key] = row[key] or str(obj)
            elif predicate == AULA.censusMethod:
                key = "census_method" if obj.language == "fr" else "census_method_en"
                row[key] = row[key] or str(obj)
            elif predicate == DCTERMS.date:
                row["census_date"] = str(obj)
            elif predicate in (AULA.programme, AULA.censusScope):
                key = "census_programme" if predicate == AULA.programme else "census_scope"
                kinds = {"programme"} if key == "census_programme" else {
                    "commune", "pair", "epci", "territory"}
                value = resolver.display(URIRef(obj), kinds)
                row[key] = f"{row[key]} ; {value}" if row[key] else value
            elif predicate == PROV.wasDerivedFrom:
                value = source_display(URIRef(obj), citations)
                row["census_source"] = (f"{row['census_source']} ; {value}"
                                        if row["census_source"] else value)
        rows.append(row)
    return rows


def _predicate_key(predicate) -> tuple:
    position = (PREDICATE_ORDER.index(predicate) if predicate in PREDICATE_ORDER
                else len(PREDICATE_ORDER))
    return (position, str(predicate))


def canonical_censuses(graph: Graph, header: list[str]) -> str:
    """``data/censuses.ttl``, canonical: same censuses, same bytes."""
    writer = files.TurtleWriter(
        {p: vocab.PREFIXES[p] for p in ("aula", "dcterms", "prov", "rdfs", "skos", "xsd")},
        files.TURTLE_LAYOUT, base=str(vocab.ID), predicate_key=_predicate_key,
        object_key=object_key)
    censuses = sorted(census_ids(graph).values(), key=str)
    others = sorted({s for s in graph.subjects() if isinstance(s, URIRef)} - set(censuses),
                    key=str)
    sections = [(SECTION_TITLE, censuses)]
    if others:
        sections.append(("Citations libres", others))
    return files.canonical_turtle(writer, graph, [GENERATED_NOTE, *header], sections)
