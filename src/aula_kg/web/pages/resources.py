"""A page per resource at its own IRI path, with content negotiation: ``/id/...`` (a
resource and its concise bounded description), ``/graph/...`` (a named graph, downloads
serialised by the store), ``/ontology`` and ``/shapes`` (the generated documentation of
web.documents, or the graph itself). HTML for a browser; Turtle, N-Triples, JSON-LD or
RDF/XML for a client, or ``?format=``; an IRI the graph does not hold is a 404."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS
from rdflib.term import Identifier

from ... import vocab
from ...store.base import UNION, Quad
from ..documents import OntologyDoc
from ..graphview import GraphView
from ..services import AppServices, app_services
from ..terms import Cell, curie, graph_label
from .common import alternates, graph_of, not_found, page_format, rdf_response, render

router = APIRouter(include_in_schema=False)
AULA = vocab.AULA


@dataclass
class Value:
    cell: Cell
    graphs: list[str]
    datatype: str | None = None
    nested: list[PropertyRow] | None = None


@dataclass
class PropertyRow:
    iri: str
    predicate: Cell
    values: list[Value] = field(default_factory=list)


_FIRST = [str(RDF.type), str(SKOS.prefLabel), str(RDFS.label), str(SKOS.altLabel),
          str(DCTERMS.title), str(SKOS.definition), str(RDFS.comment)]
INCOMING_LIMIT = 300
#: Subjects listed on a named graph's page, and up to how many they are sorted by label.
GRAPH_PAGE_SUBJECTS = 500
GRAPH_PAGE_SORT_BY_LABEL = 5_000
DOSSIER_KINDS = {"commune", "pair", "epci", "territory"}


class Description:
    """A resource's concise bounded description, read once: (predicate, object) -> the
    named graphs holding it, per subject (the resource and the blank nodes it reaches)."""

    def __init__(self, quads: list[Quad]):
        self.by_subject: dict[Identifier, dict[tuple, set[str]]] = {}
        for s, p, o, g in quads:
            graphs = self.by_subject.setdefault(s, {}).setdefault((p, o), set())
            if g is not None:
                graphs.add(str(g))

    def outgoing(self, subject: Identifier) -> dict[tuple, set[str]]:
        return self.by_subject.get(subject, {})


def property_rows(view: GraphView, described: Description, subject,
                  depth: int = 0) -> list[PropertyRow]:
    by_predicate: dict[str, PropertyRow] = {}
    for (p, term), graphs in described.outgoing(subject).items():
        row = by_predicate.get(str(p))
        if row is None:
            row = by_predicate[str(p)] = PropertyRow(str(p), view.predicate_cell(p))
        value = Value(view.cell(term), sorted(graphs))
        if isinstance(term, Literal) and term.datatype and not term.language:
            value.datatype = curie(term.datatype)
        if isinstance(term, BNode):
            value.cell = Cell("(nœud anonyme)")
            if depth < 3:
                value.nested = property_rows(view, described, term, depth + 1)
        row.values.append(value)
    rows = list(by_predicate.values())
    for row in rows:
        row.values.sort(key=lambda v: (v.cell.lang not in ("fr", None), v.cell.text.lower()))
    rows.sort(key=lambda r: (_FIRST.index(r.iri) if r.iri in _FIRST else len(_FIRST),
                             r.predicate.text.lower()))
    return rows


def incoming_rows(view: GraphView, iri: str) -> tuple[list[tuple[Cell, Cell]], int]:
    found = sorted({(p, s) for s, p, _o, _g in view.store.quads(None, None, URIRef(iri), UNION)
                    if isinstance(s, URIRef)}, key=lambda ps: (str(ps[0]), str(ps[1])))
    shown = found[: INCOMING_LIMIT * 3]
    view.prefetch(t for pair in shown for t in pair)
    cells = [(view.predicate_cell(p), view.cell(s)) for p, s in shown]
    cells.sort(key=lambda pc: (pc[0].text.lower(), pc[1].text.lower()))
    return cells[:INCOMING_LIMIT], len(found)


def provenance(view: GraphView, described: Description, iri: str) -> list[dict[str, Any]]:
    """Where the resource's facts come from: each prov:wasDerivedFrom with its document."""
    sources = [o for p, o in described.outgoing(URIRef(iri)) if p == PROV.wasDerivedFrom]
    sections = [s for s in sources if isinstance(s, URIRef)]
    details = view.store.quads(sections, [AULA.sectionOf, AULA.page], None, UNION)
    view.prefetch([*sources, *(o for _s, _p, o, _g in details)])
    out = []
    for source in sources:
        entry: dict[str, Any] = {"source": view.cell(source), "document": None, "page": None}
        for s, p, o, _g in sorted(details, key=lambda q: str(q[2])):
            if s == source and p == AULA.sectionOf:
                entry["document"] = view.cell(o)
            elif s == source and p == AULA.page:
                entry["page"] = str(o)
        out.append(entry)
    out.sort(key=lambda e: e["source"].text)
    return out


