"""The query editor (``/editeur``: a small SPARQL editor over ``/sparql`` with the stored
queries as examples; ``/editeur?query=…`` opens a shared query and runs it) and the static
files (``/static/{name}``: the style sheet, scripts and icon, looked up by name in a dict)."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pyparsing import ParseException
from rdflib import URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.plugins.sparql.parser import parseQuery

from ... import vocab
from ...errors import QueryRejected
from ...messages import render as render_message
from ...queryform import _PARSER_LOCK, is_update, query_form
from ...store.base import UNION
from ..services import app_services
from ..terms import curie
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
    terms = await anyio.to_thread.run_sync(services.once, "editor_terms",
                                           lambda: completion_terms(services.store))
    return render("editor.html", title="Éditeur SPARQL", examples=examples, chosen=chosen,
                  start=start, timeout=settings.query_timeout, max_rows=settings.max_rows,
                  autorun=bool(request.query_params.get("query")), errors=EDITOR_ERRORS,
                  terms=terms)


#: The longest text /editeur/analyse parses (the endpoint's own limit is checked on run).
MAX_ANALYSED = 100_000
_KEYWORDS = ("SELECT", "DISTINCT", "WHERE", "FILTER", "OPTIONAL", "UNION", "GRAPH", "VALUES",
             "BIND", "ORDER BY", "GROUP BY", "LIMIT", "OFFSET", "PREFIX", "ASK", "CONSTRUCT",
             "DESCRIBE", "COUNT", "GROUP_CONCAT", "LANG", "STR", "CONTAINS", "REGEX", "MINUS",
             "NOT EXISTS", "SERVICE")


def completion_terms(store) -> list[dict[str, str]]:
    """What the editor completes: the prefixes, the ontology's classes and properties (by
    their CURIE, with their French label), SPARQL's keywords."""
    terms = [{"label": f"{prefix}:", "detail": namespace, "type": "namespace",
              "info": f"PREFIX {prefix}: <{namespace}>"}
             for prefix, namespace in sorted(vocab.PREFIXES.items())]
    kinds = {str(OWL.Class): "class", str(RDFS.Class): "class",
             str(OWL.ObjectProperty): "property", str(OWL.DatatypeProperty): "property",
             str(RDF.Property): "property", str(OWL.AnnotationProperty): "property"}
    found: dict[str, dict[str, str]] = {}
    for s, _p, _o, _g in store.quads(None, [RDFS.isDefinedBy], vocab.ONTOLOGY_IRI, UNION):
        found.setdefault(str(s), {"label": curie(s), "type": "variable", "detail": ""})
    if found:
        iris = [URIRef(i) for i in found]
        for s, p, o, _g in store.quads(iris, [RDF.type, RDFS.label], None, UNION):
            entry = found[str(s)]
            if p == RDF.type and str(o) in kinds:
                entry["type"] = kinds[str(o)]
            elif p == RDFS.label and getattr(o, "language", None) == "fr":
                entry["detail"] = str(o)
    terms += sorted(found.values(), key=lambda t: t["label"])
    terms += [{"label": k, "type": "keyword", "detail": ""} for k in _KEYWORDS]
    return terms


@router.post("/editeur/analyse")
async def analyse(request: Request) -> Response:
    """Whether the editor's text parses, and where it does not (it is never run here)."""
    form = await request.form()
    text = str(form.get("query") or "")
    if len(text) > MAX_ANALYSED:
        return JSONResponse({"error": {"message": render_message(
            "editor.too_long_to_check", {}, "fr"), "line": 1, "column": 1}})
    return JSONResponse({"error": await anyio.to_thread.run_sync(parse_problem, text)})


def parse_problem(text: str) -> dict[str, object] | None:
    """None when ``text`` is a query SPARQL can read; else where and why, in French."""
    try:
        query_form(text)
    except QueryRejected:
        pass
    else:
        return None
    try:
        with _PARSER_LOCK:
            parseQuery(text)
    except ParseException as exc:
        if is_update(text):
            return {"message": render_message("editor.update", {}, "fr"), "line": 1,
                    "column": 1}
        return {"message": render_message("editor.parse_error", {
            "line": exc.lineno, "column": exc.col, "detail": exc.msg}, "fr"),
            "line": exc.lineno, "column": exc.col}
    except RecursionError:
        pass
    return {"message": render_message("editor.bad_query", {}, "fr"), "line": 1, "column": 1}


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
