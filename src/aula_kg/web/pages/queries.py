"""Stored queries as pages: ``/requetes/{name}`` shows one stored query's form and, once
asked, its results as a table. It runs through the stored-query service, so through the
query pool and its limits; the table's cells are labelled through the graph view."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import anyio
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from rdflib import URIRef
from rdflib.term import Identifier

from ... import vocab
from ...catalog import RESOURCE_TYPES, StoredQuery
from ...errors import AmbiguousName, AulaKgError, ParameterError
from ...messages import render as render_message
from ...store.base import SelectResult, parse_json_results
from ...territories import TERRITORY_KINDS, NameIndex, collation_key
from ..connections import KIND_NAMES, dossier_href
from ..graphview import GraphView
from ..services import app_services
from ..terms import Cell, curie, graph_label
from .common import not_found_page, render

router = APIRouter(include_in_schema=False)
_GRAPH_IRI = re.compile(re.escape(str(vocab.GRAPH)) + r"[^\s;,]+")


@dataclass
class Table:
    columns: list[str]
    headings: list[str]
    rows: list[list[Cell]]
    boolean: bool | None = None
    truncated: bool = False


@dataclass
class Answer:
    """A stored query's answer as rows of rdflib terms (dicts by variable)."""

    variables: list[str]
    rows: list[dict[str, Identifier | None]]
    boolean: bool | None
    truncated: bool


async def run_rows(service, name: str, given: dict[str, str]) -> Answer:
    """Run the stored query ``name`` through the service (the pool, its limits)."""
    out = await service.run(service.get(name), given, "json", None)
    result = parse_json_results(out.body)
    if isinstance(result, SelectResult):
        return Answer(result.variables, result.as_dicts(), None, out.truncated)
    return Answer([], [], result, out.truncated)


def to_table(view: GraphView, answer: Answer, query: StoredQuery) -> Table:
    """The answer as a page shows it: French headings declared with the query."""
    view.prefetch(t for row in answer.rows for t in row.values())
    cells = [[view.cell(row.get(v)) for v in answer.variables] for row in answer.rows]
    for row in cells:  # lists of named graphs (GROUP_CONCAT) read as their French names
        for cell in row:
            if cell.href is None and str(vocab.GRAPH) in cell.text:
                cell.text = _GRAPH_IRI.sub(lambda m: graph_label(m.group(0)), cell.text)
            elif cell.title and cell.title.startswith(vocab.BASE) and cell.text != "" \
                    and cell.text == curie(cell.title):
                cell.text = "voir la fiche"  # an unnamed resource: no internal id shown
    return Table(answer.variables, [query.heading(v, "fr") for v in answer.variables], cells,
                 answer.boolean, answer.truncated)


def selected_option(options: list[str], value: str, ptype: str,
                    names: NameIndex | None) -> str:
    """The option a drop-down shows for the URL's ``value`` ("pvd" -> "Petites villes de
    demain"): the option itself, the option naming the same resource, or the value."""
    lowered = {o.lower(): o for o in options}
    if value.lower() in lowered:
        return lowered[value.lower()]
    if names is not None and ptype in RESOURCE_TYPES:
        kinds = RESOURCE_TYPES[ptype]
        found = names.find(value, kinds)
        if found is not None:
            for option in options:
                if names.find(option, kinds) == found:
                    return option
    return value


def form_fields(service, query, given: dict[str, str], names: NameIndex | None = None,
                invalid: str | None = None) -> list[dict[str, Any]]:
    """The form's fields showing the values the URL carries (never pre-filled examples:
    an example is a placeholder). ``invalid``: the parameter in error."""
    enums = service.enum_values()
    fields = []
    for p in query.parameters:
        value = given.get(p.name) or ""
        options = list(enums.get(p.type) or []) or None
        if options and value:
            value = selected_option(options, value, p.type, names)
            if value not in options:
                options.insert(0, value)
        fields.append({
            "name": p.name, "type": p.type, "required": p.required,
            "label": p.description["fr"], "value": value, "options": options,
            "expects": p.expects().render("fr"), "placeholder": p.example or p.default or "",
            "max_length": p.max_length, "invalid": invalid == p.name,
            "datalist": "territoires" if p.type in ("territory", "commune", "epci") else None,
        })
    return fields


def understood(query: StoredQuery, given: dict[str, str], names: NameIndex | None,
               path: str) -> list[dict[str, Any]]:
    """For each territory typed: the reading taken and the other readings, each a link
    that reruns the question with it ("Béthune-Bruay": the pair; or the CA)."""
    notes = []
    for p in query.parameters:
        text = given.get(p.name, "").strip()
        if p.type not in RESOURCE_TYPES or not text or names is None:
            continue
        kinds = RESOURCE_TYPES[p.type]
        if not kinds & TERRITORY_KINDS:
            continue
        try:
            taken = names.resolve(text, kinds, p.name)
        except ParameterError:
            continue
        others = [c for c in names.readings(text, kinds) if c.iri != taken.iri]
        if not text.startswith(("http://", "https://")):
            others += [c for c in names.search(text, kinds, limit=6)
                       if c.iri != taken.iri and c.kind != taken.kind and c not in others]
        links = []
        for other in others[:3]:
            values = dict(given, **{p.name: typed_value(names, other, kinds)})
            links.append({"label": other.label, "kind": KIND_NAMES.get(other.kind, other.kind),
                          "href": f"{path}?{urlencode(values)}"})
        notes.append({"label": taken.label, "kind": KIND_NAMES.get(taken.kind, taken.kind),
                      "dossier": dossier_href(str(taken.iri)), "others": links})
    return notes


