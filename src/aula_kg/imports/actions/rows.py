"""Rows to RDF, and the checks a planner's rows go through: each cell parsed and resolved
(:mod:`.names`), then the rows validated with the project's SHACL shapes together with the
rest of the data, each result mapped back to its line and column (:class:`.problems.RowError`).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from ... import vocab
from ...build import data_graph
from ...config import Settings
from ...territories import normalise
from ...validation import validate_graph
from ...vocab import AULA
from .columns import BY_KEY, COLUMN_OF_PREDICATE, NO, PREDICATES, YES
from .names import Resolver
from .problems import RowError, row_error
from .reading import Row

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ACTION_BASE = str(vocab.ACTION_NAMESPACE)


@dataclass
class Parsed:
    graph: Graph
    #: focus node (str) -> spreadsheet line
    lines: dict[str, int]
    errors: list[RowError]
    actions: list[URIRef]


def _action_iri(row: Row, errors: list[RowError]) -> URIRef | None:
    value = row.cells["id"]
    if value:
        slug = value.removeprefix(ACTION_BASE).removeprefix("action/")
        if SLUG.fullmatch(slug):
            return vocab.action(slug)
        fixed = vocab.slugify(slug)
        if fixed:
            errors.append(row_error(row.line, "id", "actions.bad_identifier_suggest",
                                    value=value, suggestion=fixed))
        else:
            errors.append(row_error(row.line, "id", "actions.bad_identifier", value=value))
        return None
    if row.cells["title"]:
        slug = vocab.slugify(row.cells["title"])
        if len(slug) > 80:
            slug = slug[:80].rsplit("-", 1)[0]
        if slug:
            return vocab.action(slug)
    return None


def _census_cells(row: Row, censuses: dict[str, URIRef], graph: Graph, node: URIRef,
                  errors: list[RowError]) -> None:
    """The ``recensement(s)`` column: identifiers of censuses declared in the census sheet
    (or, without one, in the graph)."""
    for value in [v.strip() for v in row.cells["census"].split(";") if v.strip()]:
        slug = value.removeprefix(str(vocab.CENSUS_NAMESPACE)).removeprefix("census/")
        iri = censuses.get(slug) or next(
            (i for k, i in censuses.items() if normalise(k) == normalise(slug)), None)
        if iri is None:
            close = difflib.get_close_matches(slug, sorted(censuses), n=3, cutoff=0.6)
            if close:
                errors.append(row_error(row.line, "census", "actions.unknown_census_suggest",
                                        value=value, suggestions=close))
            else:
                errors.append(row_error(row.line, "census", "actions.unknown_census",
                                        value=value, options=", ".join(sorted(censuses)) or "-"))
            continue
        graph.add((node, AULA.recordedBy, iri))


def rows_to_graph(rows: list[Row], resolver: Resolver,
                  censuses: dict[str, URIRef] | None = None) -> Parsed:
    """The rows as RDF. ``censuses``: identifier -> census IRI, the censuses a row may
    name."""
    censuses = censuses or {}
    graph = Graph()
    lines: dict[str, int] = {}
    errors: list[RowError] = []
    actions: list[URIRef] = []
    seen: dict[URIRef, int] = {}
    for row in rows:
        cells = row.cells
        node = _action_iri(row, errors)
        if node is not None and node in seen:
            other = seen[node]
            if cells["id"]:
                errors.append(row_error(row.line, "id", "actions.identifier_taken",
                                        value=cells["id"], other=other))
            else:
                errors.append(row_error(row.line, "title", "actions.same_title", other=other))
            node = None
        if node is None:
            # Still validate the row's other cells, under a node of its own.
            # (a missing title is reported by the shapes)
            node = vocab.action(f"ligne-{row.line}")
        else:
            seen[node] = row.line
            actions.append(node)
        lines[str(node)] = row.line
        graph.add((node, RDF.type, AULA.Action))

        for key, lang in (("title", "fr"), ("title_en", "en"), ("description", "fr"),
                          ("purpose", "fr"), ("purpose_en", "en"), ("communes_note", "fr"),
                          ("note", "fr")):
            if cells[key]:
                graph.add((node, PREDICATES[key], Literal(cells[key], lang=lang)))

        for key in ("communes", "programme", "kind", "recommendations", "functions", "status",
                    "studied"):
            if not cells[key]:
                continue
            column = BY_KEY[key]
            values = [v.strip() for v in cells[key].split(";")] if column.multi else [cells[key]]
            values = [v for v in values if v]
            if not column.multi and ";" in cells[key]:
                errors.append(row_error(row.line, key, "actions.one_value"))
                continue
            for value in values:
                result = resolver.resolve(value, key, row.line)
                if isinstance(result, RowError):
                    errors.append(result)
                else:
                    graph.add((node, PREDICATES[key], result))

        if cells["census"]:
            _census_cells(row, censuses, graph, node, errors)
        if cells["revises"]:
            slug = cells["revises"].removeprefix(ACTION_BASE).removeprefix("action/")
            if SLUG.fullmatch(slug):
                graph.add((node, PROV.wasRevisionOf, vocab.action(slug)))
            else:
                errors.append(row_error(row.line, "revises", "actions.bad_identifier",
                                        value=cells["revises"]))

        year = cells["year"]
        if year:
            if re.fullmatch(r"\d{4}", year) and 1800 <= int(year) <= 2200:
                graph.add((node, AULA.year, Literal(year, datatype=XSD.gYear)))
            else:
                errors.append(row_error(row.line, "year", "actions.not_a_year", value=year))

        study = normalise(cells["study"])
        if study in YES:
            graph.add((node, RDF.type, AULA.Study))
        elif study not in NO:
            errors.append(row_error(row.line, "study", "actions.yes_or_empty",
                                    value=cells["study"]))

        for value in [v.strip() for v in cells["source"].split(";") if v.strip()]:
            result = resolver.source(value, row.line)
            if isinstance(result, RowError):
                errors.append(result)
                continue
            iri, citation = result
            graph.add((node, PROV.wasDerivedFrom, iri))
            if citation is not None:
                graph.add((iri, DCTERMS.bibliographicCitation, Literal(citation)))
                lines.setdefault(str(iri), row.line)
    return Parsed(graph, lines, errors, actions)


CENSUS_COLUMN_OF_PREDICATE = {
    DCTERMS.date: "census_date", AULA.programme: "census_programme",
    AULA.censusScope: "census_scope", AULA.censusMethod: "census_method",
    RDFS.label: "census_label", PROV.wasDerivedFrom: "census_source",
    AULA.analysisGrid: "census_id",
}


def shape_errors(parsed: Parsed, settings: Settings, sources, old: Graph,
                 censuses: Graph | None = None, old_censuses: Graph | None = None,
                 census_lines: dict[str, int] | None = None) -> list[RowError]:
    """SHACL results on the rows, validated with the rest of the data and the ontology.

    This reads the source files (``sources``), not the built graph: the shapes must see the
    data as the next build will, the rows in place of the current actions file (``old``) and
    the census sheet's censuses (``censuses``) in place of the current ones
    (``old_censuses``), and without the inferred facts the build adds.
    """
    census_lines = census_lines or {}
    data = data_graph(sources)
    for triple in old:
        data.remove(triple)
    for triple in old_censuses or ():
        data.remove(triple)
    ontology = sources.graph(vocab.ONTOLOGY_GRAPH)
    for graph in (ontology, censuses or Graph(), parsed.graph):
        for triple in graph:
            data.add(triple)
    shapes = sources.graph(vocab.SHAPES_GRAPH)
    report = validate_graph(data, shapes, ontology=ontology)
    already = {(e.line, e.column) for e in parsed.errors}
    errors = []
    # pySHACL reports a SPARQL constraint once per message language: merge them.
    merged: dict[tuple, dict[str, str]] = {}
    for violation in report.violations:
        merged.setdefault((violation.focus, violation.path, violation.shape), {}).update(
            violation.message)
    for violation in report.violations:
        if violation.severity != "Violation":
            continue
        violation.message = merged[(violation.focus, violation.path, violation.shape)]
        line = parsed.lines.get(violation.focus)
        predicate = vocab.expand(violation.path) if violation.path else None
        if line is not None:
            column = COLUMN_OF_PREDICATE.get(predicate) if predicate else (
                "communes" if "Action" in violation.shape else None)
        elif violation.focus in census_lines:
            line = census_lines[violation.focus]
            column = CENSUS_COLUMN_OF_PREDICATE.get(predicate, "census_id")
        else:
            continue
        if (line, column) in already:
            continue
        already.add((line, column))
        message = dict(violation.message)
        if set(message) <= {""}:
            # pySHACL drops the language tag of a SPARQL constraint's message: the shape's.
            for text in shapes.objects(vocab.expand(violation.shape), vocab.SH.message):
                message[text.language or ""] = str(text)
        fr = message.get("fr") or next(iter(message.values()), "")
        en = message.get("en") or fr
        errors.append(row_error(line, column, "actions.shape", message={"fr": fr, "en": en}))
    return errors
