"""Pictures for people: the coverage heatmap, the territory map and dossier charts.

``/images/{couverture,carte,dossier}.{svg,png}`` serve them (``?territoire=`` names a
commune, pair or EPCI as the stored queries accept it), ``/carte`` is the page that shows
the map and the heatmap. The SVG comes from :mod:`aula_kg.pictures`, which escapes every
text it draws, so pages may embed it inline. Its stored queries are answered through the
app's query pool (:func:`pictures.draw` with the app's StoredQueries), so a picture has the
same time limit as any query: past it, 504.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from .. import messages, pictures
from ..errors import AulaKgError
from .api import query_service
from .connections import KIND_NAMES
from .pages.common import render
from .pages.queries import territory_choices
from .services import app_services

router = APIRouter()

KINDS = {"couverture": "coverage", "carte": "map", "dossier": "dossier"}
MEDIA = {"svg": "image/svg+xml", "png": "image/png"}


def _boundaries(request: Request):
    """The imported commune outlines, read once per app (None when none were imported)."""
    state = request.app.state
    if not hasattr(state, "boundaries"):
        state.boundaries = pictures.load_boundaries(state.settings)
    return state.boundaries


async def picture_svg(request: Request, kind: str, territory: str | None) -> str:
    boundaries = _boundaries(request) if kind == "map" else None
    return await pictures.draw(
        query_service(request), kind, territory=territory, boundaries=boundaries,
        id_prefix="dossier" if kind == "dossier" else None, territory_parameter="territoire",
    )


def _error(status: int, error: str, message: str) -> Response:
    return Response(json.dumps({"error": error, "message": message}, ensure_ascii=False),
                    status_code=status, media_type="application/json")


def _failure(exc: AulaKgError) -> Response:
    """A picture's error as JSON: 400 for a bad territory, 504 past the time limit..."""
    return _error(exc.http_status, exc.kind, exc.message)


@router.get("/images/{name}.{extension}")
async def image(name: str, extension: str, request: Request) -> Response:
    kind = KINDS.get(name)
    if kind is None or extension not in MEDIA:
        return _error(404, "not_found", messages.render("picture.not_found", {}, "en"))
    territory = request.query_params.get("territoire") or None
    try:
        svg = await picture_svg(request, kind, territory)
    except AulaKgError as exc:
        return _failure(exc)
    if extension == "svg":
        return Response(svg, media_type=MEDIA["svg"])
    if not pictures.png_available():
        return _error(406, "not_acceptable",
                      messages.render("picture.png_unavailable", {"reason": "cairosvg"}, "en"))
    try:
        png = await run_in_threadpool(pictures.svg_to_png, svg)
    except AulaKgError as exc:
        return _error(406, "not_acceptable", exc.message)
    return Response(png, media_type=MEDIA["png"])


@router.get("/carte", response_class=HTMLResponse)
async def map_page(request: Request) -> Response:
    """The map, zoomed on the territory typed; a name that is partial or unknown keeps the
    whole map on screen with the matching territories to click."""
    typed = (request.query_params.get("territoire") or "").strip()
    territory, error, candidates, status = typed or None, None, [], 200
    if typed:
        names = await app_services(request).queries.names_async()
        kinds = {"commune", "epci"}
        if names.find(typed, kinds) is None and not typed.startswith(("http://", "https://")):
            found = names.search(typed, kinds)
            if len(found) == 1 and names.completes(typed, found[0]):
                territory = found[0].label
            else:
                territory, status = None, 400
                candidates = [{"label": c.label, "kind": KIND_NAMES.get(c.kind, c.kind),
                               "href": "/carte?" + urlencode({"territoire": c.label})}
                              for c in found]
                error = messages.render("search.candidates" if found else "search.no_match",
                                        {"given": typed}, "fr")
    try:
        map_svg = await picture_svg(request, "map", territory)
        coverage_svg = await picture_svg(request, "coverage", None)
    except AulaKgError as exc:
        return render("error.html", exc.http_status, title="Carte indisponible",
                      code=exc.http_status, message=exc.text("fr"))
    return render("carte.html", status, title="Carte du territoire de l'AULA", map_svg=map_svg,
                  coverage_svg=coverage_svg, territory=territory or "", typed=typed,
                  error=error, candidates=candidates,
                  territories=await territory_choices(request),
                  has_boundaries=_boundaries(request) is not None)
