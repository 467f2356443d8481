"""The graph as open data on the web: ``/telechargements`` (the dumps, a page for people and
the files), ``/.well-known/void`` (VoID) and ``/catalogue`` (DCAT-AP), the last two in
Turtle, JSON-LD, RDF/XML or N-Triples by content negotiation (``format=`` overrides).

IRIs are on ``Settings.public_url`` (AULA_KG_PUBLIC_URL) when set, else on the request's
own address. The figures are read once per app through the store protocol
(publishing.facts); the dumps index is read at each request, so the catalogue always
advertises the files the server would send, and a file that no longer matches it is a 503.

Mount with ``app.include_router(publishing.router)`` (reads ``app.state.settings`` and
``app.state.store``).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .. import __version__, formats, vocab
from ..catalog import Catalog
from ..errors import AulaKgError, NotAcceptable, RangeNotSatisfiable, UnknownDownload
from ..publishing import dcat, dumps, facts, void
from .errors import error_response
from .services import app_services

router = APIRouter(include_in_schema=False)

_env = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals["version"] = __version__

_RDFLIB = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}
#: Bytes read from a dump file at a time.
CHUNK = 1 << 16
#: Seconds a client should wait before asking again for a dump being rebuilt.
RETRY_AFTER = "30"


# -- what the app publishes --------------------------------------------------------------


class Publication:
    """The served graph's facts (computed once: the store never changes under a server)
    and the build's dumps index (read when asked)."""

    def __init__(self, settings, store, internal: Catalog):
        self.settings = settings
        self.store = store
        #: The product's own queries (the app's, loaded once for every face).
        self.internal = internal
        self._facts: facts.GraphFacts | None = None
        self._lock = threading.Lock()

    def facts(self) -> facts.GraphFacts:
        with self._lock:
            if self._facts is None:
                self._facts = facts.collect(self.store, self.internal)
            return self._facts

    def index(self) -> dumps.DumpIndex | None:
        return dumps.read_index(self.settings.build_dir)

    def base(self, request: Request) -> str:
        return self.settings.public_url or str(request.base_url).rstrip("/")


def publication(request: Request | FastAPI) -> Publication:
    """The app's Publication, one per app in its AppServices. ``publication(app).facts()``
    in the app's warm-up spares the first reader of VoID or the catalogue the counting
    queries."""
    services = app_services(request)
    return services.once("publication", lambda: Publication(
        services.settings, services.store, services.queries.internal))


def _built_at(index: dumps.DumpIndex | None) -> str:
    return index.built_at if index is not None else datetime.now().astimezone().isoformat(
        timespec="seconds")


# -- languages and numbers for people ---------------------------------------------------


def page_language(request: Request, default: str = "fr") -> str:
    """``?lang=en|fr`` first, else the language of Accept-Language the reader prefers
    among French and English, else ``default`` (French for pages, English for the JSON
    errors, as the other routes give them)."""
    asked = request.query_params.get("lang", "").strip().lower()
    if asked in ("fr", "en"):
        return asked
    best, best_q = default, -1.0
    for item in request.headers.get("accept-language", "").split(","):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in ("fr", "en"):
            continue
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if q > best_q:
            best, best_q = primary, q
    return best


def group_digits(value: int, lang: str) -> str:
    text = f"{value:,}"
    return text.replace(",", "\u202f") if lang == "fr" else text


def file_size(size: int, lang: str) -> str:
    """``139,7 ko`` / ``139.7 kB`` (decimal units, as file managers show them)."""
    units = ("octets", "ko", "Mo", "Go") if lang == "fr" else ("bytes", "kB", "MB", "GB")
    if size < 1000:
        return f"{size}\u00a0{units[0]}"
    value, unit = float(size), 0
    while value >= 1000 and unit < len(units) - 1:
        value, unit = value / 1000, unit + 1
    text = f"{value:.1f}"
    return (text.replace(".", ",") if lang == "fr" else text) + f"\u00a0{units[unit]}"


