"""What every page module uses: the Jinja environment (autoescaped) and :func:`render`,
the 404 pages, content negotiation between HTML and the RDF formats, RDF responses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from rdflib import Graph

from ... import __version__, formats, vocab
from ...errors import NotAcceptable
from ...store.base import Quad
from ..terms import curie, french_number, href

WEB = Path(__file__).resolve().parent.parent

_env = Environment(
    loader=FileSystemLoader(WEB / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["href"] = href
_env.filters["curie"] = curie
_env.filters["number"] = french_number
_env.globals["version"] = __version__


def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _env.get_template(name).render(**context)
    return HTMLResponse(html, status_code=status, headers={"Vary": "Accept"})


def not_found_page(what: str) -> HTMLResponse:
    return render("error.html", 404, title="Page introuvable", code=404,
                  message=f"Le graphe ne contient pas {what}.")


def not_found(fmt: Any, what_fr: str, message_en: str) -> Response:
    """404: the French page for a browser, a JSON error for a client."""
    if fmt == "html":
        return not_found_page(what_fr)
    return Response(json.dumps({"error": "not_found", "message": message_en}),
                    status_code=404, media_type="application/json")


# -- content negotiation ---------------------------------------------------------------


def page_format(request: Request):
    """'html' or the graph :class:`formats.Format` the client prefers; NotAcceptable."""
    override = request.query_params.get("format")
    if override:
        if override.strip().lower() in ("html", "text/html"):
            return "html"
        fmt = formats.choose(formats.GRAPH, None, override)
        if fmt is None:
            raise NotAcceptable(
                f"format={override} is not available; pages come as HTML (format=html) or "
                + formats.describe_choices(formats.GRAPH)
            )
        return fmt
    accept = request.headers.get("accept")
    ranges = formats.parse_accept(accept)
    html_q = _quality(ranges, ("text/html", "application/xhtml+xml"))
    fmt = formats.negotiate(accept, formats.GRAPH)
    fmt_q = _quality(ranges, fmt.accepts) if fmt else None
    if html_q is None and fmt is None:
        raise NotAcceptable(
            f"cannot answer in any format you accept (Accept: {accept}); resources are "
            f"available as text/html and {formats.describe_choices(formats.GRAPH)}"
        )
    if fmt is None or (html_q is not None and html_q >= fmt_q):
        return "html"
    return fmt


def _quality(ranges, media_types) -> tuple[float, int] | None:
    matching = [r for r in ranges if any(r.matches(m) for m in media_types)]
    if not matching:
        return None
    top = max(r.specificity for r in matching)
    q = max(r.q for r in matching if r.specificity == top)
    return None if q <= 0 else (q, top)


_RDFLIB_FORMATS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}


def graph_of(quads: list[Quad]) -> Graph:
    """The triples of ``quads`` (each once) as an rdflib graph with the project's prefixes."""
    graph = Graph(bind_namespaces="none")
    vocab.bind_prefixes(graph)
    for s, p, o, _g in quads:
        graph.add((s, p, o))
    return graph


def rdf_response(graph: Graph, fmt) -> Response:
    body = graph.serialize(format=_RDFLIB_FORMATS[fmt.name])
    body = body.encode() if isinstance(body, str) else body
    return Response(body, media_type=fmt.media_type, headers={"Vary": "Accept"})


def alternates(path: str) -> list[tuple[str, str]]:
    return [("Turtle", f"{path}?format=turtle"), ("N-Triples", f"{path}?format=nt"),
            ("JSON-LD", f"{path}?format=json-ld"), ("RDF/XML", f"{path}?format=rdfxml")]
