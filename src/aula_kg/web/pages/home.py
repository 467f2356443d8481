"""The home page: what the graph holds (counts, sources, named graphs and their sizes) and
the stored queries with their forms."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from rdflib.namespace import RDF

from ... import vocab
from ...store.base import UNION
from ..services import AppServices, app_services
from ..terms import graph_label, href
from .common import render
from .queries import form_fields, territory_choices

router = APIRouter(include_in_schema=False)

_COUNTS = """
PREFIX aula: <https://w3id.org/aula-kg/ontology#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
SELECT ?key (COUNT(DISTINCT ?s) AS ?n) WHERE {
  VALUES (?key ?class) {
    ("communes" igeo:Commune) ("epci" igeo:Intercommunalite) ("actions" aula:Action)
    ("programmes" aula:Programme) ("planning" aula:PlanningDocument)
    ("sources" aula:SourceDocument) ("findings" aula:Finding) ("workshops" aula:Workshop)
  }
  ?s a ?class .
} GROUP BY ?key
"""


def home_facts(services: AppServices) -> dict[str, Any]:
    """The home page's figures, computed once per app (blocking: call from a thread)."""
    return services.once("home_facts", lambda: _home_facts(services))


def _home_facts(services: AppServices) -> dict[str, Any]:
    view, store = services.graph, services.store
    counts = {str(k): int(n) for k, n in store.select(_COUNTS).rows}
    documents = [s for s, _p, _o, _g in
                 store.quads(None, RDF.type, vocab.AULA.SourceDocument, UNION)]
    view.prefetch(documents)
    graphs = [{"iri": g, "label": graph_label(g), "href": href(g), "size": view.graph_size(g)}
              for g in view.graph_names()]
    return {"counts": counts,
            "sources": sorted((view.cell(s) for s in documents),
                              key=lambda c: (c.text, c.title or "")),
            "graphs": graphs, "triples": store.triple_count()}


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    services = app_services(request)
    service = services.queries
    facts = await anyio.to_thread.run_sync(home_facts, services)
    await anyio.to_thread.run_sync(service.enum_values)
    ordered = sorted(service.catalog, key=lambda q: q.title["fr"].lower())
    queries = [q for q in ordered if not q.name.endswith("-violation")]
    checks = [q for q in ordered if q.name.endswith("-violation")]
    forms = {q.name: form_fields(service, q, {}) for q in service.catalog}
    return render("home.html", title="Accueil", facts=facts, queries=queries, checks=checks,
                  forms=forms, territories=await territory_choices(request))
