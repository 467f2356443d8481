"""The stored queries as an API: ``GET /api/queries`` and ``GET /api/queries/{name}``.

A stored query runs exactly as on the command line: :meth:`answering.StoredQueries.answer`
checks and binds its parameters, renders its text and runs it through the app's query pool,
so a stored query has the same time limit, row cap and no-fetching rule as any query sent to
``/sparql``. A query name is only ever looked up in the catalogue's dict; it never becomes a
path.

The OpenAPI document (``/openapi.json``, shown at ``/docs``) describes each stored query as
a path of its own with its typed parameters: enums for the few named concepts
(recommendations, urban functions, statuses, programmes), patterns for codes.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from .. import __version__, formats
from ..answering import StoredQueries
from ..catalog import StoredQuery
from ..errors import AmbiguousName, NotAcceptable, ParameterError, UnknownQuery
from .services import app_services
from .sparql import TRUNCATED_HEADER

router = APIRouter(prefix="/api", tags=["Requêtes enregistrées / stored queries"])

#: Query-string keys that are not parameters of the stored query.
RESERVED = frozenset({"format"})
#: ``format=`` values that mean a spreadsheet (answered by /telecharger, web.pages.downloads).
SPREADSHEETS = {"xlsx": "xlsx", "excel": "xlsx", "csv-excel": "csv", "excel-csv": "csv"}

INSEE_PATTERN = r"^(?:\d[0-9AB]\d{3}|97\d{3})$"
SIREN_PATTERN = r"^\d{9}$"

def query_service(request_or_app: Request | FastAPI) -> StoredQueries:
    """The app's stored-query service (built by create_app, in its AppServices)."""
    return app_services(request_or_app).queries


# -- descriptions -----------------------------------------------------------------------


def describe_parameter(parameter) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": parameter.name,
        "type": parameter.type,
        "required": parameter.required,
        "default": parameter.default,
        "example": parameter.example,
        "description": parameter.description,
        "expects": parameter.expects().render("en"),
    }
    if parameter.type == "integer":
        out["min"], out["max"] = parameter.minimum, parameter.maximum
    if parameter.type == "text":
        out["max_length"] = parameter.max_length
    return out


def describe_query(query: StoredQuery) -> dict[str, Any]:
    return {
        "name": query.name,
        "iri": str(query.iri),
        "url": f"/api/queries/{query.name}",
        "form": query.form,
        "title": query.title,
        "description": query.description,
        "tags": query.tags,
        "check": query.name.endswith("-violation"),
        "parameters": [describe_parameter(p) for p in query.parameters],
    }


# -- routes -----------------------------------------------------------------------------


@router.get(
    "/queries",
    summary="Le catalogue des requêtes enregistrées / the stored-query catalogue",
    description="Each stored query: name, titles and descriptions (fr, en), tags, and its "
    "parameters with their type, whether required, default and description.",
)
async def list_queries(request: Request) -> JSONResponse:
    service = query_service(request)
    return JSONResponse({"queries": [describe_query(q) for q in service.catalog]})


@router.get(
    "/status",
    summary="État du serveur / server status",
    description="What the server serves and how warm it is: the store (`prebuilt`, "
    "`memory` or `remote`), query workers ready out of started, whether the indexes the "
    "pages and stored queries need are built (`warm`), whether every page answers without "
    "waiting (`ready`: warm and every worker started), and the answer cache's use.",
)
async def status(request: Request) -> JSONResponse:
    services = app_services(request)
    kind = services.store.kind
    pool = services.pool
    workers_ready = getattr(pool, "ready_workers", pool.size)
    cache = getattr(pool, "cache", None)
    return JSONResponse({
        "version": __version__,
        "store": kind,
        "workers": {"size": pool.size, "ready": workers_ready},
        "warm": services.warm,
        "ready": services.warm and workers_ready >= pool.size,
        "answer_cache": None if cache is None else {
            "entries": len(cache), "bytes": cache.size, "capacity": cache.capacity,
            "hits": cache.hits, "misses": cache.misses,
        },
    })


def given_parameters(request: Request) -> tuple[dict[str, str], str | None]:
    """The query string as parameters and a ``format=`` override; a key given twice is a
    400 naming it."""
    given: dict[str, str] = {}
    override = None
    for key, value in request.query_params.multi_items():
        if key in RESERVED:
            override = value
            continue
        if key in given:
            raise ParameterError(code="parameter.twice", parameter=key)
        given[key] = value
    return given, override


def ambiguous_response(exc: AmbiguousName) -> JSONResponse:
    return JSONResponse(
        {
            "error": "ambiguous_name",
            "message": exc.message,
            "candidates": [{"iri": iri, "label": label} for iri, label in exc.candidates],
        },
        status_code=400,
    )


