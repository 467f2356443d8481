"""What a user's SPARQL query may do: the lexer and the policy, and nothing else.

* **Read-only.** Only SELECT, ASK, CONSTRUCT and DESCRIBE pass. An update (INSERT, DELETE,
  LOAD, CLEAR, DROP, ...) is refused with :class:`UpdateRefused` before anything executes.
* **No fetching.** pyoxigraph really opens an HTTP connection for ``SERVICE <iri>`` (tested),
  so :func:`check_query` refuses every ``SERVICE`` whose endpoint is not listed in
  ``settings.allowed_service_endpoints`` (a variable endpoint is always refused), and every
  ``FROM`` / ``FROM NAMED`` naming neither a graph of the store nor a listed endpoint.

Every executor (store.execution, store.workers, store.remote_pool) runs :func:`check_query`
before it executes; this module sits below ``store/`` (it imports only errors and formats),
so the remote store can use the lexer too.

:func:`check_query` is a small lexer, not a parser: it reads the tokens SPARQL's grammar
makes unambiguous (strings, IRIs, comments, prefixed names, variables, keywords) in linear
time, so hostile text cannot make it slow; pyoxigraph's own parser has the last word on
syntax.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin

from .errors import QueryRejected, UpdateRefused
from .formats import GRAPH, RESULTS

# --------------------------------------------------------------------------------------
# The lexer

_UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING"}
)
_QUERY_FORMS = {"SELECT": "solutions", "ASK": "boolean", "CONSTRUCT": "graph", "DESCRIBE": "graph"}

# Every alternative either matches in one left-to-right pass or not at all, and unterminated
# strings run to the end of their line (short) or of the text (long), so lexing is linear.
# Each match skips the whitespace and comments before one significant token (or the end):
# half as many matches as one per whitespace run, in one pass still.
_TOKEN = re.compile(
    r"""
    (?:\s++|\#[^\r\n]*+)*+
    (?:
    (?P<string>
        '''(?:[^'\\]|\\.|'(?!''))*+(?:'''|\Z)
      | \"\"\"(?:[^"\\]|\\.|"(?!""))*+(?:\"\"\"|\Z)
      | '(?:[^'\\\r\n]|\\.)*+'?
      | "(?:[^"\\\r\n]|\\.)*+"?
    )
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*+>)
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]*+)
  | (?P<langtag>@[A-Za-z]++(?:-[A-Za-z0-9]++)*+)
  | (?P<bnode>_:[\w\-.\u00B7]*+)
  | (?P<pname>(?:[^\W\d_][\w\-.\u00B7]*+)?:(?:\\.|%[0-9A-Fa-f]{2}|[\w\-.:\u00B7])*+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*+)
  | (?P<other>.)
  | (?P<end>\Z)
    )
    """,
    re.VERBOSE | re.DOTALL,
)
_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_PN_LOCAL_ESCAPE = re.compile(r"\\(.)")


def _unescape_codepoints(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        try:
            return chr(int(match.group(1) or match.group(2), 16))
        except ValueError:
            return match.group(0)

    return _UNICODE_ESCAPE.sub(replace, text)


def tokens(text: str) -> list[tuple[str, str]]:
    """The significant tokens of a SPARQL text as (kind, text); whitespace and comments go."""
    out: list[tuple[str, str]] = []
    append = out.append
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind is None or kind == "end":  # every alternative is a named group: None is the end too
            break
        value = m.group(kind)
        if kind == "pname" and value.endswith("."):
            # A local name never ends with '.': the dots end the triple.
            name = value.rstrip(".")
            append((kind, name))
            out.extend([("other", ".")] * (len(value) - len(name)))
            continue
        append((kind, value))
    return out


@dataclass(frozen=True)
class CheckedQuery:
    """What :func:`check_query` learnt about an accepted query."""

    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    from_graphs: tuple[str, ...] = ()
    from_named_graphs: tuple[str, ...] = ()
    services: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        """``solutions``, ``boolean`` or ``graph``, as in :class:`QueryOutput`."""
        return _QUERY_FORMS[self.form]

    @property
    def result_kind(self) -> str:
        """:data:`formats.RESULTS` or :data:`formats.GRAPH`."""
        return GRAPH if self.kind == "graph" else RESULTS

    @property
    def has_dataset(self) -> bool:
        return bool(self.from_graphs or self.from_named_graphs)


class _Scope:
    """Prefixes and base IRI seen so far, to resolve IRIs the way the query means them."""

    def __init__(self, base: str | None):
        self.base = base
        self.prefixes: dict[str, str] = {}

    def resolve(self, kind: str, value: str) -> str | None:
        if kind == "iri":
            iri = _unescape_codepoints(value[1:-1])
            return urljoin(self.base, iri) if self.base else iri
        if kind == "pname":
            prefix, _, local = value.partition(":")
            if prefix not in self.prefixes:
                return None
            return self.prefixes[prefix] + _PN_LOCAL_ESCAPE.sub(r"\1", local)
        return None


#: Deepest nesting of ``{``, ``(`` and ``[`` accepted: pyoxigraph's recursive parser
#: overflows its stack (and kills its process) on tens of thousands of levels.
MAX_NESTING = 200
_OPENERS = frozenset("{([")
_CLOSERS = frozenset("})]")


def _scan(
    toks: list[tuple[str, str]],
    base_iri: str | None,
    allowed_endpoints: frozenset[str],
    local_graphs: frozenset[str],
) -> CheckedQuery:
    depth = 0
    for kind, value in toks:
        if kind == "word" and value.upper() in _UPDATE_KEYWORDS:
            raise UpdateRefused(
                f"this SPARQL endpoint is read-only: updates ({value.upper()} ...) are refused"
            )
        if kind == "other":
            if value in _OPENERS:
                depth += 1
                if depth > MAX_NESTING:
                    raise QueryRejected(
                        f"the query nests more than {MAX_NESTING} levels of braces, "
                        f"parentheses or brackets; simplify it"
                    )
            elif value in _CLOSERS:
                depth -= 1
    scope = _Scope(base_iri)
    i, n = 0, len(toks)
    # Prologue: BASE <iri> and PREFIX p: <iri>, in any order.
    while i < n and toks[i][0] == "word" and toks[i][1].upper() in ("BASE", "PREFIX"):
        keyword = toks[i][1].upper()
        if keyword == "BASE" and i + 1 < n and toks[i + 1][0] == "iri":
            scope.base = scope.resolve("iri", toks[i + 1][1])
            i += 2
        elif (
            keyword == "PREFIX"
            and i + 2 < n
            and toks[i + 1][0] == "pname"
            and toks[i + 1][1].endswith(":")
            and toks[i + 2][0] == "iri"
        ):
            scope.prefixes[toks[i + 1][1][:-1]] = scope.resolve("iri", toks[i + 2][1]) or ""
            i += 3
        else:
            raise QueryRejected(f"the query does not parse: malformed {keyword} declaration")
    if i >= n:
        raise QueryRejected("the query is empty: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    kind, value = toks[i]
    form = value.upper() if kind == "word" else ""
    if form not in _QUERY_FORMS:
        raise QueryRejected(
            f"the query does not parse: expected SELECT, ASK, CONSTRUCT or DESCRIBE, "
            f"found {value[:40]!r}"
        )
    from_graphs: list[str] = []
    from_named: list[str] = []
    services: list[str] = []
    for j in range(i + 1, n):
        kind, value = toks[j]
        if kind != "word":
            continue
        keyword = value.upper()
        if keyword == "SERVICE":
            k = j + 1
            if k < n and toks[k][0] == "word" and toks[k][1].upper() == "SILENT":
                k += 1
            target = toks[k] if k < n else ("", "")
            if target[0] == "var":
                raise QueryRejected(
                    "SERVICE with a variable endpoint is not allowed: this endpoint only "
                    "queries the services listed in its configuration"
                )
            endpoint = scope.resolve(*target)
            if endpoint is None:
                raise QueryRejected("the query does not parse: SERVICE needs an endpoint IRI")
            if endpoint not in allowed_endpoints:
                raise QueryRejected(
                    f"SERVICE <{endpoint}> is not allowed: this endpoint never fetches from "
                    f"other services unless they are listed in AULA_KG_ALLOWED_SERVICES"
                )
            services.append(endpoint)
        elif keyword == "FROM":
            k = j + 1
            named = k < n and toks[k][0] == "word" and toks[k][1].upper() == "NAMED"
            if named:
                k += 1
            graph = scope.resolve(*toks[k]) if k < n else None
            clause = "FROM NAMED" if named else "FROM"
            if graph is None:
                raise QueryRejected(f"the query does not parse: {clause} needs a graph IRI")
            if graph not in local_graphs and graph not in allowed_endpoints:
                raise QueryRejected(
                    f"{clause} <{graph}> names no graph of this endpoint, and the endpoint "
                    f"never fetches remote data; the service description (GET /sparql) "
                    f"lists its graphs"
                )
            (from_named if named else from_graphs).append(graph)
    return CheckedQuery(form, tuple(from_graphs), tuple(from_named), tuple(services))


def check_query(
    text: str,
    *,
    allowed_endpoints: Iterable[str] = (),
    local_graphs: Iterable[str] = (),
    base_iri: str | None = None,
) -> CheckedQuery:
    """Accept a read-only query that fetches nothing, or raise.

    Raises :class:`UpdateRefused` for an update, :class:`QueryRejected` for a query that
    would reach a service or a remote graph not allowed by the configuration, or that is
    not a query at all. Syntax errors the lexer cannot see are left to pyoxigraph.
    """
    if not text or not text.strip():
        raise QueryRejected("the query is empty: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    allowed = frozenset(allowed_endpoints)
    graphs = frozenset(local_graphs)
    checked = _scan(tokens(text), base_iri, allowed, graphs)
    if "\\u" in text or "\\U" in text:
        # SPARQL allows \u escapes before parsing; pyoxigraph applies them inside IRIs only,
        # but read the unescaped text too so that no escape can hide a keyword.
        try:
            _scan(tokens(_unescape_codepoints(text)), base_iri, allowed, graphs)
        except UpdateRefused:
            raise
        except QueryRejected as exc:
            if "SERVICE" in exc.message or "FROM" in exc.message:
                raise
    return checked



@dataclass(frozen=True)
class Policy:
    """What the server allows: the SERVICE endpoints listed in its configuration, the
    store's named graphs (for FROM / FROM NAMED), and the row cap of an answer."""

    allowed_endpoints: frozenset[str]
    local_graphs: frozenset[str]
    max_rows: int


#: Longest query text whose check is remembered (longer ones are checked every time).
_CACHED_TEXT_CHARS = 8192


def make_checker(policy: Policy) -> Callable[[str, str | None], CheckedQuery]:
    """:func:`check_query` under ``policy``, remembering the last 1,024 short queries (a
    stored query is sent again and again)."""

    def check(text: str, base_iri: str | None) -> CheckedQuery:
        return check_query(text, allowed_endpoints=policy.allowed_endpoints,
                           local_graphs=policy.local_graphs, base_iri=base_iri)

    cached = lru_cache(maxsize=1024)(check)

    def checker(text: str, base_iri: str | None) -> CheckedQuery:
        return check(text, base_iri) if len(text) > _CACHED_TEXT_CHARS else cached(text, base_iri)

    return checker
