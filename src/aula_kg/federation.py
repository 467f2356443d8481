"""Federation: stored queries that enrich their rows from an external SPARQL endpoint.

Why not let pyoxigraph run ``SERVICE``? It can: ``Store.query`` opens an HTTP connection
for ``SERVICE <http://...>`` itself (checked with pyoxigraph 0.5), but the caller can set
neither a time limit nor a redirect policy, and it sends the whole remote pattern without
the local bindings. The SPARQL endpoint copes with that by refusing every non-allowed
``SERVICE`` (:mod:`aula_kg.sparql_policy`) and killing workers at their deadline; a stored query run
in-process (command line, web form) needs a bounded call of its own. This module is that
call, kept small:

**How a stored query declares it.** The remote part is written as standard SPARQL, inside
``OPTIONAL { SERVICE SILENT <urn:aula-kg:service:KEY> { ... } }``, and the metadata says::

    #+ [federation]
    #+ service = "wikidata"      # the configuration key, never a URL
    #+ join = "code"             # the variable shared by the local and the remote part

``urn:aula-kg:service:KEY`` can never be fetched: run as plain SPARQL by another tool, the
SILENT service fails at once, without any network access, and the enrichment columns stay
empty. aula-kg itself runs the local part alone when the service is not configured
(:mod:`aula_kg.answering`, for every face, with a note saying so), so that stores which
cannot compile a ``SERVICE`` (Virtuoso 7) give the same answer.

**Where the endpoint comes from.** The environment variable ``AULA_KG_SERVICE_<KEY>``
(``AULA_KG_SERVICE_WIKIDATA=https://query.wikidata.org/sparql``), and it must also be listed,
exactly, in ``Settings.allowed_service_endpoints`` (``AULA_KG_ALLOWED_SERVICES``). Otherwise
:class:`~aula_kg.errors.QueryRejected` is raised before any connection is opened; the text
is also passed through :func:`aula_kg.sparql_policy.check_query` with the endpoint in place, so the
rule is the SPARQL endpoint's own.

**How it runs** (:mod:`aula_kg.answering` drives it; this module never touches the store):

1. the local query (the text without the ``SERVICE`` block, parameters bound as usual) runs
   through the query pool like any stored query (:func:`split` cuts it out);
2. the distinct values of the join variable are sent to the endpoint, at most
   :data:`BATCH` per request, as ``SELECT * WHERE { VALUES ?join { ... } <service body> }``
   with the query's own ``PREFIX`` declarations; each request is an HTTP POST with a time
   limit (``Settings.query_timeout`` unless given), no redirect is followed (an allowed
   endpoint cannot send us elsewhere), answers above :data:`MAX_BYTES` or
   ``Settings.max_rows`` rows are refused;
3. each local row is joined with the remote rows of its join value (left join: a row with
   no remote match is kept, its enrichment columns empty; a remote value never overrides a
   different local one). Local order is kept. Steps 2 and 3 are :func:`enrich`;
   :func:`values_query` turns the joined rows into a query of RDF terms, so the pool
   serialises, caps and negotiates the answer like any other.

Restrictions, checked or documented: one ``SERVICE`` block per query; its variables may be
projected but not aggregated or sorted on (they are unbound when the local query runs);
SELECT queries only. If the endpoint fails and the block is ``SILENT`` the rows come back
unenriched with a warning; without ``SILENT`` the failure is raised
(:class:`ServiceFailed`).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from rdflib.term import Identifier

from . import __version__
from .catalog import StoredQuery
from .config import Settings
from .errors import InputError, QueryRejected, ServiceFailed
from .messages import Message
from .sparql_policy import check_query
from .store import SelectResult
from .store.base import json_term

#: The placeholder IRI a stored query puts after SERVICE: never fetchable.
PLACEHOLDER_PREFIX = "urn:aula-kg:service:"
#: Join values sent per request.
BATCH = 100
#: Largest answer read from an endpoint, in bytes.
MAX_BYTES = 10_000_000

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
# Tokens that may hold braces without opening a group: strings, IRIs, comments.
_SKIP = re.compile(
    r"""'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\""""
    r"""|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|<[^<>"{}|^`\\\x00-\x20]*>|\#[^\n]*""",
)
_PREFIX_DECL = re.compile(r"^\s*(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s+<[^>]*>)", re.I | re.M)


