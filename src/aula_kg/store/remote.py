"""A store that is a SPARQL 1.1 server (Oxigraph, Virtuoso, ...), reached with SPARQLWrapper.

Reading goes through the SPARQL 1.1 Protocol, writing (``aula-kg publish``) through the
Graph Store Protocol, one ``PUT`` per named graph (atomic per graph on servers that replace
a graph in one transaction, as Oxigraph and Virtuoso do). Answers are parsed into the same
neutral types as the embedded store, with the servers' quirks smoothed over:

* Virtuoso returns booleans as ``1``/``0`` in some result formats: a literal typed
  ``xsd:boolean`` is normalised to ``true``/``false``.
* Virtuoso's default graph is the union of *all* its graphs (system graphs included), with
  one solution per graph holding a triple (a fact in two sources counts twice), and a plain
  Oxigraph server's default graph is a graph of its own. :func:`publish` therefore also
  writes the union of the named graphs, as a set, into :data:`UNION_GRAPH`, and a query
  that names no dataset is sent with that graph as its default graph and the project's
  graphs as its named graphs (``default-graph-uri`` / ``named-graph-uri``): the same
  dataset as the embedded store's, on any server.
* Virtuoso truncates integer division and lacks ``BNODE()``: the stored queries divide
  decimals (``xsd:decimal(?x) / ?y``) and mint no blank nodes.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.exceptions import ParserError
from rdflib.term import Identifier

from ..errors import BackendFailed, QueryRejected, QueryTimeout
from . import base as lookups
from .base import Executor, Limits, SelectResult
from .remote_answers import Response, bound, count, fix_json, fix_term

if TYPE_CHECKING:
    import pyoxigraph as ox

    #: What :meth:`RemoteStore.fetch` parses an answer into.
    Fetched = ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]

_JSON = "application/sparql-results+json"
#: Where :func:`publish` writes the union of the named graphs (outside the project's
#: namespace, so that it is never listed among the sources).
UNION_GRAPH = "urn:x-aula-kg:union"
_FROM = re.compile(r"\bFROM\b", re.IGNORECASE)
_NTRIPLES = "application/n-triples"


@dataclass(frozen=True)
class RemoteConfig:
    endpoint: str
    graph_store: str | None = None
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0


def _values_clause(bindings: Mapping[str, Identifier]) -> str:
    names = " ".join(f"?{name}" for name in bindings)
    terms = " ".join(term.n3() for term in bindings.values())
    return f"\nVALUES ({names}) {{ ({terms}) }}"


class RemoteStore:
    """The Store protocol over a SPARQL 1.1 endpoint. User queries go through its
    executor (:meth:`executor`, store.remote_pool), which checks them first."""

    def __init__(self, endpoint: str, *, user: str | None = None, password: str | None = None,
                 timeout: float = 30.0, graph_store: str | None = None):
        self.config = RemoteConfig(endpoint, graph_store, user, password, timeout)
        self._graphs: list[str] | None = None

    # -- transport ------------------------------------------------------------------

    def _request(self, query: str, accept: str, timeout: float | None = None,
                 default_graphs: Sequence[str] | None = None,
                 named_graphs: Sequence[str] | None = None) -> bytes:
        """The server's raw answer in ``accept``, through SPARQLWrapper (POST, form)."""
        from SPARQLWrapper import DIGEST, POST, URLENCODED, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

        wrapper = SPARQLWrapper(self.config.endpoint)
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setOnlyConneg(True)
        wrapper.addCustomHttpHeader("Accept", accept)
        wrapper.setTimeout(max(1, int(round(timeout or self.config.timeout))))
        if self.config.user:
            wrapper.setHTTPAuth(DIGEST)
            wrapper.setCredentials(self.config.user, self.config.password or "")
        for graph in default_graphs or ():
            wrapper.addDefaultGraph(graph)
        for graph in named_graphs or ():
            wrapper.addNamedGraph(graph)
        wrapper.setQuery(query)
        # SPARQLWrapper guesses the form with a regex that comments and keywords inside
        # strings can fool into an update ("update=" is then sent): the lexer has checked.
        wrapper.queryType = "SELECT"
        try:
            response = wrapper.query().response
            return _read_bounded(response, self.config.endpoint,
                                 timeout or self.config.timeout)
        except QueryBadFormed as exc:
            raise QueryRejected(f"the SPARQL server refused the query: {exc}"[:500]) from None
        except SPARQLWrapperException as exc:
            raise BackendFailed(
                f"the SPARQL server {self.config.endpoint} failed: {exc}"[:500]
            ) from None
        except urllib.error.HTTPError as exc:
            raise BackendFailed(
                f"the SPARQL server {self.config.endpoint} answered HTTP {exc.code}"
            ) from None
        except http.client.HTTPException as exc:
            raise BackendFailed(
                f"the SPARQL server {self.config.endpoint} broke off its answer: {exc!r}"[:500]
            ) from None
        except TimeoutError:
            raise QueryTimeout(
                f"the SPARQL server {self.config.endpoint} did not answer in time"
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise QueryTimeout(
                    f"the SPARQL server {self.config.endpoint} did not answer in time"
                ) from None
            raise BackendFailed(
                f"cannot reach the SPARQL server {self.config.endpoint}: {reason}"
            ) from None

    # -- answers as pyoxigraph objects (store.remote_pool caps and serialises them) -----

    def fetch(self, query: str, kind: str, *, default_graphs: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, names_dataset: bool | None = None,
              base_iri: str | None = None, timeout: float | None = None) -> Fetched:
        """The server's answer to ``query``, whose ``kind`` (``solutions``, ``boolean`` or
        ``graph``: sparql_policy.CheckedQuery.kind) the caller knows: QuerySolutions or
        QueryBoolean parsed from JSON, or a list of triples parsed from N-Triples. With no
        dataset given, and none named in the query (``names_dataset``, found by the lexer
        when None), the project's dataset is sent (see the module's docstring)."""
        import pyoxigraph as ox

        if base_iri and "BASE" not in query[:200].upper():
            query = f"BASE <{base_iri}>\n{query}"
        if names_dataset is None:
            names_dataset = _names_dataset(query)
        if default_graphs is None and named_graphs is None and not names_dataset:
            default_graphs, named_graphs = [UNION_GRAPH], self.graph_names()
        try:
            if kind == "graph":
                body = self._request(query, _NTRIPLES, timeout, default_graphs, named_graphs)
                return list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
            body = self._request(query, _JSON, timeout, default_graphs, named_graphs)
            return ox.parse_query_results(fix_json(body), format=ox.QueryResultsFormat.JSON)
        except (SyntaxError, ValueError) as exc:  # an HTML error page, a cut answer...
            raise BackendFailed(
                f"the SPARQL server {self.config.endpoint} answered something that is not "
                f"SPARQL results: {exc}"[:500]
            ) from None

    def executor(self, limits: Limits, *, in_process: bool = False,
                 cache_bytes: int = 0) -> Executor:
        """Checked queries forwarded to the server (store.remote_pool), for the server and
        the command line alike; answers are never cached (the server's data may change)."""
        from .remote_pool import RemotePool

        return RemotePool(self, limits)

    # -- the Store protocol ---------------------------------------------------------

    def select(self, query: str, bindings: Mapping[str, Identifier] | None = None
               ) -> SelectResult:
        import pyoxigraph as ox

        from .terms import to_rdflib

        result = self.fetch(query + (_values_clause(bindings) if bindings else ""), "solutions")
        if not isinstance(result, ox.QuerySolutions):
            raise QueryRejected("expected a SELECT query")
        variables = [v.value for v in result.variables]
        rows = [tuple(fix_term(to_rdflib(s[v])) for v in variables) for s in result]
        return SelectResult(variables, rows)

    def select_values(self, query: str) -> list[tuple[str | None, ...]]:
        """A SELECT answer as the terms' lexical values (see EmbeddedStore.select_values)."""
        return [
            tuple(None if term is None else str(term) for term in row)
            for row in self.select(query).rows
        ]

    def ask(self, query: str, bindings: Mapping[str, Identifier] | None = None) -> bool:
        import pyoxigraph as ox

        result = self.fetch(query + (_values_clause(bindings) if bindings else ""), "boolean")
        if not isinstance(result, ox.QueryBoolean):
            raise QueryRejected("expected an ASK query")
        return bool(result)

    def construct(self, query: str, bindings: Mapping[str, Identifier] | None = None) -> Graph:
        from .terms import to_rdflib

        graph = Graph()
        triples = self.fetch(query + (_values_clause(bindings) if bindings else ""), "graph")
        if not isinstance(triples, list):
            raise QueryRejected("expected a CONSTRUCT or DESCRIBE query")
        for t in triples:
            graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
        return graph

    def graph_names(self) -> list[str]:
        """The project's named graphs on the server (read once)."""
        if self._graphs is None:
            import pyoxigraph as ox

            body = self._request("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", _JSON)
            result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            if not isinstance(result, ox.QuerySolutions):
                raise BackendFailed(code="remote.not_results", endpoint=self.config.endpoint,
                                    detail="a boolean")
            self._graphs = sorted(
                row["g"].value for row in result
                if row["g"].value.startswith("https://w3id.org/aula-kg/")
            )
        return self._graphs

    def triple_count(self) -> int:
        rows = self.select(
            "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE "
            "{ GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), 'https://w3id.org/aula-kg/')) } }"
        ).rows
        return count(rows[0][0], self.config.endpoint)

    def content_hash(self) -> str:
        rows = self.select(
            "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } "
            "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/aula-kg/')) }"
        ).rows
        digest = hashlib.sha256()
        # GRAPH ?g { ?s ?p ?o } binds all four: a None would be the server's error.
        for line in sorted(" ".join(bound(t, self.config.endpoint).n3() for t in row)
                           for row in rows):
            digest.update(line.encode() + b"\n")
        return digest.hexdigest()

    # -- read-only lookups (Store protocol), a bounded number of requests each ------

    kind = "remote"

    def _lookup(self, query: str) -> list[tuple[Identifier | None, ...]]:
        """A lookup's rows as rdflib terms, over the same dataset as any query (the union
        graph as default graph, the project's graphs as named graphs); parsed without
        pyoxigraph objects, which may not be dropped on another thread than their own."""
        body = self._request(query, _JSON, None, [UNION_GRAPH], self.graph_names())
        try:
            result = lookups.parse_json_results(fix_json(body))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:  # an HTML page...
            raise BackendFailed(code="remote.not_results", endpoint=self.config.endpoint,
                                detail=str(exc)[:300]) from None
        if not isinstance(result, SelectResult):
            raise BackendFailed(code="remote.not_results", endpoint=self.config.endpoint,
                                detail="a boolean")
        return [tuple(fix_term(t) for t in row) for row in result.rows]

    def quads(self, subject: lookups.TermPattern = None, predicate: lookups.TermPattern = None,
              object: lookups.TermPattern = None,  # noqa: A002 - the protocol's names
              graph: lookups.Graphs | str = lookups.UNION, *,
              limit: int | None = None) -> list[lookups.Quad]:
        """One SELECT per :data:`LOOKUP_CHUNK` subjects; the given terms go in ``VALUES``
        blocks written from checked rdflib terms (``n3()``)."""
        positions = [lookups.alternatives(t) for t in (subject, predicate, object)]
        for index, terms in enumerate(positions):
            if terms is not None:  # blank nodes are variables in a query: not looked up
                positions[index] = [t for t in terms if not isinstance(t, BNode)
                                    and (index == 2 or not isinstance(t, Literal))]
                if not positions[index]:
                    return []
        subjects = positions[0]
        chunks = ([subjects[i:i + LOOKUP_CHUNK] for i in range(0, len(subjects), LOOKUP_CHUNK)]
                  if subjects is not None else [None])
        out: list[lookups.Quad] = []
        for chunk in chunks:
            values = "".join(
                f"VALUES ?{var} {{ {' '.join(t.n3() for t in terms)} }} "
                for var, terms in zip("spo", (chunk, positions[1], positions[2]), strict=True)
                if terms is not None
            )
            where = "?s ?p ?o" if graph is lookups.UNION else "GRAPH ?g { ?s ?p ?o }"
            if not isinstance(graph, lookups.Graphs):
                values += f"VALUES ?g {{ {URIRef(str(graph)).n3()} }} "
            cap = "" if limit is None else f" LIMIT {int(limit - len(out))}"
            # ?g stays unbound (None) in the union default graph.
            rows = self._lookup(f"SELECT ?s ?p ?o ?g WHERE {{ {values}{where} }}{cap}")
            out.extend(self._quad(row) for row in rows)
            if limit is not None and len(out) >= limit:
                break
        return out

    def describe(self, iri: str) -> list[lookups.Quad]:
        """One SELECT: the resource's quads and those of the blank nodes reached within
        :data:`DESCRIBE_DEPTH` hops (a server's blank-node labels hold for one answer
        only, so the walk cannot be split over requests)."""
        node = URIRef(iri).n3()
        branches = [f"{{ VALUES ?s {{ {node} }} ?s ?p ?o }}"]
        for depth in range(1, DESCRIBE_DEPTH + 1):
            hops, previous = [], node
            for hop in range(depth):
                current = "?s" if hop == depth - 1 else f"?b{hop}"
                hops.append(f"{previous} ?h{hop} {current} . FILTER(isBlank({current}))")
                previous = current
            branches.append("{ " + " ".join(hops) + " ?s ?p ?o }")
        text = ("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { " + " UNION ".join(branches) + " } }")
        return [self._quad(row) for row in self._lookup(text)]

    def _quad(self, row: tuple[Identifier | None, ...]) -> lookups.Quad:
        """A lookup's (?s ?p ?o ?g) row as a quad; ?g is unbound in the union graph."""
        s, p, o, g = row
        if not isinstance(p, URIRef) or not (g is None or isinstance(g, URIRef)):
            raise BackendFailed(code="remote.not_results", endpoint=self.config.endpoint,
                                detail=f"not a quad: {row!r}"[:300])
        return (bound(s, self.config.endpoint), p, bound(o, self.config.endpoint), g)

    def graph_sizes(self) -> dict[str, int]:
        rows = self._lookup(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        names = set(self.graph_names())
        return {str(g): count(n, self.config.endpoint) for g, n in rows if str(g) in names}

    def dump_graph(self, name: str, media_type: str,
                   prefixes: Mapping[str, str] | None = None) -> bytes:
        """One CONSTRUCT answered as N-Triples, re-serialised here (servers differ in the
        formats they write; a server's row limit, e.g. Virtuoso's ResultSetMaxRows, also
        bounds this answer)."""
        import pyoxigraph as ox

        from ..formats import OXIGRAPH_GRAPH_FORMATS
        from .terms import serialized

        if media_type not in lookups.DUMP_MEDIA_TYPES:
            raise ValueError(f"cannot write a graph as {media_type}")
        body = self._request(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {URIRef(name).n3()} {{ ?s ?p ?o }} }}",
            _NTRIPLES)
        fmt = OXIGRAPH_GRAPH_FORMATS.get(media_type)
        try:
            if fmt is None:
                return lookups.ntriples_as(body, media_type, prefixes)
            triples = ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
            return serialized(ox.serialize(triples, format=fmt, prefixes=dict(prefixes or {})))
        except (SyntaxError, ValueError, ParserError) as exc:
            raise BackendFailed(code="remote.not_ntriples", endpoint=self.config.endpoint,
                                detail=str(exc)[:300]) from None