@router.get(
    "/queries/{name}",
    summary="Exécuter une requête enregistrée / run a stored query",
    description="Runs the stored query `name` with the query-string parameters it declares "
    "(each stored query is also documented as a path of its own below). Results as SPARQL "
    "JSON, XML, CSV or TSV by `Accept` or `format=json|xml|csv|tsv`. Errors are JSON: 400 "
    "for a bad, missing or unknown parameter (an ambiguous name lists its candidates), 404 "
    "for an unknown query, 406 when no acceptable format exists, 504 past the time limit.",
)
async def run_stored_query(name: str, request: Request) -> Response:
    service = query_service(request)
    try:
        query = service.get(name)
    except UnknownQuery as exc:
        raise HTTPException(404, exc.message) from None
    given, override = given_parameters(request)
    accept = request.headers.get("accept")
    results = formats.choose(formats.RESULTS, accept, override)
    graph = formats.choose(formats.GRAPH, accept, override)
    wanted = graph if query.form in ("CONSTRUCT", "DESCRIBE") else results
    if wanted is None and override and override.strip().lower() in SPREADSHEETS \
            and query.form in ("SELECT", "ASK"):
        # A spreadsheet is the pages' download (French headings, typed cells): send there.
        sheet = SPREADSHEETS[override.strip().lower()]
        return RedirectResponse(f"/telecharger/{name}?{urlencode(dict(given, format=sheet))}",
                                status_code=303)
    if wanted is None:
        kind = formats.GRAPH if query.form in ("CONSTRUCT", "DESCRIBE") else formats.RESULTS
        asked = f"format={override}" if override else f"Accept: {accept}"
        raise NotAcceptable(code="answer.not_acceptable", asked=asked,
                                    available=formats.describe_choices(kind))
    try:
        answer = await service.answer(
            query, given, results_format=results.name if results else None,
            graph_format=graph.name if graph else None,
        )
    except AmbiguousName as exc:
        return ambiguous_response(exc)
    out = answer.output
    headers = {"Vary": "Accept"}
    if out.truncated:
        headers[TRUNCATED_HEADER] = str(service.settings.max_rows)
    return Response(out.body, media_type=out.media_type, headers=headers)


# -- the OpenAPI document -----------------------------------------------------------------

_ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "candidates": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"iri": {"type": "string"}, "label": {"type": "string"}},
            },
        },
    },
    "required": ["error", "message"],
}


def parameter_schema(parameter, enums: dict[str, list[str]]) -> dict[str, Any]:
    """The JSON schema of one stored-query parameter."""
    ptype = parameter.type
    if ptype in enums:
        schema: dict[str, Any] = {"type": "string", "enum": enums[ptype]}
    elif ptype in ("territory", "commune", "epci"):
        alternatives = []
        if ptype in ("territory", "commune"):
            alternatives.append(
                {"type": "string", "pattern": INSEE_PATTERN, "title": "code INSEE de commune"}
            )
        alternatives.append({"type": "string", "pattern": SIREN_PATTERN, "title": "SIREN"})
        alternatives.append(
            {"type": "string", "pattern": r"^https://w3id\.org/aula-kg/id/", "title": "IRI"}
        )
        alternatives.append(
            {"type": "string", "minLength": 1, "maxLength": parameter.max_length, "title": "nom"}
        )
        schema = {"anyOf": alternatives}
    elif ptype == "year":
        schema = {"type": "integer", "minimum": 1800, "maximum": 2200}
    elif ptype == "integer":
        schema = {"type": "integer"}
        if parameter.minimum is not None:
            schema["minimum"] = parameter.minimum
        if parameter.maximum is not None:
            schema["maximum"] = parameter.maximum
    elif ptype == "text":
        schema = {"type": "string", "maxLength": parameter.max_length}
    else:
        schema = {"type": "string", "maxLength": parameter.max_length}
    if parameter.default is not None:
        schema["default"] = int(parameter.default) if ptype in ("year", "integer") else (
            parameter.default
        )
    return schema


def query_operation(query: StoredQuery, enums: dict[str, list[str]]) -> dict[str, Any]:
    parameters = []
    for p in query.parameters:
        entry: dict[str, Any] = {
            "name": p.name,
            "in": "query",
            "required": p.required,
            "description": f"{p.description['fr']} / {p.description['en']} "
            f"(type `{p.type}`: {p.expects().render('en')})",
            "schema": parameter_schema(p, enums),
        }
        if p.example is not None:
            entry["example"] = int(p.example) if p.type in ("year", "integer") else p.example
        parameters.append(entry)
    parameters.append(
        {
            "name": "format",
            "in": "query",
            "required": False,
            "description": "Format of the results, overriding Accept.",
            "schema": {"type": "string", "enum": ["json", "xml", "csv", "tsv"]},
        }
    )
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/StoredQueryError"}}}
    return {
        "tags": ["Requêtes enregistrées / stored queries"],
        "operationId": f"stored_query_{query.name.replace('-', '_')}",
        "summary": query.title["fr"],
        "description": f"{query.description['fr']}\n\n*{query.title['en']}.* "
        f"{query.description['en']}\n\nTags: {', '.join(query.tags) or '—'}.",
        "parameters": parameters,
        "responses": {
            "200": {
                "description": "Les résultats / the results",
                "content": {
                    f.media_type: {} for f in formats.RESULT_FORMATS
                },
            },
            "400": {"description": "Paramètre incorrect, manquant ou ambigu", "content": error},
            "406": {"description": "Aucun format acceptable", "content": error},
            "504": {"description": "Limite de temps dépassée", "content": error},
        },
    }


def install_openapi(app: FastAPI) -> None:
    """Add each stored query to the app's OpenAPI document as a path of its own."""
    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = default_openapi()
        service = query_service(app)
        try:
            enums = service.enum_values()
        except Exception:  # noqa: BLE001 - the document stays useful without enums
            enums = {}
        paths = schema.setdefault("paths", {})
        generic = paths.get("/api/queries/{name}", {}).get("get")
        if generic:
            for parameter in generic.get("parameters", []):
                if parameter.get("name") == "name":
                    parameter["schema"] = {
                        "type": "string",
                        "enum": list(service.catalog.queries),
                    }
        for query in service.catalog:
            paths[f"/api/queries/{query.name}"] = {"get": query_operation(query, enums)}
        schema.setdefault("components", {}).setdefault("schemas", {})["StoredQueryError"] = (
            _ERROR_SCHEMA
        )
        app.openapi_schema = schema
        return schema

    app.openapi = openapi

