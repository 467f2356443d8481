"""Spreadsheets for people: ``/telecharger/{name}?…&format=xlsx|csv`` answers a stored query
(through the stored-query service, so the pool and its limits) and sends it as XLSX or as
CSV for French Excel (aula_kg.exports), named after the question and its parameters. The
SPARQL results formats stay on ``/api/queries/{name}``."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response

from ... import exports
from ...errors import AulaKgError
from ..services import app_services
from .common import not_found_page, render

router = APIRouter(include_in_schema=False)

FORMATS = {"xlsx": (exports.XLSX_TYPE, exports.to_xlsx), "csv": (exports.CSV_TYPE, exports.to_csv)}


@router.get("/telecharger/{name}")
async def download(name: str, request: Request) -> Response:
    services = app_services(request)
    service = services.queries
    query = service.catalog.queries.get(name)
    if query is None:
        return not_found_page(f"de requête enregistrée nommée « {name} »")
    fmt = request.query_params.get("format", "xlsx")
    if fmt not in FORMATS:
        return render("error.html", 406, title="Format inconnu", code=406,
                      message=f"Les téléchargements existent en XLSX (format=xlsx) et en CSV "
                              f"(format=csv), pas en « {fmt} ».")
    declared = {p.name for p in query.parameters}
    given = {k: v for k, v in request.query_params.items() if k in declared and v}
    try:
        answer = await service.answer(query, given)
    except AulaKgError as exc:
        return render("error.html", exc.http_status, title="Téléchargement impossible",
                      code=exc.http_status, message=exc.text("fr"))
    view = services.graph
    table = answer.table
    if not isinstance(table, bool):
        await anyio.to_thread.run_sync(view.prefetch, [t for row in table.rows for t in row])
    sources = await anyio.to_thread.run_sync(
        services.once, "export_sources", lambda: exports.sources_of(services.store))
    now = dt.datetime.now().replace(microsecond=0)
    page = str(request.url).replace("/telecharger/", "/requetes/", 1)
    sheet = exports.sheet_for(query, table, given, label=view.label_text, sources=sources,
                              address=page, asked=now)
    media_type, write = FORMATS[fmt]
    body = await anyio.to_thread.run_sync(write, sheet)
    filename = exports.file_name(query, given, now.date(), fmt)
    headers = {"Content-Disposition": f"attachment; filename=\"{filename}\"; "
                                      f"filename*=UTF-8''{quote(filename)}"}
    if answer.truncated:
        headers["Aula-Kg-Truncated"] = "true"
    return Response(body, media_type=media_type, headers=headers)