#: Subjects looked up per request, and blank-node hops a description follows remotely.
LOOKUP_CHUNK = 200
DESCRIBE_DEPTH = 8


#: Largest answer read from a SPARQL server, in bytes: past it the answer is refused.
MAX_ANSWER_BYTES = 512 * 1024 * 1024


def _read_bounded(response: Response, endpoint: str, timeout: float) -> bytes:
    """The whole answer, within ``timeout`` seconds in all (a socket timeout alone is per
    read: a server sending a byte now and then would never time out) and at most
    :data:`MAX_ANSWER_BYTES` (a server claiming 5 GB is not read into memory)."""
    deadline = time.monotonic() + timeout
    read = getattr(response, "read1", response.read)
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise QueryTimeout(f"the SPARQL server {endpoint} did not answer in time")
        chunk = read(1 << 20)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise BackendFailed(
                f"the SPARQL server {endpoint} answered more than {MAX_ANSWER_BYTES} bytes"
            )
        chunks.append(chunk)


def _names_dataset(query: str) -> bool:
    """Whether the query has a FROM or FROM NAMED clause (comments and strings ignored)."""
    if not _FROM.search(query):
        return False
    from ..sparql_policy import tokens

    return any(kind == "word" and text.upper() == "FROM" for kind, text in tokens(query))