async def resource_page(request: Request, iri: str) -> Response:
    services = app_services(request)
    view = services.graph
    fmt = page_format(request)
    exists = await anyio.to_thread.run_sync(view.exists, iri)
    if not exists:
        return not_found(fmt, f"la ressource {iri}", f"no resource {iri} in the graph")
    quads = await anyio.to_thread.run_sync(view.store.describe, iri)
    if fmt != "html":
        return rdf_response(graph_of(quads), fmt)

    def collect():
        described = Description(quads)
        node = URIRef(iri)
        view.prefetch(t for s, p, o, _g in quads for t in (p, o))
        rows = property_rows(view, described, node)
        incoming, total = incoming_rows(view, iri)
        graphs = sorted({g for gs in described.outgoing(node).values() for g in gs})
        types = sorted((view.cell(o) for p, o in described.outgoing(node) if p == RDF.type),
                       key=lambda c: c.text.lower())
        return rows, incoming, total, graphs, types, provenance(view, described, iri)

    rows, incoming, total, graphs, types, prov = await anyio.to_thread.run_sync(collect)
    label = view.label(URIRef(iri))
    local = iri.removeprefix(str(vocab.ID))
    kind = local.split("/", 1)[0]
    dossier = f"/dossier/{local}" if kind in DOSSIER_KINDS else None
    stored = None
    if kind == "query":
        name = local.split("/")[1]
        if name in services.queries.catalog.queries and "/" not in local[6:]:
            stored = f"/requetes/{name}"
    return render(
        "resource.html",
        title=label[0] if label else curie(iri),
        iri=iri, curie=curie(iri), label=label, types=types, rows=rows, incoming=incoming,
        incoming_total=total, incoming_limit=INCOMING_LIMIT, graphs=graphs,
        graph_label=graph_label, provenance=prov, dossier=dossier, stored=stored,
        formats=alternates(request.url.path),
    )


@router.get("/id/{path:path}")
async def id_page(path: str, request: Request) -> Response:
    return await resource_page(request, str(vocab.ID) + path)


async def graph_download(view: GraphView, iri: str, fmt) -> Response:
    """A named graph as ``fmt``, serialised by the store (the national COG graph alone
    holds 640,000 triples: no Python pass over them on the embedded store)."""
    body = await anyio.to_thread.run_sync(
        lambda: view.store.dump_graph(iri, fmt.media_type, vocab.PREFIXES))
    return Response(body, media_type=fmt.media_type, headers={"Vary": "Accept"})


@router.get("/graph/{path:path}")
async def graph_page(path: str, request: Request) -> Response:
    view = app_services(request).graph
    iri = str(vocab.GRAPH) + path
    fmt = page_format(request)
    if iri not in view.graph_names():
        return not_found(fmt, f"de graphe nommé {iri}", f"no named graph {iri}")
    if fmt != "html":
        return await graph_download(view, iri, fmt)

    def collect():
        subjects = {
            s: int(n) for s, n in view.store.select_values(
                f"SELECT ?s (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} "
                f"FILTER(isIRI(?s)) }} GROUP BY ?s"
            )
        }
        size = view.graph_size(iri)
        if len(subjects) <= GRAPH_PAGE_SORT_BY_LABEL:
            view.prefetch(URIRef(s) for s in subjects)
            shown = sorted(subjects, key=lambda s: (view.label_text(URIRef(s)).lower(), s))
        else:  # too many to label them all for one page: in IRI (code) order
            shown = sorted(subjects)
        shown = shown[:GRAPH_PAGE_SUBJECTS]
        view.prefetch(URIRef(s) for s in shown)
        return size, len(subjects), [(view.cell(URIRef(s)), subjects[s]) for s in shown]

    size, count, subjects = await anyio.to_thread.run_sync(collect)
    return render("graph.html", title=f"Graphe « {graph_label(iri)} »", iri=iri, size=size,
                  count=count, subjects=subjects, formats=alternates(request.url.path))


# -- the ontology and the shapes -----------------------------------------------------------


def ontology_doc(services: AppServices) -> OntologyDoc:
    """The documentation of the ontology and shapes graphs, made once per app."""
    return services.once("ontology_doc", lambda: OntologyDoc(services.graph))


@router.get("/ontology")
async def ontology_page(request: Request) -> Response:
    fmt = page_format(request)
    services = app_services(request)
    if fmt != "html":
        return await graph_download(services.graph, str(vocab.ONTOLOGY_GRAPH), fmt)
    doc = await anyio.to_thread.run_sync(ontology_doc, services)
    return render("ontology.html", title="Ontologie aula-kg", doc=doc, kinds=OntologyDoc.KINDS,
                  formats=alternates("/ontology"))


@router.get("/shapes")
async def shapes_page(request: Request) -> Response:
    fmt = page_format(request)
    services = app_services(request)
    if fmt != "html":
        return await graph_download(services.graph, str(vocab.SHAPES_GRAPH), fmt)
    doc = await anyio.to_thread.run_sync(ontology_doc, services)
    return render("shapes.html", title="Formes SHACL", doc=doc, formats=alternates("/shapes"))