_MONTHS = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}


def long_date(value: str, lang: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    day = "1er" if lang == "fr" and moment.day == 1 else str(moment.day)
    return f"{day} {_MONTHS[lang][moment.month - 1]} {moment.year}"


LICENCE_NAMES = {
    str(vocab.LICENCE_OUVERTE_2): "Licence Ouverte 2.0 (Etalab)",
    "https://spdx.org/licenses/MIT": "MIT",
    "https://creativecommons.org/licenses/by/4.0/": "CC BY 4.0",
}


# -- RDF documents -----------------------------------------------------------------------


def _graph_format(request: Request) -> formats.Format:
    override = request.query_params.get("format")
    fmt = formats.choose(formats.GRAPH, request.headers.get("accept"), override)
    if fmt is None:
        raise NotAcceptable(
            f"cannot answer in the format asked for ({override or request.headers.get('accept')});"
            f" available: {formats.describe_choices(formats.GRAPH)}")
    return fmt


def _rdf_response(request: Request, graph, fmt: formats.Format) -> Response:
    body = graph.serialize(format=_RDFLIB[fmt.name], encoding="utf-8")
    headers = {"Vary": "Accept", "Access-Control-Allow-Origin": "*"}
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(body))
        return Response(b"", media_type=fmt.media_type, headers=headers)
    return Response(body, media_type=fmt.media_type, headers=headers)


@router.api_route("/.well-known/void", methods=["GET", "HEAD"])
async def void_document(request: Request) -> Response:
    fmt = _graph_format(request)
    published = publication(request)
    found = await anyio.to_thread.run_sync(published.facts)
    graph = void.void_graph(published.base(request), found, published.index())
    return _rdf_response(request, graph, fmt)


@router.api_route("/catalogue", methods=["GET", "HEAD"])
async def catalogue(request: Request) -> Response:
    fmt = _graph_format(request)
    published = publication(request)
    found = await anyio.to_thread.run_sync(published.facts)
    index = published.index()
    graph = dcat.catalogue_graph(published.base(request), found, index, _built_at(index))
    return _rdf_response(request, graph, fmt)


# -- the download page -------------------------------------------------------------------


@dataclass
class Row:
    name: str
    url: str
    title: str
    holds: str
    format: str
    quads: str
    size: str
    exact_size: str
    sha256: str
    licences: list[tuple[str, str]]


_FORMAT_NAMES = {"nquads": "N-Quads", "trig": "TriG", "turtle": "Turtle"}


def _rows(base: str, index: dumps.DumpIndex, found: facts.GraphFacts, lang: str) -> list[Row]:
    rows = []
    for dump in index.dumps:
        if dump.graph is None:
            title, holds = dcat.WHOLE_TEXTS[lang]
        else:
            title, holds = dcat.graph_texts(dump.graph, found)[lang]
        licences = [(str(iri), LICENCE_NAMES.get(str(iri), str(iri)))
                    for iri in dcat.graph_licences(dump.graph, found)]
        fmt = f"{_FORMAT_NAMES[dump.format]} (gzip)"
        rows.append(Row(
            dump.name, str(vocab.download(base, dump.name)), title, holds, fmt,
            group_digits(dump.quads, lang), file_size(dump.bytes, lang),
            group_digits(dump.bytes, lang), dump.sha256, licences))
    return rows


