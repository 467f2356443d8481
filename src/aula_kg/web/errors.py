"""Errors with the right status, never a traceback: JSON ``{"error": code, "message":
text}`` for API clients, a site-styled French page for a browser (its Accept names HTML,
and the path is not one of the machine interfaces)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import AulaKgError
from ..messages import render as render_message
from .pages.common import render

log = logging.getLogger("aula_kg.web")

_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
}


def error_response(status: int, code: str, message: str, headers=None) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


#: Paths that always answer errors in JSON (machine interfaces).
_MACHINE_PATHS = ("/api/", "/sparql", "/openapi.json", "/static/")


def wants_html(request: Request) -> bool:
    """True for a browser: it accepts text/html explicitly and asked for a page."""
    if request.url.path.startswith(_MACHINE_PATHS):
        return False
    return "text/html" in request.headers.get("accept", "")


def error_page(status: int, text: str, headers=None):
    """The site-styled French page for an error."""
    title = {404: "Page introuvable", 500: "Erreur du serveur"}.get(status, f"Erreur {status}")
    response = render("error.html", status, title=title, code=status, message=text)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def response_for(exc: AulaKgError) -> JSONResponse:
    """The JSON error for ``exc``: its class says the status and the code (errors.py)."""
    return error_response(exc.http_status, exc.kind, exc.message)


async def _aula_kg_error(request: Request, exc: AulaKgError):
    if wants_html(request):
        return error_page(exc.http_status, exc.text("fr"))
    return response_for(exc)


async def _http_error(request: Request, exc: StarletteHTTPException):
    if wants_html(request):
        if exc.status_code == 404:
            text = render_message("page.not_found", {}, "fr")
        else:
            text = render_message("page.http_error", {"status": exc.status_code}, "fr")
        return error_page(exc.status_code, text, getattr(exc, "headers", None))
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return error_response(exc.status_code, code, message, getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    parts = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()]
    return error_response(400, "bad_request", "; ".join(parts) or "invalid request")


async def _unexpected(request: Request, exc: Exception):
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    if wants_html(request):
        return error_page(500, render_message("page.internal_error", {}, "fr"))
    return error_response(500, "internal_error", "an unexpected error occurred; it was logged")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AulaKgError, _aula_kg_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
