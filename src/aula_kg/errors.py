"""The exceptions aula-kg raises: each carries a message a user can act on and an exit code."""

from __future__ import annotations


class AulaKgError(Exception):
    """Base class. ``exit_code`` is what the command line exits with."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InputError(AulaKgError):
    """An input could not be read at all (missing file, syntax error, unknown format)."""

    exit_code = 2


class ValidationFailed(AulaKgError):
    """The data was read but does not conform to the shapes."""

    exit_code = 1


class ParameterError(AulaKgError):
    """A stored-query parameter is unknown, missing, or of the wrong type."""

    exit_code = 2


class AmbiguousName(ParameterError):
    """A territory name matches several resources; ``candidates`` lists them."""

    def __init__(self, message: str, candidates: list[tuple[str, str]]):
        super().__init__(message)
        self.candidates = candidates


class GraphUnavailable(AulaKgError):
    """The built graph is missing or unusable (run ``aula-kg build``)."""

    exit_code = 3


class QueryRejected(AulaKgError):
    """A SPARQL query is refused by policy (update, SERVICE, FROM...) or does not parse."""

    exit_code = 2


class QueryTimeout(AulaKgError):
    """A query ran past its time limit and was stopped."""

    exit_code = 4
