"""Rows to RDF, and the checks a planner's rows go through: each cell parsed and resolved
(:mod:`.names`), then the rows validated with the project's SHACL shapes together with the
rest of the data, each result mapped back to its line and column (:class:`.problems.RowError`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

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


def rows_to_graph(rows: list[Row], resolver: Resolver) -> Parsed:
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


def shape_errors(parsed: Parsed, settings: Settings, sources, old: Graph) -> list[RowError]:
    """SHACL results on the rows, validated with the rest of the data and the ontology.

    This reads the source files (``sources``), not the built graph: the shapes must see the
    data as the next build will, the rows in place of the current actions file (``old``),
    and without the inferred facts the build adds (closure of the old actions included).
    """
    data = data_graph(sources)
    for triple in old:
        data.remove(triple)
    ontology = sources.graph(vocab.ONTOLOGY_GRAPH)
    for triple in ontology:
        data.add(triple)
    for triple in parsed.graph:
        data.add(triple)
    report = validate_graph(data, sources.graph(vocab.SHAPES_GRAPH), ontology=ontology)
    already = {(e.line, e.column) for e in parsed.errors}
    errors = []
    for violation in report.violations:
        line = parsed.lines.get(violation.focus)
        if line is None or violation.severity != "Violation":
            continue
        column = None
        if violation.path:
            predicate = vocab.expand(violation.path)
            column = COLUMN_OF_PREDICATE.get(predicate)
        elif "Action" in violation.shape:
            column = "communes"
        if (line, column) in already:
            continue
        already.add((line, column))
        fr = violation.message.get("fr") or next(iter(violation.message.values()), "")
        en = violation.message.get("en") or fr
        errors.append(row_error(line, column, "actions.shape", message={"fr": fr, "en": en}))
    return errors

