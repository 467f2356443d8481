"""The query editor (``/editeur``: a small SPARQL editor over ``/sparql`` with the stored
queries as examples; ``/editeur?query=…`` opens a shared query and runs it) and the static
files (``/static/{name}``: the style sheet, scripts and icon, looked up by name in a dict)."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ...messages import render as render_message
from ..services import app_services
from .common import WEB, render

router = APIRouter(include_in_schema=False)

_START = (
    "PREFIX aula: <https://w3id.org/aula-kg/ontology#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n\n"
    "SELECT ?programme ?label WHERE {\n  ?programme a aula:Programme ; rdfs:label ?label .\n"
    "  FILTER(lang(?label) = \"fr\")\n} ORDER BY ?label\n"
)


@router.get("/editeur", response_class=HTMLResponse)
async def editor(request: Request) -> Response:
    services = app_services(request)
    catalog = services.queries.catalog
    examples = [{"name": q.name, "title": q.title["fr"], "text": q.text} for q in catalog]
    chosen = request.query_params.get("requete", "")
    if chosen not in catalog.queries:
        chosen = ""
    start = request.query_params.get("query") or (
        catalog.queries[chosen].text if chosen else _START)
    settings = services.settings
    return render("editor.html", title="Éditeur SPARQL", examples=examples, chosen=chosen,
                  start=start, timeout=settings.query_timeout, max_rows=settings.max_rows,
                  autorun=bool(request.query_params.get("query")), errors=EDITOR_ERRORS)


#: The error kinds of /sparql (errors.py) -> the French sentence the editor shows first.
EDITOR_ERRORS = {
    kind: render_message(code, {}, "fr")
    for kind, code in (("bad_query", "editor.bad_query"), ("read_only", "editor.bad_query"),
                       ("bad_request", "editor.bad_query"), ("timeout", "editor.timeout"),
                       ("busy", "editor.busy"), ("uri_too_long", "editor.too_large"),
                       ("payload_too_large", "editor.too_large"), ("*", "editor.failed"),
                       ("detail", "editor.detail"))
}


#: The static files, by name: a request names one of these or gets a 404.
STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}


def _static_files() -> dict[str, tuple[Path, str]]:
    folder = WEB / "static"
    if not folder.is_dir():
        return {}
    return {
        p.name: (p, STATIC_TYPES[p.suffix])
        for p in folder.iterdir()
        if p.is_file() and p.suffix in STATIC_TYPES
    }


STATIC = _static_files()


@router.get("/static/{name}")
async def static(name: str) -> Response:
    found = STATIC.get(name)
    if found is None:
        return Response(json.dumps({"error": "not_found", "message": "no such file"}),
                        status_code=404, media_type="application/json")
    path, media_type = found
    return Response(path.read_bytes(), media_type=media_type,
                    headers={"Cache-Control": "public, max-age=3600"})