def _opener(config: RemoteConfig, url: str | None = None) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = []
    if config.user:
        manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        manager.add_password(None, url or config.endpoint, config.user, config.password or "")
        handlers += [urllib.request.HTTPDigestAuthHandler(manager),
                     urllib.request.HTTPBasicAuthHandler(manager)]
    return urllib.request.build_opener(*handlers)


def _preauthorize(request: urllib.request.Request, user: str, password: str,
                  timeout: float) -> None:
    """Answer the server's authentication challenge before sending a large body: with
    digest authentication the first request is refused (401), and a server that closes
    the connection while a graph is still being sent breaks the pipe. A bodiless probe
    fetches the challenge; the PUT then carries its Authorization header."""
    probe = urllib.request.Request(request.full_url, method="HEAD")
    try:
        urllib.request.urlopen(probe, timeout=timeout).close()
        return
    except urllib.error.HTTPError as exc:
        challenge = exc.headers.get("WWW-Authenticate", "")
    except (urllib.error.URLError, OSError) as exc:
        raise BackendFailed(f"cannot reach {request.full_url}: {exc}") from None
    scheme, _, rest = challenge.partition(" ")
    if scheme.lower() == "digest":
        manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        manager.add_password(None, request.full_url, user, password)
        handler = urllib.request.HTTPDigestAuthHandler(manager)
        chal = urllib.request.parse_keqv_list(urllib.request.parse_http_list(rest))
        auth = handler.get_authorization(request, chal)
        if auth:
            request.add_unredirected_header("Authorization", f"Digest {auth}")
    elif scheme.lower() == "basic":
        import base64

        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        request.add_unredirected_header("Authorization", f"Basic {token}")


