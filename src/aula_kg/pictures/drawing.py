"""From a picture's name to its SVG, and from SVG to a file: the stored queries each picture
needs are answered by :class:`aula_kg.answering.StoredQueries` (so, in the server, through
the query pool and its time limit), then drawn by the functions of this package, which only
read :class:`~aula_kg.answering.Answer` objects."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import anyio

from .. import vocab
from ..answering import StoredQueries
from ..config import Settings
from ..errors import InputError, ParameterError
from ..imports.boundaries import boundaries_path
from ..store import Store
from ..territories import TERRITORY_KINDS
from .dossier import dossier_chart
from .heatmap import coverage_heatmap
from .maps import territory_map

KINDS = ("coverage", "map", "dossier")
#: The territory the map draws when none is asked for.
AULA = vocab.AULA_TERRITORY


async def _territory(service: StoredQueries, territory: str):
    """The named territory (commune, pair, EPCI or the AULA's), resolved as the stored
    queries resolve it (ParameterError with suggestions, AmbiguousName)."""
    names = await service.names_async()
    return names.resolve(territory, TERRITORY_KINDS, "territory")


async def draw(service: StoredQueries, kind: str, *, territory: str | None = None,
               lang: str = "fr", boundaries: dict | None = None, id_prefix: str | None = None,
               territory_parameter: str = "territory") -> str:
    """The picture ``kind`` (``coverage``, ``map``, ``dossier``) as SVG text.

    ``territory`` zooms the map or chooses the dossier (required there: ParameterError
    naming ``territory_parameter``, the face's name for it); ``boundaries`` is
    :func:`load_boundaries`' result for the map."""
    prefix: dict[str, Any] = {} if id_prefix is None else {"id_prefix": id_prefix}
    internal = service.internal
    if kind == "coverage":
        matrix = await service.answer("coverage_matrix")
        recommendations = await service.answer(internal.get("recommendations"))
        return coverage_heatmap(matrix, recommendations, lang=lang, **prefix)
    if kind == "map":
        given, label = str(AULA), None
        if territory is not None:
            candidate = await _territory(service, territory)
            given, label = str(candidate.iri), candidate.label
        communes = await service.answer(internal.get("map_communes"), {"territory": given})
        # Projecting a few hundred outlines takes a moment: off the event loop.
        return await anyio.to_thread.run_sync(
            lambda: territory_map(communes, boundaries, territory_label=label, lang=lang,
                                  **prefix)
        )
    if kind == "dossier":
        if not territory:
            raise ParameterError(code="picture.needs_territory", parameter=territory_parameter)
        candidate = await _territory(service, territory)
        actions = await service.answer("actions_by_recommendation",
                                       {"territory": str(candidate.iri)})
        recommendations = await service.answer(internal.get("recommendations"))
        statuses = await service.answer(internal.get("action_statuses"))
        states = await service.answer("unexplored_recommendations",
                                      {"territory": str(candidate.iri)})
        return dossier_chart(actions, recommendations, statuses, label=candidate.label,
                             lang=lang, states=states, **prefix)
    raise InputError(code="picture.unknown", given=kind)


def draw_sync(service: StoredQueries, kind: str, **kwargs: Any) -> str:
    """:func:`draw` for code without an event loop (the command line, tests)."""
    return asyncio.run(draw(service, kind, **kwargs))


def render(kind: str, settings: Settings | None = None, *, territory: str | None = None,
           lang: str = "fr", store: Store | None = None) -> str:
    """One picture by name from the built graph, answered in this process (the command
    line: no worker processes for one picture)."""
    from ..store import open_store

    settings = settings or Settings.from_env()
    store = store or open_store(settings)
    service = StoredQueries.in_process(store, settings)
    boundaries = load_boundaries(settings) if kind == "map" else None
    return draw_sync(service, kind, territory=territory, lang=lang, boundaries=boundaries)


def load_boundaries(settings: Settings | None = None) -> dict | None:
    """The imported outlines (``aula-kg import boundaries``), or None when there are none."""
    path = boundaries_path(settings or Settings.from_env())
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_bytes())
    except (ValueError, OSError):
        return None


def png_available() -> bool:
    try:
        import cairosvg  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def svg_to_png(svg: str, scale: float = 2.0) -> bytes:
    """PNG bytes through cairosvg (needs the cairo library); InputError when unavailable."""
    try:
        import cairosvg
    except (ImportError, OSError) as exc:
        raise InputError(code="picture.png_unavailable", reason=str(exc)) from None
    return cairosvg.svg2png(bytestring=svg.encode(), scale=scale)


def save(svg: str, out: Path) -> None:
    """Write the picture to ``out`` (.svg or .png). The one place pictures are written:
    written atomically under the directory's lock (aula_kg.files)."""
    from ..files import write_atomically

    suffix = out.suffix.lower()
    if suffix == ".svg":
        write_atomically(out, svg.encode())
    elif suffix == ".png":
        write_atomically(out, svg_to_png(svg))
    else:
        raise InputError(code="picture.bad_suffix", path=str(out))
