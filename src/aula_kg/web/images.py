"""Pictures for people: the coverage heatmap, the territory map and dossier charts.

``/images/{couverture,carte,dossier}.{svg,png}`` serve them (``?territoire=`` names a
commune, pair or EPCI as the stored queries accept it), ``/carte`` is the page that shows
the map and the heatmap. The SVG comes from :mod:`aula_kg.pictures`, which escapes every
text it draws, so pages may embed it inline.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from .. import pictures
from ..errors import AulaKgError, ParameterError
from .api import query_service
from .pages.common import render

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
    service = query_service(request)
    names = await service.names_async()
    store, catalog = service.store, service.catalog
    if kind == "coverage":
        return await run_in_threadpool(pictures.coverage_heatmap, store, catalog=catalog)
    if kind == "map":
        boundaries = _boundaries(request)
        return await run_in_threadpool(
            lambda: pictures.territory_map(store, boundaries, territory=territory, names=names)
        )
    if not territory:
        raise ParameterError("parameter 'territoire': a dossier chart needs a territory")
    return await run_in_threadpool(
        lambda: pictures.dossier_chart(store, territory, catalog=catalog, names=names,
                                       id_prefix="dossier")
    )


def _error(status: int, error: str, message: str) -> Response:
    return Response(json.dumps({"error": error, "message": message}, ensure_ascii=False),
                    status_code=status, media_type="application/json")


@router.get("/images/{name}.{extension}")
async def image(name: str, extension: str, request: Request) -> Response:
    kind = KINDS.get(name)
    if kind is None or extension not in MEDIA:
        return _error(404, "not_found", "pictures: couverture, carte, dossier; as .svg or .png")
    territory = request.query_params.get("territoire") or None
    try:
        svg = await picture_svg(request, kind, territory)
    except ParameterError as exc:
        return _error(400, "bad_parameter", exc.message)
    if extension == "svg":
        return Response(svg, media_type=MEDIA["svg"])
    if not pictures.png_available():
        return _error(406, "not_acceptable", "PNG rendering is not available here; ask for .svg")
    try:
        png = await run_in_threadpool(pictures.svg_to_png, svg)
    except AulaKgError as exc:
        return _error(406, "not_acceptable", exc.message)
    return Response(png, media_type=MEDIA["png"])


@router.get("/carte", response_class=HTMLResponse)
async def map_page(request: Request) -> Response:
    territory = request.query_params.get("territoire") or None
    try:
        map_svg = await picture_svg(request, "map", territory)
    except ParameterError as exc:
        return render("error.html", 400, title="Carte indisponible", code=400,
                      message=exc.message)
    coverage_svg = await picture_svg(request, "coverage", None)
    return render("carte.html", title="Carte du territoire de l'AULA", map_svg=map_svg,
                  coverage_svg=coverage_svg, territory=territory or "",
                  has_boundaries=_boundaries(request) is not None)