@dataclass(frozen=True)
class Federation:
    """What a stored query's ``[federation]`` metadata declares."""

    service: str  # the configuration key
    join: str  # the join variable, without '?'

    @property
    def placeholder(self) -> str:
        return PLACEHOLDER_PREFIX + self.service

    @property
    def env_var(self) -> str:
        return "AULA_KG_SERVICE_" + self.service.upper()


@dataclass
class FederatedResult:
    """The joined answer, the endpoint it used and any warning (e.g. a SILENT failure)."""

    result: SelectResult
    endpoint: str
    remote_rows: int = 0
    warnings: list[Message] = field(default_factory=list)


def declared(query: StoredQuery) -> Federation | None:
    """The query's federation declaration, or None; InputError if it is malformed."""
    meta = _metadata(query)
    spec = meta.get("federation")
    if spec is None:
        return None
    service, join = spec.get("service"), spec.get("join")
    if not isinstance(service, str) or not _KEY.match(service):
        raise InputError(code="federation.bad_service", path=str(query.path))
    if not isinstance(join, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", join):
        raise InputError(code="federation.bad_join", path=str(query.path))
    return Federation(service, join)


def _metadata(query: StoredQuery) -> dict[str, Any]:
    import tomllib

    header = "\n".join(
        line[2:].removeprefix(" ") for line in query.text.splitlines() if line.startswith("#+")
    )
    return tomllib.loads(header)


def endpoint_for(federation: Federation, settings: Settings,
                 environ: Mapping[str, str] | None = None) -> str:
    """The configured endpoint of the service, checked against the allow-list."""
    environ = os.environ if environ is None else environ
    endpoint = environ.get(federation.env_var, "").strip()
    if not endpoint:
        raise QueryRejected(code="federation.no_endpoint", service=federation.service,
                            env_var=federation.env_var)
    if endpoint not in settings.allowed_service_endpoints:
        raise QueryRejected(code="federation.not_allowed", service=federation.service,
                            endpoint=endpoint)
    if urllib.parse.urlsplit(endpoint).scheme not in ("http", "https"):
        raise QueryRejected(code="federation.not_http", service=federation.service,
                            endpoint=endpoint)
    return endpoint


@dataclass(frozen=True)
class _Split:
    local: str
    body: str
    silent: bool
    prologue: str


def split(text: str, federation: Federation) -> _Split:
    """Cut the ``SERVICE [SILENT] <placeholder> { body }`` block out of ``text``."""
    iri = f"<{federation.placeholder}>"
    head = re.compile(r"SERVICE\s+(SILENT\s+)?" + re.escape(iri) + r"\s*\{", re.I)
    # Find the block outside strings and comments.
    pos, found = 0, None
    while pos < len(text):
        skip = _SKIP.match(text, pos)
        if skip and skip.end() > pos:
            pos = skip.end()
            continue
        m = head.match(text, pos)
        if m:
            if found is not None:
                raise InputError(code="federation.one_block", placeholder=federation.placeholder)
            found = m
            pos = m.end()
            continue
        pos += 1
    if found is None:
        raise InputError(code="federation.no_block", placeholder=federation.placeholder)
    depth, pos = 1, found.end()
    while depth:
        if pos >= len(text):
            raise InputError(code="federation.not_closed")
        skip = _SKIP.match(text, pos)
        if skip and skip.end() > pos:
            pos = skip.end()
            continue
        depth += {"{": 1, "}": -1}.get(text[pos], 0)
        pos += 1
    body = text[found.end(): pos - 1]
    local = text[: found.start()] + text[pos:]
    prologue = "\n".join(m.group(0).strip() for m in _PREFIX_DECL.finditer(text))
    return _Split(local, body, bool(found.group(1)), prologue)


def remote_query(parts: _Split, join: str, values: list[Identifier]) -> str:
    terms = " ".join(v.n3() for v in values)
    return (f"{parts.prologue}\nSELECT * WHERE {{\n  VALUES ?{join} {{ {terms} }}\n"
            f"{parts.body}\n}}\n")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int,
                         msg: str, headers: http.client.HTTPMessage, newurl: str) -> None:
        reason = f"redirect to {newurl} refused (not an allowed endpoint)"
        raise urllib.error.HTTPError(req.full_url, code, reason, headers, fp)