def typed_value(names: NameIndex, candidate, kinds: set[str]) -> str:
    """What a link puts in a field for ``candidate``: its name when the name alone says
    it, its IRI otherwise."""
    found = names.find(candidate.label, kinds)
    return candidate.label if found is not None and found.iri == candidate.iri \
        else str(candidate.iri)





async def territory_choices(request: Request | FastAPI) -> list[dict[str, Any]]:
    """The territories a planner picks from: those of the stored query coverage_matrix
    (ACV communes, pairs, EPCI) and the agency's territory marked ``featured``, then every
    other commune, EPCI and pair of the name index (for the autocomplete); in French
    order, made once per app."""
    services = app_services(request)
    cached = services.known("territory_choices")
    if cached is not None:
        return cached
    answer = await run_rows(services.queries, "coverage_matrix", {})
    seen: dict[str, dict[str, Any]] = {}
    for row in answer.rows:
        iri = str(row["territory"])
        if iri not in seen:
            seen[iri] = {"iri": iri, "label": str(row["territory_label"]),
                         "kind": str(row["kind"]),
                         "kind_name": KIND_NAMES.get(str(row["kind"]), str(row["kind"])),
                         "featured": True,
                         "dossier": "/dossier/" + iri.removeprefix(str(vocab.ID))}
    aula = str(vocab.ID["territory/aula"])
    view = services.graph
    if await anyio.to_thread.run_sync(view.exists, aula):
        label = await anyio.to_thread.run_sync(view.label_text, URIRef(aula))
        seen[aula] = {"iri": aula, "label": label, "kind": "territory",
                      "kind_name": KIND_NAMES["territory"], "featured": True,
                      "dossier": "/dossier/territory/aula"}
    names = await services.queries.names_async()
    # Tens of thousands of communes on the national graph: sorted off the event loop.
    for candidate in await anyio.to_thread.run_sync(names.all, TERRITORY_KINDS):
        iri = str(candidate.iri)
        if iri not in seen and iri.startswith(str(vocab.ID)):
            seen[iri] = {"iri": iri, "label": candidate.label, "kind": candidate.kind,
                         "kind_name": KIND_NAMES.get(candidate.kind, candidate.kind),
                         "featured": False, "dossier": dossier_href(iri)}
    choices = sorted(seen.values(), key=lambda c: collation_key(c["label"]))
    return services.keep("territory_choices", choices)


@router.get("/requetes")
async def queries_index() -> Response:
    return RedirectResponse("/#requetes", status_code=303)


@router.get("/requetes/{name}", response_class=HTMLResponse)
async def query_page(name: str, request: Request) -> Response:
    services = app_services(request)
    service = services.queries
    query = service.catalog.queries.get(name)
    if query is None:
        return not_found_page(f"de requête enregistrée nommée « {name} »")
    declared = {p.name for p in query.parameters}
    given: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key in declared and key not in given:
            given[key] = value
    run = bool(given) or "run" in request.query_params
    table, error, candidates, status, invalid = None, None, [], 200, None
    await anyio.to_thread.run_sync(service.enum_values)
    names = await service.names_async()
    path = f"/requetes/{name}"
    if run:
        try:
            answer = await run_rows(service, name, given)
            table = await anyio.to_thread.run_sync(to_table, services.graph, answer, query)
        except AulaKgError as exc:
            error, status = french_text(exc, query), exc.http_status
            parameter = exc.params.get("parameter")
            invalid = parameter if parameter in declared else None
            candidates = error_candidates(exc, query, given, names, path)
    params = urlencode({k: v for k, v in given.items() if v})
    downloads = [(label, f"/telecharger/{name}?{params + '&' if params else ''}format={fmt}")
                 for label, fmt in (("Excel (XLSX)", "xlsx"), ("CSV pour Excel", "csv"))]
    api = f"/api/queries/{name}"
    raw = [(label, f"{api}?{params + '&' if params else ''}format={fmt}")
           for label, fmt in (("JSON", "json"), ("CSV", "csv"), ("TSV", "tsv"), ("XML", "xml"))]
    return render(
        "query.html", status, title=query.title["fr"], query=query,
        fields=form_fields(service, query, given, names, invalid), table=table, error=error,
        candidates=candidates, downloads=downloads, raw_downloads=raw, ran=run,
        understood=understood(query, given, names, path) if table is not None else [],
        territories=await territory_choices(request),
    )


def french_text(exc: AulaKgError, query: StoredQuery) -> str:
    """The error in French, the parameter called by its field's French label (« L'année
    des chiffres », not « year »)."""
    labels = {p.name: p.description["fr"] for p in query.parameters}
    parameter = exc.params.get("parameter")
    if exc.code is None or parameter not in labels:
        return exc.text("fr")
    return render_message(exc.code, dict(exc.params, parameter=labels[parameter]), "fr")


def error_candidates(exc: AulaKgError, query: StoredQuery, given: dict[str, str],
                     names: NameIndex, path: str) -> list[dict[str, Any]]:
    """Clickable candidates for a name that is ambiguous, unknown or partial: each reruns
    the question with that reading."""
    parameter = exc.params.get("parameter")
    spec = next((p for p in query.parameters if p.name == parameter), None)
    if spec is None or spec.type not in RESOURCE_TYPES:
        return []
    kinds = RESOURCE_TYPES[spec.type]
    if isinstance(exc, AmbiguousName):
        found = [(label, iri, None) for iri, label in exc.candidates]
    elif isinstance(exc, ParameterError):
        found = [(c.label, typed_value(names, c, kinds), KIND_NAMES.get(c.kind, c.kind))
                 for c in names.search(given.get(parameter, ""), kinds)]
    else:
        return []
    return [{"label": label, "kind": kind,
             "href": f"{path}?{urlencode(dict(given, **{parameter: value}))}"}
            for label, value, kind in found]
