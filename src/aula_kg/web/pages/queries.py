"""Stored queries as pages: ``/requetes/{name}`` shows one stored query's form and, once
asked, its results as a table. It runs through the stored-query service, so through the
query pool and its limits; the table's cells are labelled through the graph view."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from rdflib import URIRef
from rdflib.term import Identifier

from ... import vocab
from ...errors import AmbiguousName, AulaKgError
from ...store.base import SelectResult, parse_json_results
from ..graphview import GraphView
from ..services import app_services
from ..terms import Cell, heading
from .common import not_found_page, render

router = APIRouter(include_in_schema=False)


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


def to_table(view: GraphView, answer: Answer) -> Table:
    view.prefetch(t for row in answer.rows for t in row.values())
    cells = [[view.cell(row.get(v)) for v in answer.variables] for row in answer.rows]
    return Table(answer.variables, [heading(v) for v in answer.variables], cells,
                 answer.boolean, answer.truncated)


def form_fields(service, query, given: dict[str, str], prefill: bool) -> list[dict[str, Any]]:
    enums = service.enum_values()
    fields = []
    for p in query.parameters:
        value = given.get(p.name)
        if value is None and prefill:
            value = p.default or p.example or ""
        fields.append({
            "name": p.name, "type": p.type, "required": p.required,
            "label": p.description["fr"], "value": value or "", "options": enums.get(p.type),
            "expects": p.expects().render("fr"), "placeholder": p.example or p.default or "",
            "max_length": p.max_length,
            "datalist": "territoires" if p.type in ("territory", "commune", "epci") else None,
        })
    return fields


async def territory_choices(request: Request) -> list[dict[str, Any]]:
    """The territories a planner picks from (ACV communes, pairs, EPCI), from the stored
    query coverage_matrix; made once per app."""
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
                         "dossier": "/dossier/" + iri.removeprefix(str(vocab.ID))}
    aula = str(vocab.ID["territory/aula"])
    view = services.graph
    if await anyio.to_thread.run_sync(view.exists, aula):
        label = await anyio.to_thread.run_sync(view.label_text, URIRef(aula))
        seen[aula] = {"iri": aula, "label": label, "kind": "territory",
                      "dossier": "/dossier/territory/aula"}
    choices = sorted(seen.values(), key=lambda c: c["label"].lower())
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
    table, error, candidates, status = None, None, [], 200
    await anyio.to_thread.run_sync(service.enum_values)
    if run:
        try:
            answer = await run_rows(service, name, given)
            table = await anyio.to_thread.run_sync(to_table, services.graph, answer)
        except AmbiguousName as exc:
            error, status = exc.text("fr"), 400
            parameter = exc.params.get("parameter")
            for iri, label in exc.candidates:
                values = dict(given)
                if parameter in declared:
                    values[parameter] = iri
                candidates.append({"label": label, "iri": iri,
                                   "href": f"/requetes/{name}?{urlencode(values)}"})
        except AulaKgError as exc:
            error, status = exc.text("fr"), exc.http_status
    api = f"/api/queries/{name}"
    params = urlencode({k: v for k, v in given.items() if v})
    downloads = [(label, f"{api}?{params + '&' if params else ''}format={fmt}")
                 for label, fmt in (("CSV", "csv"), ("JSON", "json"), ("TSV", "tsv"),
                                    ("XML", "xml"))]
    return render(
        "query.html", status, title=query.title["fr"], query=query,
        fields=form_fields(service, query, given, not run), table=table, error=error,
        candidates=candidates, downloads=downloads, ran=run,
        territories=await territory_choices(request),
    )
