"""The question box: ``GET /question?q=…`` (a page) and ``GET /api/ask?q=…`` (JSON).

Both interpret the question with :mod:`aula_kg.ask` and answer through the app's stored-query
service (:func:`aula_kg.web.api.query_service`: the same worker pool, time limit and row
cap as ``/api/queries``). The page says how it understood the question, links each value
to the stored query's form filled in (to correct it), shows the answer, the SPARQL that ran
(folded), the sources and the other readings; or, when no stored query fits, says so with
the three nearest stored questions. Everything echoed is escaped (Jinja autoescape). The
URL is the question: ``/question?q=…`` reproduces the answer.

Mounted by the app: ``app.include_router(question.router)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from rdflib import Literal, URIRef

from .. import __version__, vocab
from ..ask import ask
from ..ask.answer import to_json, understood, value_label, value_type
from ..ask.normalise import MAX_LENGTH
from ..errors import AmbiguousName, AulaKgError, InputError
from ..messages import render
from ..output import display
from .api import query_service

router = APIRouter()

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_env = Environment(
    loader=FileSystemLoader(_TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals["version"] = __version__

#: Result columns whose resources are sources (documents, datasets, graphs).
_SOURCE_PATHS = ("source/", "dataset/", "document/")


def _href(iri: str) -> str | None:
    """This app's page for one of the project's IRIs, the IRI itself for other http(s)
    IRIs (no ``javascript:`` links from data)."""
    if iri.startswith(vocab.BASE):
        return "/" + iri[len(vocab.BASE):]
    if iri.startswith(("http://", "https://")):
        return iri
    return None


def _form_link(query_name: str, given: dict[str, str]) -> str:
    return f"/requetes/{query_name}?{urlencode(given)}" if given else f"/requetes/{query_name}"


def _question_link(question: str) -> str:
    return "/question?" + urlencode({"q": question})


def _table(answer) -> dict[str, Any]:
    table = answer.table
    if isinstance(table, bool):
        return {"boolean": table, "columns": [], "rows": [], "sources": []}
    rows, sources = [], {}
    for row in table.rows:
        cells = []
        for term in row:
            text = display(term)
            link = _href(str(term)) if isinstance(term, URIRef) else None
            if isinstance(term, URIRef) and str(term).startswith(str(vocab.ID)) and any(
                    str(term)[len(str(vocab.ID)):].startswith(p) for p in _SOURCE_PATHS):
                sources[str(term)] = {"text": text, "href": link}
            numeric = isinstance(term, Literal) and isinstance(term.toPython(), int | float)
            cells.append({"text": text, "href": link, "numeric": numeric})
        rows.append(cells)
    return {"boolean": None, "columns": list(table.variables), "rows": rows,
            "sources": sorted(sources.values(), key=lambda s: s["text"])}


def _page(context: dict[str, Any], status: int = 200) -> HTMLResponse:
    html = _env.get_template("question.html").render(**context)
    return HTMLResponse(html, status_code=status)


@router.get("/question", response_class=HTMLResponse, include_in_schema=False)
async def question_page(request: Request, q: str | None = None) -> HTMLResponse:
    base = {"title": "Question", "question": q or "", "max_length": MAX_LENGTH,
            "error": None, "choice": None, "nearest": [], "alternatives": []}
    if q is None:
        return _page(base)
    service = query_service(request)
    try:
        asked = await ask(service, q, "fr")
    except AulaKgError as exc:
        return _page({**base, "error": exc.text("fr")}, exc.http_status)
    interpretation, answer = asked.interpretation, asked.answer
    nearest = [{"question": text, "href": _question_link(text), "query": query.title["fr"]}
               for query, text in interpretation.nearest]
    choice = interpretation.choice
    if choice is None:
        return _page({**base, "abstain": render("ask.abstain", {}, "fr"),
                      "nearest_title": render("ask.nearest", {}, "fr"), "nearest": nearest})
    form = _form_link(choice.query.name, choice.given)
    values = [{"type": value_type(v, "fr"), "label": value_label(v, "fr"), "typed": v.typed,
               "href": form, "page": _href(v.value) if v.type not in ("year", "integer", "text")
               else None, "others": [o.label for o in v.others], "ambiguous": v.ambiguous}
              for v in choice.values.values()]
    alternatives = [{"title": alt.query.title["fr"],
                     "values": ", ".join(value_label(v, "fr") for v in alt.values.values()),
                     "href": _form_link(alt.query.name, alt.given)}
                    for alt in interpretation.alternatives]
    return _page({
        **base, "choice": choice, "title": f"Question : {q}",
        "understood": understood(interpretation, "fr"), "query_title": choice.query.title["fr"],
        "form": form, "values": values, "alternatives": alternatives,
        "alternatives_title": render("ask.alternatives", {}, "fr"),
        "confidence": interpretation.confidence, "table": _table(answer),
        "truncated": answer.truncated, "notes": [n.render("fr") for n in answer.notes],
        "sparql": answer.text, "query_name": choice.query.name, "nearest": nearest,
    })


_ASK_DESCRIPTION = (
    "Interprets a question in French or English (deterministic: no model, no network), picks "
    "one stored query and its parameters, and answers it through the same path as "
    "`/api/queries/{name}` (same checks, time limit and row cap). Returns one JSON object: "
    "`question`, `query` (the stored query's name, or null when no stored query fits: it "
    "abstains rather than guesses), `parameters` (name -> resolved IRI or literal value), "
    "`confidence`, `understood` (how it was read), `alternatives` (other readings, each "
    "with `query` and `parameters`), `nearest` (the nearest stored questions), `notes` and "
    "`results` (as `aula-kg query NAME --format json` prints them, null when it abstains). "
    f"400 with a JSON error for a missing, empty or too long (over {MAX_LENGTH} characters) "
    "question or one with control characters."
)


@router.get("/api/ask", tags=["Questions"], summary="Poser une question / ask a question",
            description=_ASK_DESCRIPTION)
async def ask_api(request: Request,
                  q: str | None = Query(None, description="The question, e.g. "
                                        "« préconisations inexplorées à Lens-Liévin »"),
                  lang: str = Query("fr", pattern="^(fr|en)$",
                                    description="Language of `understood` and `notes`")
                  ) -> JSONResponse:
    if q is None:
        exc = InputError(code="ask.empty")
        return JSONResponse({"error": exc.kind, "message": exc.text(lang)}, status_code=400)
    service = query_service(request)
    try:
        asked = await ask(service, q, lang)
    except AmbiguousName as exc:
        return JSONResponse({"error": "ambiguous_name", "message": exc.text(lang),
                             "candidates": [{"iri": i, "label": la} for i, la in exc.candidates]},
                            status_code=400)
    except AulaKgError as exc:
        return JSONResponse({"error": exc.kind, "message": exc.text(lang)},
                            status_code=exc.http_status)
    return JSONResponse(to_json(asked.interpretation, asked.answer))
