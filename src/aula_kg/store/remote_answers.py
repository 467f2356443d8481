"""Reading a SPARQL server's answers: Virtuoso's quirks smoothed over (see store.remote's
docstring) and the terms a query binds checked, so that a broken answer is a
BackendFailed (502) with its reason, never a traceback."""

from __future__ import annotations

from typing import Protocol

from rdflib import Literal
from rdflib.namespace import XSD
from rdflib.term import Identifier

from ..errors import BackendFailed


class Response(Protocol):
    """The HTTP response SPARQLWrapper hands back (urllib's)."""

    def read(self, amount: int, /) -> bytes: ...


def fix_term(term: Identifier | None) -> Identifier | None:
    if isinstance(term, Literal) and term.datatype == XSD.boolean and str(term) in ("1", "0"):
        return Literal(str(term) == "1")
    return term


def fix_json(body: bytes) -> bytes:
    """Virtuoso writes ``"datatype": ".../XMLSchema#boolean", "value": "1"``, and answers
    an ASK sent with a dataset as a SELECT of ``?__ASK_RETVAL`` = 1 or 0."""
    if b"XMLSchema#boolean" not in body and b"__ASK_RETVAL" not in body:
        return body
    import json

    data = json.loads(body)
    if data.get("head", {}).get("vars") == ["__ASK_RETVAL"]:
        rows = data.get("results", {}).get("bindings", [])
        value = bool(rows) and rows[0].get("__ASK_RETVAL", {}).get("value") not in ("0", "")
        return json.dumps({"head": {}, "boolean": value}).encode()
    for binding in data.get("results", {}).get("bindings", []):
        for term in binding.values():
            if term.get("datatype", "").endswith("XMLSchema#boolean") and term["value"] in "10":
                term["value"] = "true" if term["value"] == "1" else "false"
    return json.dumps(data).encode()


def bound(term: Identifier | None, endpoint: str) -> Identifier:
    if term is None:
        raise BackendFailed(code="remote.not_results", endpoint=endpoint,
                            detail="an unbound term where the query binds one")
    return term


def count(term: Identifier | None, endpoint: str) -> int:
    if not isinstance(term, Literal):  # a COUNT: always a literal from a working server
        raise BackendFailed(code="remote.not_results", endpoint=endpoint,
                            detail=f"not a number: {term!r}"[:300])
    return int(term)
