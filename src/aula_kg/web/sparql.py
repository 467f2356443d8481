"""The SPARQL 1.1 Protocol endpoint at ``/sparql``: a router apart from the app.

Queries arrive by GET (``?query=``), by POST form-encoded or by POST
``application/sparql-query``; ``default-graph-uri`` / ``named-graph-uri`` set the dataset; the
answer's format is negotiated (``Accept`` with q-values, or a ``format=`` override). Updates
are refused (403) through every door. A GET with no query returns the service description.

The handler parses the request itself (no pydantic models) to keep the per-request cost
small; the query is checked and run by the store's executor (store.execution), in a
worker process for the embedded store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import Response
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID

from .. import formats
from ..config import Settings
from ..errors import (
    AulaKgError,
    BadRequest,
    NotAcceptable,
    PayloadTooLarge,
    UnsupportedMediaType,
    UpdateRefused,
    UriTooLong,
)
from ..store import Executor, QueryRequest, Store
from .errors import response_for

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

#: Response header saying the answer was cut at ``settings.max_rows`` rows.
TRUNCATED_HEADER = "Aula-Kg-Truncated"
#: Longest request target (path and query string) accepted, in bytes; POST longer queries.
MAX_URL_BYTES = 8192

_FORM = "application/x-www-form-urlencoded"
_SPARQL_QUERY = "application/sparql-query"
_SPARQL_UPDATE = "application/sparql-update"
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(?::[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?$")
_READ_ONLY = (
    "this SPARQL endpoint is read-only: updates are refused and change nothing; "
    "send a query (SELECT, ASK, CONSTRUCT or DESCRIBE)"
)

router = APIRouter(tags=["SPARQL"])


@dataclass
class SparqlService:
    """What the ``/sparql`` routes need; the app keeps one in ``app.state.sparql``."""

    settings: Settings
    store: Store
    pool: Executor
    max_url_bytes: int = MAX_URL_BYTES
    _descriptions: dict[tuple[str, str], bytes] = field(default_factory=dict)

    # -- the request ----------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        scope = request.scope
        raw_query = scope.get("query_string", b"")
        if len(raw_query) + len(scope.get("raw_path") or scope["path"]) > self.max_url_bytes:
            raise UriTooLong(
                f"the request URL is longer than {self.max_url_bytes} bytes; "
                f"send long queries by POST"
            )
        params = _parse_form(raw_query, "URL")
        if request.method == "POST":
            params = params + await self._post_params(request, params)
        queries = [v for k, v in params if k == "query"]
        updates = [v for k, v in params if k == "update"]
        if queries and updates:
            raise BadRequest("a request carries either a query or an update, not both")
        if updates:
            raise UpdateRefused(_READ_ONLY)
        if len(queries) > 1:
            raise BadRequest("the request carries more than one query; send exactly one")
        override = next((v for k, v in reversed(params) if k in ("format", "output")), None)
        accept = request.headers.get("accept")
        endpoint = _endpoint_iri(scope, request.headers.get("host"))
        if not queries:
            if request.method == "GET":
                return self._description_response(endpoint, accept, override)
            raise BadRequest("no query: send query=... (SELECT, ASK, CONSTRUCT or DESCRIBE)")
        results = formats.choose(formats.RESULTS, accept, override)
        graph = formats.choose(formats.GRAPH, accept, override)
        if results is None and graph is None:
            raise NotAcceptable(_not_acceptable(accept, override))
        default_graphs = tuple(v for k, v in params if k == "default-graph-uri")
        named_graphs = tuple(v for k, v in params if k == "named-graph-uri")
        protocol_dataset = bool(default_graphs or named_graphs)
        out = await self.pool.run(
            QueryRequest(
                queries[0],
                results.name if results else None,
                graph.name if graph else None,
                default_graphs if protocol_dataset else None,
                named_graphs if protocol_dataset else None,
                endpoint,
            )
        )
        headers = {"Vary": "Accept"}
        if out.truncated:
            headers[TRUNCATED_HEADER] = str(self.settings.max_rows)
        return Response(out.body, media_type=out.media_type, headers=headers)

    async def _post_params(self, request: Request, url_params) -> list[tuple[str, str]]:
        media_type, charset = _content_type(request.headers.get("content-type"))
        if media_type == _SPARQL_UPDATE:
            raise UpdateRefused(_READ_ONLY)
        if media_type not in (_FORM, _SPARQL_QUERY):
            given = f"Content-Type {media_type}" if media_type else "no Content-Type"
            raise UnsupportedMediaType(
                f"a POST to this endpoint needs Content-Type {_FORM} or {_SPARQL_QUERY} "
                f"(got {given})"
            )
        if charset not in (None, "utf-8", "utf8"):
            raise UnsupportedMediaType(f"the request body must be UTF-8 (got charset={charset})")
        body = await _read_body(request, self.settings.max_body_bytes)
        if media_type == _FORM:
            return _parse_form(body, "request body")
        if any(k in ("query", "update") for k, _ in url_params):
            raise BadRequest("a direct POST carries its query in the body, not in the URL")
        try:
            return [("query", body.decode("utf-8"))]
        except UnicodeDecodeError:
            raise BadRequest("the query is not valid UTF-8") from None

    # -- the service description ----------------------------------------------------

    def _description_response(self, endpoint: str, accept, override) -> Response:
        fmt = formats.choose(formats.GRAPH, accept, override)
        if fmt is None:
            raise NotAcceptable(
                "the service description is available as " + formats.describe_choices(formats.GRAPH)
            )
        key = (endpoint, fmt.name)
        body = self._descriptions.get(key)
        if body is None:
            body = self.service_description(endpoint).serialize(format=_RDFLIB[fmt.name])
            body = body.encode() if isinstance(body, str) else body
            if len(self._descriptions) < 64:
                self._descriptions[key] = body
        return Response(body, media_type=fmt.media_type, headers={"Vary": "Accept"})

    def service_description(self, endpoint: str) -> Graph:
        """The SPARQL service description of this endpoint (sd: vocabulary)."""
        settings = self.settings
        graph = Graph(bind_namespaces="core")
        graph.bind("sd", SD)
        graph.bind("void", VOID)
        graph.bind("dcterms", DCTERMS)
        service = URIRef(endpoint)
        graph.add((service, RDF.type, SD.Service))
        graph.add((service, SD.endpoint, service))
        graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
        graph.add((service, SD.feature, SD.UnionDefaultGraph))
        if settings.allowed_service_endpoints:
            graph.add((service, SD.feature, SD.BasicFederatedQuery))
        for fmt in formats.RESULT_FORMATS + formats.GRAPH_FORMATS:
            graph.add((service, SD.resultFormat, URIRef(fmt.w3c_iri)))
        graph.add((service, DCTERMS.title, Literal("aula-kg SPARQL endpoint", lang="en")))
        graph.add(
            (
                service,
                RDFS.comment,
                Literal(
                    f"Read-only: updates are refused. Each query runs for at most "
                    f"{settings.query_timeout:g} s and returns at most {settings.max_rows} "
                    f"rows. SERVICE, FROM and FROM NAMED never reach remote data. The "
                    f"default graph is the union of the named graphs.",
                    lang="en",
                ),
            )
        )
        dataset = BNode()
        default_graph = BNode()
        graph.add((service, SD.defaultDataset, dataset))
        graph.add((dataset, RDF.type, SD.Dataset))
        graph.add((dataset, SD.defaultGraph, default_graph))
        graph.add((default_graph, RDF.type, SD.Graph))
        graph.add((default_graph, VOID.triples, Literal(self.store.triple_count())))
        for name in self.store.graph_names():
            named = BNode()
            graph.add((dataset, SD.namedGraph, named))
            graph.add((named, RDF.type, SD.NamedGraph))
            graph.add((named, SD.name, URIRef(name)))
        return graph


_RDFLIB = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}


def _content_type(header: str | None) -> tuple[str, str | None]:
    if not header:
        return "", None
    media_type, *params = header.split(";")
    charset = None
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media_type.strip().lower(), charset


def _parse_form(raw: bytes, where: str) -> list[tuple[str, str]]:
    if not raw:
        return []
    try:
        return parse_qsl(
            raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict"
        )
    except UnicodeDecodeError:
        raise BadRequest(f"the {where} is not valid UTF-8") from None
    except ValueError as exc:
        raise BadRequest(f"the {where} is malformed: {exc}") from None


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise BadRequest("invalid Content-Length") from None
        if size > limit:
            raise PayloadTooLarge(f"the request body is over the limit of {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"the request body is over the limit of {limit} bytes")
    return bytes(body)


def _endpoint_iri(scope, host: str | None) -> str:
    """The endpoint's own IRI: the base IRI of queries and the service description's
    subject. A Host header that is not a plain host[:port] is ignored."""
    if not host or not _HOST.match(host):
        server = scope.get("server")
        host = f"{server[0]}:{server[1]}" if server else "localhost"
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}{scope['path']}"


def _not_acceptable(accept: str | None, override: str | None) -> str:
    asked = f"format={override}" if override else f"Accept: {accept}"
    return (
        f"cannot answer in any format you accept ({asked}); results are available as "
        f"{formats.describe_choices(formats.RESULTS)}; graphs as "
        f"{formats.describe_choices(formats.GRAPH)}"
    )


_DOC = """SPARQL 1.1 Protocol endpoint (read-only).