def default_graph_store(endpoint: str) -> str:
    """Where the Graph Store Protocol lives, guessed from the query endpoint: Oxigraph's
    ``/store`` beside ``/query``, Virtuoso's ``/sparql-graph-crud-auth`` beside ``/sparql``."""
    base, _, last = endpoint.rstrip("/").rpartition("/")
    if last == "sparql":
        return f"{base}/sparql-graph-crud-auth"
    return f"{base}/store"


def publish(nquads_path: str | os.PathLike[str], endpoint: str, *, graph_store: str | None = None,
            user: str | None = None, password: str | None = None,
            union_graph: bool = True, timeout: float = 300.0) -> dict[str, int]:
    """Send every named graph of the built artefact to the server with the Graph Store
    Protocol (``PUT``: each graph replaced in one request), then, when ``union_graph``,
    the union of the graphs (a set) as :data:`UNION_GRAPH`, the default graph of the
    queries a RemoteStore sends. Returns triples sent per graph."""
    from urllib.parse import quote

    import pyoxigraph as ox

    from .terms import serialized

    store = ox.Store()
    store.bulk_load(path=str(nquads_path), format=ox.RdfFormat.N_QUADS)
    gsp = graph_store or default_graph_store(endpoint)
    virtuoso = "sparql-graph-crud" in gsp
    key = "graph-uri" if virtuoso else "graph"
    config = RemoteConfig(endpoint, gsp, user, password, timeout)
    opener = _opener(config, gsp)
    sent: dict[str, int] = {}

    def put(target: str, body: bytes) -> None:
        request = urllib.request.Request(target, data=body, method="PUT",
                                         headers={"Content-Type": _NTRIPLES})
        if user:
            _preauthorize(request, user, password or "", timeout)
        try:
            with opener.open(request, timeout=timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode("utf-8", "replace").strip()
            raise BackendFailed(f"PUT {target} answered HTTP {exc.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise BackendFailed(f"cannot reach {target}: {getattr(exc, 'reason', exc)}") from None

    for graph in sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)):
        node = ox.NamedNode(graph)
        body = serialized(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=node))
        put(f"{gsp}?{key}={quote(graph, safe='')}", body)
        sent[graph] = body.count(b"\n")
    if union_graph:
        store.update(f"INSERT {{ GRAPH <{UNION_GRAPH}> {{ ?s ?p ?o }} }} "
                     f"WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
        body = serialized(store.dump(format=ox.RdfFormat.N_TRIPLES,
                                     from_graph=ox.NamedNode(UNION_GRAPH)))
        put(f"{gsp}?{key}={quote(UNION_GRAPH, safe='')}", body)
        sent[UNION_GRAPH] = body.count(b"\n")
    return sent
