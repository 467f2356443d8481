"""Pages for people, French, server-rendered, no CDN; one module per what a page shows:

* :mod:`.home` ``/``: what the graph holds and the stored queries with their forms;
* :mod:`.queries` ``/requetes/{name}``: one stored query's form and results (through the
  stored-query service, so through the query pool and its limits);
* :mod:`.resources` ``/id/...``, ``/graph/...``, ``/ontology``, ``/shapes``: a page per
  resource at its own IRI path, with content negotiation;
* :mod:`.downloads` ``/telecharger/{name}``: an answer as XLSX or CSV for Excel;
* :mod:`.dossiers` ``/dossier`` and ``/dossier/{kind}/{key}``: territory dossiers;
* :mod:`.editor` ``/editeur`` (a SPARQL editor over ``/sparql``) and ``/static/{name}``;
* :mod:`.common` templates and rendering, 404s, content negotiation.

The map page (``/carte``) lives with the pictures (web.images). Every template is rendered
with autoescaping on; an IRI becomes a link only when it is an ``http(s)`` IRI. The pages
read the graph through the Store protocol only (web.graphview), so they work the same on
the embedded store and on a SPARQL server.
"""

from __future__ import annotations

from fastapi import APIRouter

from . import dossiers, downloads, editor, home, queries, resources

router = APIRouter(include_in_schema=False)
for _module in (home, queries, downloads, resources, dossiers, editor):
    router.include_router(_module.router)

__all__ = ["router"]