def post_query(endpoint: str, query: str, timeout: float) -> dict[str, Any]:
    """POST a SELECT query (SPARQL 1.1 Protocol) and return the JSON results document."""
    data = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(
        endpoint, data=data, method="POST",
        headers={
            "Accept": "application/sparql-results+json",
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": f"aula-kg/{__version__} (federated stored query)",
        },
    )
    opener = urllib.request.build_opener(_NoRedirect)
    # The time limit covers the whole answer: a socket timeout alone is per read, and a
    # server sending a byte now and then would hold the caller for ever.
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    size = 0
    with opener.open(request, timeout=timeout) as response:
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the answer took longer than {timeout:g} s")
            chunk = response.read1(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_BYTES:
                raise ValueError(f"the answer is larger than {MAX_BYTES} bytes")
            chunks.append(chunk)
    document: dict[str, Any] = json.loads(b"".join(chunks))  # SPARQL JSON: an object
    return document


def check(text: str, federation: Federation, endpoint: str, settings: Settings) -> None:
    """The SPARQL endpoint's own rule, on the text as it would be sent with the endpoint
    in place of the placeholder (QueryRejected)."""
    check_query(text.replace(f"<{federation.placeholder}>", f"<{endpoint}>"),
                allowed_endpoints=settings.allowed_service_endpoints)


def enrich(local: SelectResult, parts: _Split, federation: Federation, endpoint: str,
           settings: Settings, timeout: float | None = None) -> FederatedResult:
    """Steps 2 and 3 of the module docstring: ``local`` (the local part's answer) joined
    with the endpoint's rows for its join values. Blocking (HTTP): run it in a thread."""
    if federation.join not in local.variables:
        raise InputError(code="federation.join_not_projected", join=federation.join)
    join_index = local.variables.index(federation.join)
    keys: list[Identifier] = []
    seen: set[Identifier] = set()
    for row in local.rows:
        value = row[join_index]
        if value is not None and value not in seen:
            seen.add(value)
            keys.append(value)

    limit = settings.query_timeout if timeout is None else timeout
    remote: dict[Identifier, list[dict[str, Identifier]]] = {}
    warnings: list[Message] = []
    count = 0
    try:
        for start in range(0, len(keys), BATCH):
            batch = keys[start:start + BATCH]
            answer = post_query(endpoint, remote_query(parts, federation.join, batch), limit)
            for binding in answer["results"]["bindings"]:
                found = {name: json_term(term) for name, term in binding.items()}
                key = found.get(federation.join)
                if key is None:
                    continue
                count += 1
                if count > settings.max_rows:
                    raise ValueError(f"the answer has more than {settings.max_rows} rows")
                remote.setdefault(key, []).append(found)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        reason = str(getattr(exc, "reason", None) or exc)
        values = {"service": federation.service, "endpoint": endpoint,
                  "limit": f"{limit:g}", "reason": reason}
        if not parts.silent:
            raise ServiceFailed(code="federation.failed", **values) from None
        warnings.append(Message("federation.unenriched", **values))
        remote = {}

    rows = []
    for row in local.rows:
        value = row[join_index]
        matches = remote.get(value, []) if value is not None else []
        joined_any = False
        for match in matches:
            if any(row[i] is not None and name in match and match[name] != row[i]
                   for i, name in enumerate(local.variables)):
                continue  # incompatible solutions do not join
            rows.append(tuple(row[i] if row[i] is not None else match.get(name)
                              for i, name in enumerate(local.variables)))
            joined_any = True
        if not joined_any:
            rows.append(row)
    return FederatedResult(SelectResult(list(local.variables), rows), endpoint, count, warnings)


def values_query(result: SelectResult) -> str:
    """The joined rows as a query of their own: a ``VALUES`` table of RDF terms (each
    written by ``n3()``), for the pool to serialise, cap and negotiate."""
    variables = " ".join(f"?{v}" for v in result.variables)
    rows = "\n".join(
        "(" + " ".join("UNDEF" if t is None else t.n3() for t in row) + ")"
        for row in result.rows
    )
    return f"SELECT {variables} WHERE {{ VALUES ({variables}) {{\n{rows}\n}} }}"