* `GET /sparql?query=...`, `POST` form-encoded (`query=...`) or `POST` with
  `Content-Type: application/sparql-query`; `default-graph-uri` / `named-graph-uri` set the
  dataset.
* SELECT/ASK as JSON, XML, CSV, TSV; CONSTRUCT/DESCRIBE as Turtle, N-Triples, JSON-LD,
  RDF/XML, by `Accept` (q-values honoured) or `format=json|xml|csv|tsv|turtle|nt|json-ld|rdfxml`.
* `GET /sparql` with no query returns the service description.
* Updates are refused (403); `SERVICE`, `FROM`, `FROM NAMED` never reach remote data (400);
  each query has a time limit (504) and a row cap (header `Aula-Kg-Truncated`).
"""


class SparqlFastPath:
    """An ASGI middleware that sends a plain ``GET``/``POST /sparql`` (no ``Origin``
    header: no CORS headers to add) straight to :class:`SparqlService`, past the routing
    and the per-route machinery of FastAPI, which cost more CPU than a small query itself
    (issue 15, "Speed"). The answer and the errors are the same as through the router,
    which keeps every other request, and the documented route."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if (scope["type"] != "http" or scope["path"] not in ("/sparql", "/sparql/")
                or scope["method"] not in ("GET", "POST")
                or any(key == b"origin" for key, _ in scope["headers"])):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await scope["app"].state.sparql.handle(request)
        except AulaKgError as exc:
            response = response_for(exc)
        await response(scope, receive, send)


@router.api_route("/sparql", methods=["GET", "POST"], summary="SPARQL 1.1 query", description=_DOC)
async def sparql(request: Request) -> Response:
    return await request.app.state.sparql.handle(request)


@router.api_route("/sparql/", methods=["GET", "POST"], include_in_schema=False)
async def sparql_slash(request: Request) -> Response:
    return await request.app.state.sparql.handle(request)
