"""Pictures for planners and elected officials, drawn on the server as SVG text.

Three pictures, each a function from stored-query answers (:class:`aula_kg.answering.Answer`)
to a standalone ``<svg>`` element, so a web page can put it inline and the command line can
save it:

- :func:`coverage_heatmap` (heatmap.py): territories × the five recommendations, from the
  ``coverage_matrix`` stored query; unexplored cells (no action) hatched and marked;
- :func:`territory_map` (maps.py): the communes of a territory from the imported outlines
  (:func:`load_boundaries`), coloured by programme, EPCI outlines, laureates labelled;
  without outlines, a clear message and the laureates listed by EPCI;
- :func:`dossier_chart` (dossier.py): a territory's actions by recommendation and by status,
  from the ``actions_by_recommendation`` stored query.

:func:`draw` (drawing.py) answers the queries a picture needs through
:class:`~aula_kg.answering.StoredQueries` (the server's query pool, or in process for the
command line) and draws it; the queries of the product's own (recommendations, statuses, a
territory's communes) are in ``queries/internal/``. svg.py holds the primitives.

Every picture has ``role="img"``, a ``<title>`` and a ``<desc>`` (what a screen reader says),
``<title>`` tooltips on cells and communes, and ids prefixed by ``id_prefix`` so that
several pictures can share one page. :func:`svg_to_png` converts with cairosvg when it and
the cairo library are installed.
"""

from .dossier import dossier_chart
from .drawing import (
    KINDS,
    draw,
    draw_sync,
    load_boundaries,
    png_available,
    render,
    save,
    svg_to_png,
)
from .heatmap import coverage_heatmap
from .maps import territory_map
from .svg import FILLS

__all__ = [
    "FILLS", "KINDS", "coverage_heatmap", "dossier_chart", "draw", "draw_sync",
    "load_boundaries", "png_available", "render", "save", "svg_to_png", "territory_map",
]