@router.get("/telechargements", response_class=HTMLResponse)
async def downloads_page(request: Request) -> Response:
    lang = page_language(request)
    published = publication(request)
    index = published.index()
    base = published.base(request)
    rows: list[Row] = []
    if index is not None:
        found = await anyio.to_thread.run_sync(published.facts)
        rows = _rows(base, index, found, lang)
    context: dict[str, Any] = {
        "lang": lang, "rows": rows, "title": "Téléchargements" if lang == "fr" else "Downloads",
        "built_at": long_date(index.built_at, lang) if index else None,
        "content_hash": index.content_hash if index else None,
        "catalogue": str(vocab.catalogue(base)), "void": str(vocab.void_document(base)),
        "sparql": str(vocab.sparql_endpoint(base)), "page": str(vocab.downloads_page(base)),
    }
    html = _env.get_template("telechargements.html").render(**context)
    return HTMLResponse(html, headers={"Vary": "Accept-Language", "Content-Language": lang})


# -- the files ---------------------------------------------------------------------------


def _error(request: Request, exc: AulaKgError, headers: dict[str, str] | None = None):
    language = page_language(request, default="en")
    return error_response(exc.http_status, exc.kind, exc.text(language), headers)


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one range ``header`` asks for as (first, last) inclusive; None to send the whole
    file (no header, a header this server ignores: not bytes, several ranges, malformed);
    RangeNotSatisfiable (416) when it lies outside the file (RFC 9110 §14)."""
    if not header:
        return None
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first_text, dash, last_text = spec.strip().partition("-")
    if not dash:
        return None
    first_text, last_text = first_text.strip(), last_text.strip()
    if not (first_text.isdigit() or first_text == "") or not (
            last_text.isdigit() or last_text == "") or (first_text == last_text == ""):
        return None
    if first_text == "":
        suffix = int(last_text)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(code="download.range", range=header[:100], size=size)
        return max(size - suffix, 0), size - 1
    first = int(first_text)
    if last_text and int(last_text) < first:
        return None
    if first >= size:
        raise RangeNotSatisfiable(code="download.range", range=header[:100], size=size)
    return first, min(int(last_text) if last_text else size - 1, size - 1)


def _chunks(opened: dumps.OpenDump, first: int, last: int):
    try:
        offset = first
        while offset <= last:
            chunk = os.pread(opened.fd, min(CHUNK, last - offset + 1), offset)
            if not chunk:
                break
            offset += len(chunk)
            yield chunk
    finally:
        opened.close()


@router.api_route("/telechargements/{name:path}", methods=["GET", "HEAD"])
async def download(name: str, request: Request) -> Response:
    published = publication(request)
    try:
        index = published.index()
        if index is None:
            raise UnknownDownload(code="download.unknown", name=name[:200])
        opened = await anyio.to_thread.run_sync(dumps.open_verified, index, name)
    except AulaKgError as exc:
        retry = {"Retry-After": RETRY_AFTER} if exc.http_status == 503 else None
        return _error(request, exc, retry)
    dump, size = opened.dump, opened.size
    etag = f'"{dump.sha256}"'
    headers = {
        "ETag": etag, "Accept-Ranges": "bytes", "Cache-Control": "public, max-age=300",
        "Content-Disposition": f'attachment; filename="{dump.name}"',
        "Access-Control-Allow-Origin": "*",
        # Where the file's size, checksum and content are described.
        "Link": f'<{vocab.catalogue(published.base(request))}>; rel="describedby"',
    }
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        opened.close()
        return Response(status_code=304, headers=headers)
    first, last, status = 0, size - 1, 200
    if request.method == "GET":
        if_range = request.headers.get("if-range")
        try:
            wanted = byte_range(request.headers.get("range"), size) if (
                if_range is None or if_range.strip() == etag) else None
        except RangeNotSatisfiable as exc:
            opened.close()
            return _error(request, exc, {"Content-Range": f"bytes */{size}", **headers})
        if wanted is not None:
            (first, last), status = wanted, 206
            headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    headers["Content-Length"] = str(last - first + 1 if size else 0)
    if request.method == "HEAD":
        opened.close()
        return Response(b"", status_code=status, media_type=dumps.COMPRESSION, headers=headers)
    return StreamingResponse(_chunks(opened, first, last), status_code=status,
                             media_type=dumps.COMPRESSION, headers=headers)

