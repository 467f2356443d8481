"""The exceptions aula-kg raises, all of them: each carries a message code, the values the
message needs, an exit code for the command line and an HTTP status for the web.

A message is never translated by reading its English text back: ``exc.text("fr")`` renders
the code and its parameters from the one table in :mod:`aula_kg.messages`. An error raised
with a plain message (no code) says that message in every language.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import messages


class AulaKgError(Exception):
    """Base class. ``exit_code`` is what the command line exits with, ``http_status`` and
    ``kind`` what the web answers (``{"error": kind, "message": ...}``)."""

    exit_code = 1
    http_status = 500
    kind = "internal_error"

    def __init__(self, message: str | None = None, *, code: str | None = None, **params: Any):
        if message is None:
            if code is None:
                raise TypeError("an error needs a message or a message code")
            message = messages.render(code, params, "en")
        super().__init__(message)
        self.message = message
        self.code = code
        self.params = params

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` ("fr" or "en")."""
        if self.code is None:
            return self.message
        return messages.render(self.code, self.params, lang)


class InputError(AulaKgError):
    """An input could not be read at all (missing file, syntax error, unknown format)."""

    exit_code = 2
    http_status = 400
    kind = "bad_request"


class ValidationFailed(AulaKgError):
    """The data was read but does not conform to the shapes."""

    exit_code = 1
    http_status = 400
    kind = "invalid_data"


class ParameterError(AulaKgError):
    """A stored-query parameter is unknown, missing, or of the wrong type."""

    exit_code = 2
    http_status = 400
    kind = "bad_parameter"


class UnknownQuery(ParameterError):
    """No stored query has this name (HTTP 404)."""

    http_status = 404
    kind = "not_found"


class AmbiguousName(ParameterError):
    """A territory name matches several resources; ``candidates`` lists (IRI, label)."""

    def __init__(self, message: str | None = None, candidates: list[tuple[str, str]] | None = None,
                 *, code: str | None = None, **params: Any):
        super().__init__(message, code=code, **params)
        self.candidates = list(candidates or [])


class GraphUnavailable(AulaKgError):
    """The built graph is missing or unusable (run ``aula-kg build``)."""

    exit_code = 3
    http_status = 503
    kind = "graph_unavailable"


class QueryRejected(AulaKgError):
    """A SPARQL query is refused by policy (update, SERVICE, FROM...) or does not parse."""

    exit_code = 2
    http_status = 400
    kind = "bad_query"


class UpdateRefused(QueryRejected):
    """A SPARQL update was sent to the read-only endpoint (HTTP 403)."""

    http_status = 403
    kind = "read_only"


class NotAcceptable(AulaKgError):
    """No format the client accepts can carry the answer (HTTP 406)."""

    exit_code = 2
    http_status = 406
    kind = "not_acceptable"


class QueryTimeout(AulaKgError):
    """A query ran past its time limit and was stopped."""

    exit_code = 4
    http_status = 504
    kind = "timeout"


class QueryFailed(AulaKgError):
    """The query parsed but could not be evaluated or serialised (HTTP 500)."""

    exit_code = 1
    http_status = 500
    kind = "query_failed"


class ServerBusy(AulaKgError):
    """No query worker became free in time, or the pool is shutting down (HTTP 503)."""

    exit_code = 5
    http_status = 503
    kind = "busy"


class BackendFailed(AulaKgError):
    """The remote SPARQL server answered with an error or not at all (HTTP 502)."""

    exit_code = 3
    http_status = 502
    kind = "bad_gateway"


class ServiceFailed(AulaKgError):
    """A federated stored query's allowed endpoint could not be reached, timed out or
    answered badly (HTTP 502)."""

    exit_code = 5
    http_status = 502
    kind = "bad_gateway"


class LockBusy(AulaKgError):
    """Another build or import holds the directory's lock (exit 5)."""

    exit_code = 5
    http_status = 503
    kind = "busy"


class ReasoningUnsupported(AulaKgError):
    """The ontology uses an OWL construct the chosen engine does not implement."""

    exit_code = 1
    http_status = 500
    kind = "internal_error"


class BadRequest(AulaKgError):
    """A malformed request (HTTP 400)."""

    http_status = 400
    kind = "bad_request"


class PayloadTooLarge(AulaKgError):
    """A request body over the configured limit (HTTP 413)."""

    http_status = 413
    kind = "payload_too_large"


class UriTooLong(AulaKgError):
    """A request URL over the limit (HTTP 414)."""

    http_status = 414
    kind = "uri_too_long"


class UnsupportedMediaType(AulaKgError):
    """A request body of a type the endpoint does not read (HTTP 415)."""

    http_status = 415
    kind = "unsupported_media_type"


# -- planners' spreadsheet (imports/actions)


class ActionsInvalid(ValidationFailed):
    """The planners' spreadsheet has errors: ``errors`` lists them, one per cell
    (:class:`aula_kg.imports.actions.problems.RowError`); nothing was written."""

    def __init__(self, message: str | None = None, *, errors: Sequence[object] = (),
                 code: str | None = None, **params: Any):
        super().__init__(message, code=code, **params)
        self.errors = list(errors)


# -- publishing (issue 14)


class UnknownDownload(InputError):
    """No dump of the build has this name (HTTP 404)."""

    http_status = 404
    kind = "not_found"


class DownloadUnavailable(GraphUnavailable):
    """A dump is missing or differs from its index (a killed or running build): HTTP 503,
    never wrong bytes under the advertised checksum."""

    kind = "download_unavailable"


class RangeNotSatisfiable(InputError):
    """A ``Range`` request outside the file (HTTP 416)."""

    http_status = 416
    kind = "range_not_satisfiable"
