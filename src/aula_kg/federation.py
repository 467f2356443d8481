"""Federation: stored queries that enrich their rows from an external SPARQL endpoint.

Why not let pyoxigraph run ``SERVICE``? It can: ``Store.query`` opens an HTTP connection
for ``SERVICE <http://...>`` itself (checked with pyoxigraph 0.5), but the caller can set
neither a time limit nor a redirect policy, and it sends the whole remote pattern without
the local bindings. The SPARQL endpoint copes with that by refusing every non-allowed
``SERVICE`` (:mod:`aula_kg.guard`) and killing workers at their deadline; a stored query run
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
(``catalog.run_query``, the web API), so that stores which cannot compile a ``SERVICE``
(Virtuoso 7) give the same answer.

**Where the endpoint comes from.** The environment variable ``AULA_KG_SERVICE_<KEY>``
(``AULA_KG_SERVICE_WIKIDATA=https://query.wikidata.org/sparql``), and it must also be listed,
exactly, in ``Settings.allowed_service_endpoints`` (``AULA_KG_ALLOWED_SERVICES``). Otherwise
:class:`~aula_kg.errors.QueryRejected` is raised before any connection is opened; the text
is also passed through :func:`aula_kg.guard.check_query` with the endpoint in place, so the
rule is the SPARQL endpoint's own.

**How it runs** (:func:`run_federated`):

1. the local query (the text without the ``SERVICE`` block, parameters bound as usual) runs
   on the store;
2. the distinct values of the join variable are sent to the endpoint, at most
   :data:`BATCH` per request, as ``SELECT * WHERE { VALUES ?join { ... } <service body> }``
   with the query's own ``PREFIX`` declarations; each request is an HTTP POST with a time
   limit (``Settings.query_timeout`` unless given), no redirect is followed (an allowed
   endpoint cannot send us elsewhere), answers above :data:`MAX_BYTES` or
   ``Settings.max_rows`` rows are refused;
3. each local row is joined with the remote rows of its join value (left join: a row with
   no remote match is kept, its enrichment columns empty; a remote value never overrides a
   different local one). Local order is kept.

Restrictions, checked or documented: one ``SERVICE`` block per query; its variables may be
projected but not aggregated or sorted on (they are unbound when the local query runs);
SELECT queries only. If the endpoint fails and the block is ``SILENT`` the rows come back
unenriched with a warning; without ``SILENT`` the failure is raised
(:class:`ServiceFailed`).
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Identifier

from . import __version__
from .catalog import RESOURCE_TYPES, StoredQuery
from .config import Settings
from .errors import AulaKgError, InputError, QueryRejected, ServiceFailed
from .sparql_policy import check_query
from .store import SelectResult, Store
from .territories import NameIndex

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
    warnings: list[str] = field(default_factory=list)


def declared(query: StoredQuery) -> Federation | None:
    """The query's federation declaration, or None; InputError if it is malformed."""
    meta = _metadata(query)
    spec = meta.get("federation")
    if spec is None:
        return None
    service, join = spec.get("service"), spec.get("join")
    if not isinstance(service, str) or not _KEY.match(service):
        raise InputError(f"{query.path}: [federation] service must be a lower_snake_case key")
    if not isinstance(join, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", join):
        raise InputError(f"{query.path}: [federation] join must name a variable (without '?')")
    return Federation(service, join)


def _metadata(query: StoredQuery) -> dict:
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
        raise QueryRejected(
            f"service '{federation.service}' has no endpoint: set {federation.env_var} to its "
            f"SPARQL endpoint and list that endpoint in AULA_KG_ALLOWED_SERVICES"
        )
    if endpoint not in settings.allowed_service_endpoints:
        raise QueryRejected(
            f"service '{federation.service}' is configured as <{endpoint}>, which is not "
            f"allowed: aula-kg only queries endpoints listed in AULA_KG_ALLOWED_SERVICES"
        )
    if urllib.parse.urlsplit(endpoint).scheme not in ("http", "https"):
        raise QueryRejected(f"service '{federation.service}': <{endpoint}> is not an HTTP(S) URL")
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
                raise InputError(f"only one SERVICE <{federation.placeholder}> block is supported")
            found = m
            pos = m.end()
            continue
        pos += 1
    if found is None:
        raise InputError(f"the query has no SERVICE <{federation.placeholder}> {{ ... }} block")
    depth, pos = 1, found.end()
    while depth:
        if pos >= len(text):
            raise InputError("the SERVICE block is not closed")
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
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        reason = f"redirect to {newurl} refused (not an allowed endpoint)"
        raise urllib.error.HTTPError(req.full_url, code, reason, headers, fp)


def post_query(endpoint: str, query: str, timeout: float) -> dict:
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
    return json.loads(b"".join(chunks))


def json_term(value: dict) -> Identifier:
    """A SPARQL JSON results term as the rdflib term the embedded store would return."""
    kind = value.get("type")
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in value:
            return Literal(value["value"], lang=value["xml:lang"])
        datatype = value.get("datatype")
        if datatype and datatype != str(XSD.string):
            return Literal(value["value"], datatype=URIRef(datatype))
        return Literal(value["value"])
    raise ValueError(f"unsupported term in the answer: {value!r}")


def run_federated(
    store: Store,
    query: StoredQuery,
    given: Mapping[str, str],
    settings: Settings,
    *,
    names: NameIndex | None = None,
    environ: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> FederatedResult:
    """Run a federated stored query: local part on ``store``, remote part on the allowed
    endpoint of its service, joined on the declared variable (see the module docstring)."""
    federation = declared(query)
    if federation is None:
        raise InputError(f"stored query '{query.name}' declares no [federation]")
    if query.form != "SELECT":
        raise InputError("federated stored queries are SELECT queries")
    endpoint = endpoint_for(federation, settings, environ)
    if names is None and any(p.type in RESOURCE_TYPES for p in query.parameters):
        names = NameIndex(store)
    text = query.render(query.bindings(dict(given), names))
    # The SPARQL endpoint's own rule, on the text as it would be sent with the endpoint.
    check_query(text.replace(f"<{federation.placeholder}>", f"<{endpoint}>"),
                allowed_endpoints=settings.allowed_service_endpoints)
    parts = split(text, federation)
    local = store.select(parts.local)
    if federation.join not in local.variables:
        raise InputError(f"the join variable ?{federation.join} is not projected by the query")
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
    warnings: list[str] = []
    count = 0
    try:
        for start in range(0, len(keys), BATCH):
            batch = keys[start:start + BATCH]
            answer = post_query(endpoint, remote_query(parts, federation.join, batch), limit)
            for binding in answer["results"]["bindings"]:
                row = {name: json_term(term) for name, term in binding.items()}
                key = row.get(federation.join)
                if key is None:
                    continue
                count += 1
                if count > settings.max_rows:
                    raise ValueError(f"the answer has more than {settings.max_rows} rows")
                remote.setdefault(key, []).append(row)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        reason = getattr(exc, "reason", None) or exc
        message = (f"service '{federation.service}' at <{endpoint}> failed "
                   f"(time limit {limit:g} s): {reason}")
        if not parts.silent:
            raise ServiceFailed(message) from None
        warnings.append(message + "; rows are not enriched")
        remote = {}

    rows = []
    for row in local.rows:
        matches = remote.get(row[join_index], [])
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
