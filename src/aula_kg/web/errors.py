"""Errors as JSON ``{"error": code, "message": text}`` with the right status, never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import AulaKgError, GraphUnavailable, ParameterError, QueryRejected, QueryTimeout
from ..formats import NotAcceptable
from ..guard import QueryFailed, ServerBusy, UpdateRefused
from ..store.remote import BackendFailed

log = logging.getLogger("aula_kg.web")


class BadRequest(AulaKgError):
    """A malformed request (HTTP 400)."""


class PayloadTooLarge(AulaKgError):
    """A request body over the configured limit (HTTP 413)."""


class UriTooLong(AulaKgError):
    """A request URL over the limit (HTTP 414)."""


class UnsupportedMediaType(AulaKgError):
    """A request body of a type the endpoint does not read (HTTP 415)."""


#: Status and short code of each error, most specific class first.
STATUS: list[tuple[type[AulaKgError], int, str]] = [
    (UpdateRefused, 403, "read_only"),
    (NotAcceptable, 406, "not_acceptable"),
    (QueryRejected, 400, "bad_query"),
    (ParameterError, 400, "bad_parameter"),
    (BadRequest, 400, "bad_request"),
    (PayloadTooLarge, 413, "payload_too_large"),
    (UriTooLong, 414, "uri_too_long"),
    (UnsupportedMediaType, 415, "unsupported_media_type"),
    (QueryTimeout, 504, "timeout"),
    (BackendFailed, 502, "bad_gateway"),
    (ServerBusy, 503, "busy"),
    (GraphUnavailable, 503, "graph_unavailable"),
    (QueryFailed, 500, "query_failed"),
]

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


def response_for(exc: AulaKgError) -> JSONResponse:
    for cls, status, code in STATUS:
        if isinstance(exc, cls):
            return error_response(status, code, exc.message)
    return error_response(500, "internal_error", exc.message)


async def _aula_kg_error(request: Request, exc: AulaKgError) -> JSONResponse:
    return response_for(exc)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return error_response(exc.status_code, code, message, getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    parts = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()]
    return error_response(400, "bad_request", "; ".join(parts) or "invalid request")


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", "an unexpected error occurred; it was logged")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AulaKgError, _aula_kg_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
