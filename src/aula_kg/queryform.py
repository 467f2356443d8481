"""What kind of SPARQL request a text is (SELECT, ASK, CONSTRUCT, DESCRIBE or an update)."""

from __future__ import annotations

import threading

from pyparsing import ParseException
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

from .errors import QueryRejected

#: rdflib's SPARQL grammar (pyparsing) keeps parse state in shared objects: two threads
#: parsing at once corrupt each other's results, so parses take turns.
_PARSER_LOCK = threading.Lock()

_FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}


def query_form(text: str) -> str:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``; QueryRejected for anything else."""
    try:
        with _PARSER_LOCK:
            parsed = parseQuery(text)
    except ParseException as exc:
        if is_update(text):
            raise QueryRejected("updates are not accepted here: the graph is read-only") from None
        raise QueryRejected(
            f"the query does not parse: {exc.msg} (line {exc.lineno}, column {exc.col})"
        ) from None
    except RecursionError:
        raise QueryRejected("the query is nested too deeply to parse") from None
    return _FORMS[parsed[1].name]


def is_update(text: str) -> bool:
    try:
        with _PARSER_LOCK:
            parseUpdate(text)
    except (ParseException, RecursionError):
        return False
    return True
