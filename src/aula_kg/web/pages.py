"""Pages for people: home, stored-query forms, resource pages, territory dossiers, the
query editor and the ontology documentation. French, server-rendered, no CDN.

* ``/`` what the graph holds (counts, sources) and the stored queries with their forms;
* ``/requetes/{name}`` one stored query: its form and its results as a table (it runs
  through the API's :class:`QueryService`, so through the worker pool and its limits);
* ``/id/...``, ``/ontology``, ``/shapes``, ``/graph/...`` a page per resource at its own IRI
  path, with content negotiation (HTML for a browser; Turtle, N-Triples, JSON-LD or
  RDF/XML for a client, or ``?format=``); an IRI the graph does not hold is a 404 page;
* ``/dossier`` and ``/dossier/{commune|pair|epci|territory}/{key}`` a territory dossier
  built from the stored queries ``territory_dossier``, ``unexplored_recommendations``,
  ``actions_by_recommendation`` (and ``coverage_matrix`` for the list of territories);
* ``/editeur`` a small SPARQL editor over ``/sparql`` with the stored queries as examples;
* ``/static/{name}`` the style sheet, script and icon, looked up by name in a dict.

Every template is rendered with autoescaping on; an IRI becomes a link only when it is an
``http(s)`` IRI.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import anyio
import pyoxigraph as ox
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Identifier

from .. import __version__, formats, vocab
from ..errors import AmbiguousName, AulaKgError, ParameterError
from ..store.embedded import GRAPH_FORMATS, to_rdflib
from ..territories import TERRITORY_KINDS
from .api import QueryService, query_service

router = APIRouter(include_in_schema=False)

HERE = Path(__file__).resolve().parent
BASE = vocab.BASE
SH = vocab.SH
AULA = vocab.AULA

_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

#: The static files, by name: a request names one of these or gets a 404.
STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}


def _static_files() -> dict[str, tuple[Path, str]]:
    folder = HERE / "static"
    if not folder.is_dir():
        return {}
    return {
        p.name: (p, STATIC_TYPES[p.suffix])
        for p in folder.iterdir()
        if p.is_file() and p.suffix in STATIC_TYPES
    }


STATIC = _static_files()

# -- terms as people read them ------------------------------------------------------------


def href(iri: Any) -> str | None:
    """The link for an IRI: a page of this app for the project's IRIs, the IRI itself for
    other http(s) IRIs, nothing otherwise (no ``javascript:`` links from data)."""
    value = str(iri)
    if value.startswith(BASE):
        return "/" + value[len(BASE):]
    if value.startswith(("http://", "https://")):
        return value
    return None


def curie(iri: Any) -> str:
    value = str(iri)
    for prefix, namespace in vocab.PREFIXES.items():
        if value.startswith(namespace) and len(value) > len(namespace):
            return f"{prefix}:{value[len(namespace):]}"
    return value


def french_number(value: str) -> str:
    """'21800' -> '21 800' (thin no-break spaces), for integers only."""
    if re.fullmatch(r"-?\d{4,}", value):
        sign = "-" if value.startswith("-") else ""
        digits = value.lstrip("-")
        groups = []
        while digits:
            groups.insert(0, digits[-3:])
            digits = digits[:-3]
        return sign + "\u202f".join(groups)
    return value


_env.filters["href"] = href
_env.filters["curie"] = curie
_env.filters["number"] = french_number
_env.globals["version"] = __version__


def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _env.get_template(name).render(**context)
    return HTMLResponse(html, status_code=status, headers={"Vary": "Accept"})


@dataclass
class Cell:
    text: str
    href: str | None = None
    title: str | None = None
    lang: str | None = None
    numeric: bool = False


LABEL_PREDICATES = (SKOS.prefLabel, RDFS.label, DCTERMS.title, SH.name)
_NUMERIC = {XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.int, XSD.long,
            XSD.nonNegativeInteger, XSD.positiveInteger, XSD.gYear}

HEADINGS = {
    "territory": "Territoire", "territory_label": "Territoire", "kind": "Nature",
    "notation": "N°", "recommendation": "Préconisation",
    "recommendation_label": "Préconisation", "label": "Libellé", "actions": "Actions",
    "action": "Action", "title": "Intitulé", "communes": "Communes", "commune": "Commune",
    "commune_label": "Commune", "status_label": "État", "status_date": "Date de l'état",
    "section": "Rubrique", "item": "Élément", "item_label": "Libellé", "detail": "Précision",
    "upstream_documents": "Traitée en amont par", "epci": "EPCI", "epci_label": "EPCI",
    "document_label": "Document", "type_label": "Type", "addresses": "Préconisations traitées",
    "programme": "Programme", "programme_label": "Programme", "launched_by": "Lancé par",
    "funded_by": "Financé par", "since": "Depuis", "eligibility": "Éligibilité",
    "components": "Volets", "rank": "Rang", "code": "Code INSEE", "jobs": "Emplois",
    "year": "Année", "population": "Population", "date": "Date", "name": "Nom",
    "function_label": "Fonction urbaine", "pair": "Binôme", "pair_label": "Binôme",
    "siren": "SIREN", "source": "Source", "source_label": "Source", "period": "Période",
    "resource": "Ressource", "number": "Nombre", "member": "Membre",
}


#: French names of the reused vocabularies' predicates (the project's own terms have
#: French labels in the ontology).
PREDICATE_LABELS = {
    str(RDF.type): "type", str(RDFS.label): "libellé", str(RDFS.comment): "commentaire",
    str(RDFS.seeAlso): "voir aussi", str(RDFS.subClassOf): "sous-classe de",
    str(RDFS.isDefinedBy): "défini par", str(RDFS.domain): "domaine", str(RDFS.range): "portée",
    str(SKOS.prefLabel): "libellé préféré", str(SKOS.altLabel): "autre libellé",
    str(SKOS.definition): "définition", str(SKOS.notation): "notation",
    str(SKOS.inScheme): "dans le vocabulaire", str(SKOS.scopeNote): "note d'application",
    str(SKOS.topConceptOf): "concept de tête de", str(SKOS.hasTopConcept): "concept de tête",
    str(SKOS.broader): "plus générique", str(SKOS.narrower): "plus spécifique",
    str(DCTERMS.title): "titre", str(DCTERMS.description): "description",
    str(DCTERMS.isPartOf): "fait partie de", str(DCTERMS.hasPart): "comprend",
    str(DCTERMS.publisher): "éditeur", str(DCTERMS.issued): "publié le",
    str(DCTERMS.modified): "modifié le", str(DCTERMS.created): "créé le",
    str(DCTERMS.language): "langue", str(DCTERMS.license): "licence",
    str(DCTERMS.source): "source", str(DCTERMS.isReplacedBy): "remplacé par",
    str(DCTERMS.replaces): "remplace", str(DCTERMS.date): "date",
    str(PROV.wasDerivedFrom): "tiré de (source)", str(PROV.wasAttributedTo): "attribué à",
    str(OWL.sameAs): "identique à",
    str(vocab.IGEO.codeINSEE): "code INSEE", str(vocab.IGEO.nom): "nom",
    str(vocab.IGEO.subdivisionDirecte): "subdivision directe",
    str(vocab.IGEO.subdivisionDirecteDe): "subdivision directe de",
    "http://purl.org/linked-data/sdmx/2009/dimension#refArea": "territoire de référence",
    "http://purl.org/linked-data/sdmx/2009/dimension#refPeriod": "période de référence",
    "http://www.w3.org/ns/shacl#parameter": "paramètre", "https://schema.org/keywords": "mots-clés",
    "https://schema.org/identifier": "identifiant",
}


def predicate_cell(view: GraphView, predicate: URIRef) -> Cell:
    cell = view.cell(predicate)
    own = str(predicate).startswith(str(AULA)) and view.label(predicate)
    fallback = PREDICATE_LABELS.get(str(predicate)) or view.label_text(predicate)
    cell.text = own[0] if own else fallback
    cell.title = curie(predicate)
    cell.lang = None
    return cell


def heading(variable: str) -> str:
    return HEADINGS.get(variable, variable.replace("_", " ").capitalize())


# -- the graph as pages see it -----------------------------------------------------------


class GraphView:
    """Read-only lookups on the in-process store for the pages: labels, descriptions,
    incoming links. Pattern lookups only (no SPARQL text is built from a request)."""

    def __init__(self, store):
        self.ox: ox.Store = store.oxigraph
        self.store = store
        self._labels: dict[str, tuple[str, str | None] | None] = {}
        self._graph_sizes: dict[str, int] | None = None

    # labels

    def label(self, iri: Identifier) -> tuple[str, str | None] | None:
        """(text, language) of the resource's best label, French first."""
        key = str(iri)
        if key in self._labels:
            return self._labels[key]
        best: tuple[int, str, str | None] | None = None
        if isinstance(iri, URIRef | str) and not isinstance(iri, BNode | Literal):
            node = ox.NamedNode(key)
            for rank_p, predicate in enumerate(LABEL_PREDICATES):
                for quad in self.ox.quads_for_pattern(
                    node, ox.NamedNode(str(predicate)), None, ox.DefaultGraph()
                ):
                    obj = quad.object
                    if not isinstance(obj, ox.Literal):
                        continue
                    lang = obj.language
                    rank_l = {"fr": 0, None: 1, "en": 2}.get(lang, 3)
                    candidate = (rank_l * 10 + rank_p, obj.value, lang)
                    if best is None or candidate < best:
                        best = candidate
        found = (best[1], best[2]) if best else None
        if len(self._labels) < 100_000:
            self._labels[key] = found
        return found

    def label_text(self, iri: Identifier) -> str:
        found = self.label(iri)
        return found[0] if found else curie(iri)

    def cell(self, term: Identifier | None) -> Cell:
        if term is None:
            return Cell("")
        if isinstance(term, URIRef):
            found = self.label(term)
            return Cell(
                found[0] if found else curie(term), href(term), str(term),
                found[1] if found else None,
            )
        if isinstance(term, Literal):
            numeric = term.datatype in _NUMERIC
            text = french_number(str(term)) if numeric and term.datatype != XSD.gYear else str(term)
            return Cell(text, lang=term.language, numeric=numeric)
        return Cell(str(term))

    # existence and description

    def exists(self, iri: str) -> bool:
        node = ox.NamedNode(iri)
        for _ in self.ox.quads_for_pattern(node, None, None, ox.DefaultGraph()):
            return True
        for _ in self.ox.quads_for_pattern(None, None, node, ox.DefaultGraph()):
            return True
        return False

    def outgoing(self, subject) -> dict[tuple, set[str]]:
        """(predicate, object) -> named graphs holding the triple."""
        out: dict[tuple, set[str]] = {}
        for quad in self.ox.quads_for_pattern(subject, None, None, None):
            key = (quad.predicate, quad.object)
            graphs = out.setdefault(key, set())
            if isinstance(quad.graph_name, ox.NamedNode):
                graphs.add(quad.graph_name.value)
        return out

    def cbd(self, iri: str) -> Graph:
        """The concise bounded description: the resource's triples, and those of the
        blank nodes they reach."""
        graph = Graph(bind_namespaces="none")
        vocab.bind_prefixes(graph)
        todo = [ox.NamedNode(iri)]
        seen: set = set()
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            for quad in self.ox.quads_for_pattern(node, None, None, ox.DefaultGraph()):
                graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate),
                           to_rdflib(quad.object)))
                if isinstance(quad.object, ox.BlankNode):
                    todo.append(quad.object)
        return graph

    def named_graph(self, name: str) -> Graph:
        graph = Graph(bind_namespaces="none")
        vocab.bind_prefixes(graph)
        for quad in self.ox.quads_for_pattern(None, None, None, ox.NamedNode(name)):
            graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate),
                       to_rdflib(quad.object)))
        return graph

    def graph_names(self) -> list[str]:
        return self.store.graph_names()

    def graph_size(self, name: str) -> int:
        if self._graph_sizes is None:
            self._graph_sizes = self.store.graph_sizes()  # one count in Rust, then cached
        return self._graph_sizes.get(name, 0)


def graph_view(request: Request | FastAPI) -> GraphView:
    app = getattr(request, "app", request)
    view = getattr(app.state, "graph_view", None)
    if view is None:
        view = GraphView(app.state.store)
        app.state.graph_view = view
    return view


# -- resource pages -----------------------------------------------------------------------


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
GRAPH_NAMES_FR = {
    "ontology": "ontologie", "shapes": "formes SHACL", "curated": "données curées",
    "inferred": "déduit (OWL 2 RL)", "catalog": "catalogue des requêtes",
}


def graph_label(name: str) -> str:
    local = name.removeprefix(str(vocab.GRAPH))
    if local.startswith("opendata/"):
        return "données ouvertes : " + local.removeprefix("opendata/")
    return GRAPH_NAMES_FR.get(local, local)


def property_rows(view: GraphView, subject, depth: int = 0) -> list[PropertyRow]:
    by_predicate: dict[str, PropertyRow] = {}
    for (predicate, obj), graphs in view.outgoing(subject).items():
        p = to_rdflib(predicate)
        row = by_predicate.get(str(p))
        if row is None:
            row = by_predicate[str(p)] = PropertyRow(str(p), predicate_cell(view, p))
        term = to_rdflib(obj)
        value = Value(view.cell(term), sorted(graphs))
        if isinstance(term, Literal) and term.datatype and not term.language:
            value.datatype = curie(term.datatype)
        if isinstance(obj, ox.BlankNode):
            value.cell = Cell("(nœud anonyme)")
            if depth < 3:
                value.nested = property_rows(view, obj, depth + 1)
        row.values.append(value)
    rows = list(by_predicate.values())
    for row in rows:
        row.values.sort(key=lambda v: (v.cell.lang not in ("fr", None), v.cell.text.lower()))

    rows.sort(key=lambda r: (_FIRST.index(r.iri) if r.iri in _FIRST else len(_FIRST),
                             r.predicate.text.lower()))
    return rows


def incoming_rows(view: GraphView, iri: str) -> tuple[list[tuple[Cell, Cell]], int]:
    node = ox.NamedNode(iri)
    found = []
    for quad in view.ox.quads_for_pattern(None, None, node, ox.DefaultGraph()):
        if isinstance(quad.subject, ox.NamedNode):
            found.append((to_rdflib(quad.predicate), to_rdflib(quad.subject)))
    total = len(found)
    cells = [(predicate_cell(view, p), view.cell(s)) for p, s in found[: INCOMING_LIMIT * 3]]
    cells.sort(key=lambda pc: (pc[0].text.lower(), pc[1].text.lower()))
    return cells[:INCOMING_LIMIT], total


def provenance(view: GraphView, iri: str) -> list[dict[str, Any]]:
    """Where the resource's facts come from: each prov:wasDerivedFrom with its document."""
    out = []
    for quad in view.ox.quads_for_pattern(
        ox.NamedNode(iri), ox.NamedNode(str(PROV.wasDerivedFrom)), None, ox.DefaultGraph()
    ):
        source = to_rdflib(quad.object)
        entry: dict[str, Any] = {"source": view.cell(source), "document": None, "page": None}
        if isinstance(source, URIRef):
            for q in view.ox.quads_for_pattern(
                quad.object, ox.NamedNode(str(AULA.sectionOf)), None, ox.DefaultGraph()
            ):
                entry["document"] = view.cell(to_rdflib(q.object))
            for q in view.ox.quads_for_pattern(
                quad.object, ox.NamedNode(str(AULA.page)), None, ox.DefaultGraph()
            ):
                entry["page"] = q.object.value
        out.append(entry)
    out.sort(key=lambda e: e["source"].text)
    return out


def page_format(request: Request):
    """'html' or the graph :class:`formats.Format` the client prefers; NotAcceptable."""
    override = request.query_params.get("format")
    if override:
        if override.strip().lower() in ("html", "text/html"):
            return "html"
        fmt = formats.choose(formats.GRAPH, None, override)
        if fmt is None:
            raise formats.NotAcceptable(
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
        raise formats.NotAcceptable(
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


#: Subjects listed on a named graph's page, and up to how many they are sorted by label.
GRAPH_PAGE_SUBJECTS = 500
GRAPH_PAGE_SORT_BY_LABEL = 5_000


def rdf_response(graph: Graph, fmt) -> Response:
    body = graph.serialize(format=_RDFLIB_FORMATS[fmt.name])
    body = body.encode() if isinstance(body, str) else body
    return Response(body, media_type=fmt.media_type, headers={"Vary": "Accept"})


def not_found_page(what: str) -> HTMLResponse:
    return render("error.html", 404, title="Page introuvable", code=404,
                  message=f"Le graphe ne contient pas {what}.")


DOSSIER_KINDS = {"commune", "pair", "epci", "territory"}


async def resource_page(request: Request, iri: str) -> Response:
    view = graph_view(request)
    fmt = page_format(request)
    exists = await anyio.to_thread.run_sync(view.exists, iri)
    if not exists:
        return not_found(fmt, f"la ressource {iri}", f"no resource {iri} in the graph")
    if fmt != "html":
        graph = await anyio.to_thread.run_sync(view.cbd, iri)
        return rdf_response(graph, fmt)

    def collect():
        node = ox.NamedNode(iri)
        rows = property_rows(view, node)
        incoming, total = incoming_rows(view, iri)
        graphs = sorted({g for (_, _), gs in view.outgoing(node).items() for g in gs})
        types = [view.cell(to_rdflib(q.object)) for q in view.ox.quads_for_pattern(
            node, ox.NamedNode(str(RDF.type)), None, ox.DefaultGraph())]
        return rows, incoming, total, graphs, types, provenance(view, iri)

    rows, incoming, total, graphs, types, prov = await anyio.to_thread.run_sync(collect)
    label = view.label(URIRef(iri))
    local = iri.removeprefix(str(vocab.ID))
    kind = local.split("/", 1)[0]
    dossier = f"/dossier/{local}" if kind in DOSSIER_KINDS else None
    stored = None
    if kind == "query":
        name = local.split("/")[1]
        if name in query_service(request).catalog.queries and "/" not in local[6:]:
            stored = f"/requetes/{name}"
    return render(
        "resource.html",
        title=label[0] if label else curie(iri),
        iri=iri, curie=curie(iri), label=label, types=types, rows=rows, incoming=incoming,
        incoming_total=total, incoming_limit=INCOMING_LIMIT, graphs=graphs,
        graph_label=graph_label, provenance=prov, dossier=dossier, stored=stored,
        formats=_alternates(request.url.path),
    )


def not_found(fmt: str, what_fr: str, message_en: str) -> Response:
    """404: the French page for a browser, a JSON error for a client."""
    if fmt == "html":
        return not_found_page(what_fr)
    return Response(json.dumps({"error": "not_found", "message": message_en}),
                    status_code=404, media_type="application/json")


def _alternates(path: str) -> list[tuple[str, str]]:
    return [("Turtle", f"{path}?format=turtle"), ("N-Triples", f"{path}?format=nt"),
            ("JSON-LD", f"{path}?format=json-ld"), ("RDF/XML", f"{path}?format=rdfxml")]


@router.get("/id/{path:path}")
async def id_page(path: str, request: Request) -> Response:
    return await resource_page(request, str(vocab.ID) + path)


@router.get("/graph/{path:path}")
async def graph_page(path: str, request: Request) -> Response:
    view = graph_view(request)
    iri = str(vocab.GRAPH) + path
    fmt = page_format(request)
    if iri not in view.graph_names():
        return not_found(fmt, f"de graphe nommé {iri}", f"no named graph {iri}")
    if fmt != "html":
        if fmt.media_type in GRAPH_FORMATS:
            # Serialised in Rust: the national COG graph alone holds 640,000 triples.
            body = await anyio.to_thread.run_sync(
                lambda: view.ox.dump(format=GRAPH_FORMATS[fmt.media_type],
                                     from_graph=ox.NamedNode(iri), prefixes=vocab.PREFIXES)
            )
            return Response(body, media_type=fmt.media_type, headers={"Vary": "Accept"})
        graph = await anyio.to_thread.run_sync(view.named_graph, iri)
        return rdf_response(graph, fmt)

    def collect():
        subjects = {
            s: int(n) for s, n in view.store.select_values(
                f"SELECT ?s (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} "
                f"FILTER(isIRI(?s)) }} GROUP BY ?s"
            )
        }
        size = view.graph_size(iri)
        if len(subjects) <= GRAPH_PAGE_SORT_BY_LABEL:
            shown = sorted(subjects, key=lambda s: view.label_text(URIRef(s)).lower())
        else:  # too many to label them all for one page: in IRI (code) order
            shown = sorted(subjects)
        shown = shown[:GRAPH_PAGE_SUBJECTS]
        return size, len(subjects), [(view.cell(URIRef(s)), subjects[s]) for s in shown]

    size, count, subjects = await anyio.to_thread.run_sync(collect)
    return render("graph.html", title=f"Graphe « {graph_label(iri)} »", iri=iri, size=size,
                  count=count, subjects=subjects, formats=_alternates(request.url.path))


# -- the ontology and the shapes, in the manner of pyLODE ----------------------------------


@dataclass
class Term:
    iri: str
    anchor: str
    curie: str
    kind: str
    external: bool
    labels: dict[str, str] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    relations: list[tuple[str, list[Cell]]] = field(default_factory=list)
    shapes: list[dict[str, Any]] = field(default_factory=list)
    characteristics: list[str] = field(default_factory=list)


def _lang_map(graph: Graph, subject, predicate) -> dict[str, str]:
    out: dict[str, str] = {}
    for obj in graph.objects(subject, predicate):
        if isinstance(obj, Literal):
            out.setdefault(obj.language or "", str(obj))
    return out


def _list(graph: Graph, head) -> list:
    try:
        return list(Collection(graph, head))
    except Exception:  # noqa: BLE001 - a malformed list shows as nothing
        return []


class OntologyDoc:
    """The ontology and shapes graphs documented as terms, shapes and schemes."""

    KINDS = [
        (OWL.Class, "classes", "Classes"),
        (OWL.ObjectProperty, "object-properties", "Propriétés d'objet"),
        (OWL.DatatypeProperty, "datatype-properties", "Propriétés de données"),
        (OWL.AnnotationProperty, "annotation-properties", "Propriétés d'annotation"),
    ]

    def __init__(self, view: GraphView):
        self.view = view
        self.ontology = view.named_graph(str(vocab.ONTOLOGY_GRAPH))
        self.shapes_graph = view.named_graph(str(vocab.SHAPES_GRAPH))
        self.anchors: dict[str, str] = {}
        g = self.ontology
        declared: dict[str, tuple[URIRef, str]] = {}
        for cls, kind, _title in self.KINDS:
            for term in g.subjects(RDF.type, cls):
                if isinstance(term, URIRef) and str(term) not in declared:
                    declared[str(term)] = (term, kind)
        for iri, (term, _kind) in declared.items():
            if iri.startswith(str(AULA)):
                self.anchors[iri] = iri[len(str(AULA)):]
            else:
                self.anchors[iri] = "ext-" + re.sub(r"[^A-Za-z0-9_-]+", "-", curie(term))
        self.node_shapes = self._node_shapes()
        self.terms: dict[str, list[Term]] = {kind: [] for _, kind, _ in self.KINDS}
        for term, kind in declared.values():
            self.terms[kind].append(self._term(term, kind))
        for kind in self.terms:
            self.terms[kind].sort(key=lambda t: (t.external, t.labels.get("fr", t.curie).lower()))
        self.meta = self._meta()
        self.schemes = self._schemes()

    def link(self, term) -> Cell:
        """A cell for a term: to its section here when documented, else to its page."""
        if isinstance(term, BNode):
            members = _list(self.ontology, term)
            if members:
                return Cell(" ou ".join(self.link(m).text for m in members))
            return Cell("(expression anonyme)")
        if isinstance(term, Literal):
            return Cell(str(term), lang=term.language)
        iri = str(term)
        cell = self.view.cell(URIRef(iri))
        label = _lang_map(self.ontology, term, RDFS.label).get("fr")
        cell.text = label or curie(iri)
        cell.title = curie(iri)
        if iri in self.anchors:
            cell.href = "/ontology#" + self.anchors[iri]
        return cell

    def _term(self, term: URIRef, kind: str) -> Term:
        g = self.ontology
        iri = str(term)
        doc = Term(iri, self.anchors[iri], curie(term), kind, not iri.startswith(str(AULA)))
        doc.labels = _lang_map(g, term, RDFS.label)
        doc.definitions = _lang_map(g, term, SKOS.definition) or _lang_map(g, term, RDFS.comment)
        doc.notes = [str(o) for o in g.objects(term, SKOS.scopeNote)
                     if getattr(o, "language", None) in ("fr", None)]
        doc.examples = [str(o) for o in g.objects(term, SKOS.example)]
        rel = doc.relations

        def add(title: str, terms) -> None:
            cells = sorted((self.link(t) for t in terms), key=lambda c: c.text.lower())
            if cells:
                rel.append((title, cells))

        if kind == "classes":
            add("Sous-classe de", g.objects(term, RDFS.subClassOf))
            add("Super-classe de", g.subjects(RDFS.subClassOf, term))
            add("Équivalente à", g.objects(term, OWL.equivalentClass))
            add("Disjointe de", g.objects(term, OWL.disjointWith))
            add("Domaine de", g.subjects(RDFS.domain, term))
            add("Portée de", g.subjects(RDFS.range, term))
            doc.shapes = self.node_shapes.get(iri, [])
        else:
            add("Sous-propriété de", g.objects(term, RDFS.subPropertyOf))
            add("Super-propriété de", g.subjects(RDFS.subPropertyOf, term))
            add("Inverse de", list(g.objects(term, OWL.inverseOf))
                + list(g.subjects(OWL.inverseOf, term)))
            add("Domaine", g.objects(term, RDFS.domain))
            add("Portée", g.objects(term, RDFS.range))
            characteristics = {
                OWL.FunctionalProperty: "fonctionnelle",
                OWL.InverseFunctionalProperty: "fonctionnelle inverse",
                OWL.TransitiveProperty: "transitive", OWL.SymmetricProperty: "symétrique",
            }
            doc.characteristics = [v for k, v in characteristics.items()
                                   if (term, RDF.type, k) in g]
            doc.shapes = [s for shapes in self.node_shapes.values() for s in shapes
                          for p in s["properties"] if p["path_iri"] == iri]
            doc.shapes = list({s["iri"]: s for s in doc.shapes}.values())
        return doc

    def property_shape(self, shape) -> dict[str, Any]:
        g = self.shapes_graph
        path = g.value(shape, SH.path)
        constraints: list[str] = []
        low, high = g.value(shape, SH.minCount), g.value(shape, SH.maxCount)
        if low is not None or high is not None:
            high_text = "*" if high is None else high
            constraints.append(f"{0 if low is None else low}..{high_text}")
        for predicate, text in ((SH.datatype, "type"), (SH["class"], "classe"),
                                (SH.nodeKind, "nature"), (SH.pattern, "motif"),
                                (SH.hasValue, "valeur"), (SH.minInclusive, "≥"),
                                (SH.maxInclusive, "≤"), (SH.maxLength, "longueur ≤")):
            for value in g.objects(shape, predicate):
                constraints.append(f"{text} {curie(value) if isinstance(value, URIRef) else value}")
        for predicate, text in ((SH["in"], "parmi"), (SH.languageIn, "langues"),
                                (SH["or"], "un de")):
            for head in g.objects(shape, predicate):
                items = []
                for item in _list(g, head):
                    if isinstance(item, BNode):
                        items.append(" ".join(curie(o) for o in g.objects(item, None)
                                              if not isinstance(o, BNode)))
                    else:
                        items.append(curie(item) if isinstance(item, URIRef) else str(item))
                constraints.append(f"{text} {', '.join(items)}")
        if (shape, SH.uniqueLang, Literal(True)) in g:
            constraints.append("une valeur par langue")
        severity = g.value(shape, SH.severity)
        messages = _lang_map(g, shape, SH.message)
        return {
            "iri": str(shape) if isinstance(shape, URIRef) else None,
            "anchor": str(shape).removeprefix(str(vocab.AULASH)) if isinstance(shape, URIRef)
            else None,
            "name": str(g.value(shape, SH.name) or curie(shape)),
            "path": self.link(path) if path is not None else Cell("?"),
            "path_iri": str(path) if path is not None else None,
            "constraints": constraints,
            "message": messages.get("fr") or messages.get("en") or "",
            "severity": {str(SH.Violation): "violation", str(SH.Warning): "avertissement",
                         str(SH.Info): "information"}.get(str(severity), "violation"),
        }

    def _node_shapes(self) -> dict[str, list[dict[str, Any]]]:
        g = self.shapes_graph
        out: dict[str, list[dict[str, Any]]] = {}
        self.all_shapes: list[dict[str, Any]] = []
        self.property_shapes: dict[str, dict[str, Any]] = {}
        for shape in sorted(set(g.subjects(RDF.type, SH.NodeShape)), key=str):
            descriptions = _lang_map(g, shape, SH.description)
            entry = {
                "iri": str(shape),
                "anchor": str(shape).removeprefix(str(vocab.AULASH)),
                "name": str(g.value(shape, SH.name) or curie(shape)),
                "description": descriptions.get("fr") or descriptions.get("en") or "",
                "targets": [self.link(t) for t in g.objects(shape, SH.targetClass)],
                "properties": sorted(
                    (self.property_shape(p) for p in g.objects(shape, SH.property)),
                    key=lambda p: p["name"]),
            }
            self.all_shapes.append(entry)
            for prop in entry["properties"]:
                if prop["anchor"]:
                    self.property_shapes.setdefault(prop["anchor"], prop)
            for target in g.objects(shape, SH.targetClass):
                out.setdefault(str(target), []).append(entry)
        return out

    def _meta(self) -> dict[str, Any]:
        g, o = self.ontology, vocab.ONTOLOGY_IRI
        value = g.value
        return {
            "iri": str(o),
            "titles": _lang_map(g, o, DCTERMS.title),
            "descriptions": _lang_map(g, o, DCTERMS.description),
            "version": str(value(o, OWL.versionInfo) or ""),
            "version_iri": str(value(o, OWL.versionIRI) or ""),
            "prior": str(value(o, OWL.priorVersion) or ""),
            "license": str(value(o, DCTERMS.license) or ""),
            "created": str(value(o, DCTERMS.created) or ""),
            "modified": str(value(o, DCTERMS.modified) or ""),
            "publisher": str(value(o, DCTERMS.publisher) or ""),
            "creator": str(value(o, DCTERMS.creator) or ""),
            "prefix": str(value(o, vocab.VANN.preferredNamespacePrefix) or "aula"),
            "namespace": str(value(o, vocab.VANN.preferredNamespaceUri) or AULA),
            "see_also": [str(s) for s in g.objects(o, RDFS.seeAlso)],
        }

    def _schemes(self) -> list[dict[str, Any]]:
        g = self.ontology
        out = []
        for scheme in g.subjects(RDF.type, SKOS.ConceptScheme):
            concepts = []
            for concept in g.subjects(SKOS.inScheme, scheme):
                labels = _lang_map(g, concept, SKOS.prefLabel)
                definitions = _lang_map(g, concept, SKOS.definition)
                concepts.append({
                    "cell": Cell(labels.get("fr") or curie(concept), href(concept), str(concept)),
                    "notation": str(g.value(concept, SKOS.notation) or ""),
                    "definition": definitions.get("fr", ""),
                })
            concepts.sort(key=lambda c: (c["notation"].zfill(4), c["cell"].text.lower()))
            labels = _lang_map(g, scheme, SKOS.prefLabel)
            out.append({"cell": Cell(labels.get("fr") or curie(scheme), href(scheme),
                                     str(scheme)),
                        "definition": _lang_map(g, scheme, SKOS.definition).get("fr", ""),
                        "concepts": concepts})
        out.sort(key=lambda s: s["cell"].text.lower())
        return out


def ontology_doc(request: Request) -> OntologyDoc:
    app = request.app
    doc = getattr(app.state, "ontology_doc", None)
    if doc is None:
        doc = OntologyDoc(graph_view(request))
        app.state.ontology_doc = doc
    return doc


@router.get("/ontology")
async def ontology_page(request: Request) -> Response:
    fmt = page_format(request)
    view = graph_view(request)
    if fmt != "html":
        graph = await anyio.to_thread.run_sync(view.named_graph, str(vocab.ONTOLOGY_GRAPH))
        return rdf_response(graph, fmt)
    doc = await anyio.to_thread.run_sync(ontology_doc, request)
    return render("ontology.html", title="Ontologie aula-kg", doc=doc, kinds=OntologyDoc.KINDS,
                  formats=_alternates("/ontology"))


@router.get("/shapes")
async def shapes_page(request: Request) -> Response:
    fmt = page_format(request)
    view = graph_view(request)
    if fmt != "html":
        graph = await anyio.to_thread.run_sync(view.named_graph, str(vocab.SHAPES_GRAPH))
        return rdf_response(graph, fmt)
    doc = await anyio.to_thread.run_sync(ontology_doc, request)
    return render("shapes.html", title="Formes SHACL", doc=doc, formats=_alternates("/shapes"))


# -- stored queries as pages ---------------------------------------------------------------


@dataclass
class Table:
    columns: list[str]
    headings: list[str]
    rows: list[list[Cell]]
    boolean: bool | None = None
    truncated: bool = False


def parse_results(body: bytes) -> tuple[list[str], list[dict[str, Identifier]], bool | None]:
    """SPARQL JSON results as (variables, rows of rdflib terms, boolean)."""
    data = json.loads(body)
    if "boolean" in data:
        return [], [], bool(data["boolean"])
    variables = data["head"].get("vars", [])
    rows = []
    for binding in data["results"]["bindings"]:
        row: dict[str, Identifier] = {}
        for var, term in binding.items():
            kind = term.get("type")
            if kind == "uri":
                row[var] = URIRef(term["value"])
            elif kind == "bnode":
                row[var] = BNode(term["value"])
            else:
                datatype = term.get("datatype")
                row[var] = Literal(term["value"], lang=term.get("xml:lang"),
                                   datatype=URIRef(datatype) if datatype else None)
        rows.append(row)
    return variables, rows, None


async def run_rows(service: QueryService, name: str, given: dict[str, str]):
    query = service.get(name)
    out = await service.run(query, given, "json", None)
    variables, rows, boolean = parse_results(out.body)
    return variables, rows, boolean, out.truncated


def to_table(view: GraphView, variables, rows, boolean, truncated) -> Table:
    cells = [[view.cell(row.get(v)) for v in variables] for row in rows]
    return Table(variables, [heading(v) for v in variables], cells, boolean, truncated)


def form_fields(service: QueryService, query, given: dict[str, str], prefill: bool):
    enums = service.enum_values()
    fields = []
    for p in query.parameters:
        value = given.get(p.name)
        if value is None and prefill:
            value = p.default or p.example or ""
        fields.append({
            "name": p.name, "type": p.type, "required": p.required,
            "label": p.description["fr"], "value": value or "", "options": enums.get(p.type),
            "expects": p.expects().render("fr"), "placeholder": p.example or p.default or "",
            "max_length": p.max_length,
            "datalist": "territoires" if p.type in ("territory", "commune", "epci") else None,
        })
    return fields


async def territory_choices(request: Request) -> list[dict[str, Any]]:
    """The territories a planner picks from (ACV communes, pairs, EPCI), from the stored
    query coverage_matrix; cached on the app."""
    app = request.app
    cached = getattr(app.state, "territory_choices", None)
    if cached is not None:
        return cached
    service = query_service(request)
    view = graph_view(request)
    _, rows, _, _ = await run_rows(service, "coverage_matrix", {})
    seen: dict[str, dict[str, Any]] = {}
    for row in rows:
        iri = str(row["territory"])
        if iri not in seen:
            seen[iri] = {"iri": iri, "label": str(row["territory_label"]),
                         "kind": str(row["kind"]),
                         "dossier": "/dossier/" + iri.removeprefix(str(vocab.ID))}
    aula = str(vocab.ID["territory/aula"])
    if view.exists(aula):
        seen[aula] = {"iri": aula, "label": view.label_text(URIRef(aula)), "kind": "territory",
                      "dossier": "/dossier/territory/aula"}
    choices = sorted(seen.values(), key=lambda c: c["label"].lower())
    app.state.territory_choices = choices
    return choices


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


def home_facts(view: GraphView) -> dict[str, Any]:
    counts = {str(k): int(n) for k, n in view.store.select(_COUNTS).rows}
    sources = []
    for quad in view.ox.quads_for_pattern(
        None, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(AULA.SourceDocument)),
        ox.DefaultGraph(),
    ):
        sources.append(view.cell(to_rdflib(quad.subject)))
    graphs = [{"iri": g, "label": graph_label(g), "href": href(g), "size": view.graph_size(g)}
              for g in view.graph_names()]
    return {"counts": counts, "sources": sorted(sources, key=lambda c: c.text),
            "graphs": graphs, "triples": view.store.triple_count()}


def home_facts_of(app: FastAPI) -> dict[str, Any]:
    """The home page's figures, computed once per app (blocking: call from a thread)."""
    facts = getattr(app.state, "home_facts", None)
    if facts is None:
        facts = home_facts(graph_view(app))
        app.state.home_facts = facts
    return facts


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    service = query_service(request)
    facts = await anyio.to_thread.run_sync(home_facts_of, request.app)
    await anyio.to_thread.run_sync(service.enum_values)
    ordered = sorted(service.catalog, key=lambda q: q.title["fr"].lower())
    queries = [q for q in ordered if not q.name.endswith("-violation")]
    checks = [q for q in ordered if q.name.endswith("-violation")]
    forms = {q.name: form_fields(service, q, {}, True) for q in service.catalog}
    return render("home.html", title="Accueil", facts=facts, queries=queries, checks=checks,
                  forms=forms, territories=await territory_choices(request))


@router.get("/requetes")
async def queries_index() -> Response:
    return RedirectResponse("/#requetes", status_code=303)


@router.get("/requetes/{name}", response_class=HTMLResponse)
async def query_page(name: str, request: Request) -> Response:
    service = query_service(request)
    query = service.catalog.queries.get(name)
    if query is None:
        return not_found_page(f"de requête enregistrée nommée « {name} »")
    view = graph_view(request)
    declared = {p.name for p in query.parameters}
    given: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key in declared and key not in given:
            given[key] = value
    run = bool(given) or "run" in request.query_params
    table, error, candidates, status = None, None, [], 200
    await anyio.to_thread.run_sync(service.enum_values)
    if run:
        try:
            table = to_table(view, *await run_rows(service, name, given))
        except AmbiguousName as exc:
            error, status = exc.text("fr"), 400
            for iri, label in exc.candidates:
                values = dict(given)
                bad = re.search(r"parameter '([^']+)'", exc.message)
                if bad:
                    values[bad.group(1)] = iri
                candidates.append({"label": label, "iri": iri,
                                   "href": f"/requetes/{name}?{urlencode(values)}"})
        except AulaKgError as exc:
            error, status = exc.text("fr"), exc.http_status
    api = f"/api/queries/{name}"
    params = urlencode({k: v for k, v in given.items() if v})
    downloads = [(label, f"{api}?{params + '&' if params else ''}format={fmt}")
                 for label, fmt in (("CSV", "csv"), ("JSON", "json"), ("TSV", "tsv"),
                                    ("XML", "xml"))]
    return render(
        "query.html", status, title=query.title["fr"], query=query,
        fields=form_fields(service, query, given, not run), table=table, error=error,
        candidates=candidates, downloads=downloads, ran=run,
        territories=await territory_choices(request),
    )


# -- territory dossiers --------------------------------------------------------------------

PLANNING_STATES = [("approuv", "ok"), ("révision", "progress"), ("élaboration", "progress"),
                   ("cours", "progress"), ("prescri", "progress"), ("mature", "early")]


def status_class(text: str) -> str:
    lowered = text.lower()
    return next((cls for key, cls in PLANNING_STATES if key in lowered), "neutral")


async def dossier_data(request: Request, iri: str, kind: str) -> dict[str, Any]:
    service = query_service(request)
    view = graph_view(request)
    names = await service.names_async()
    given = {"territory": iri}
    _, facts, _, _ = await run_rows(service, "territory_dossier", given)
    _, unexplored, _, _ = await run_rows(service, "unexplored_recommendations", given)
    _, actions, _, _ = await run_rows(service, "actions_by_recommendation", given)

    recommendations: dict[str, dict[str, Any]] = {}
    for row in actions:
        notation = str(row["notation"])
        rec = recommendations.get(notation)
        if rec is None:
            try:
                rec_iri = str(names.resolve(notation, {"recommendation"}, "recommendation").iri)
            except ParameterError:
                rec_iri = None
            rec = recommendations[notation] = {
                "notation": notation, "label": str(row["recommendation_label"]),
                "href": href(rec_iri) if rec_iri else None, "explored": True, "actions": [],
                "upstream": "",
            }
        rec["actions"].append({
            "cell": view.cell(row["action"]),
            "title": str(row["title"]),
            "communes": str(row.get("communes") or ""),
            "status": str(row.get("status_label") or ""),
        })
    for row in unexplored:
        notation = str(row["notation"])
        recommendations[notation] = {
            "notation": notation, "label": str(row["label"]),
            "href": href(row["recommendation"]), "explored": False, "actions": [],
            "upstream": str(row.get("upstream_documents") or ""),
        }
    recs = sorted(recommendations.values(), key=lambda r: r["notation"].zfill(4))
    for rec in recs:
        rec["actions"].sort(key=lambda a: a["title"].lower())

    sections: dict[str, list[dict[str, Identifier]]] = {}
    for row in facts:
        sections.setdefault(str(row["section"]).split(" ", 1)[1], []).append(row)
    programmes: dict[str, dict[str, Any]] = {}
    for row in sections.get("programme", []):
        entry = programmes.setdefault(
            str(row["item"]), {"cell": view.cell(row["item"]), "communes": []})
        entry["cell"].text = str(row["item_label"])
        commune = str(row.get("detail") or "")
        if commune and commune not in entry["communes"]:
            entry["communes"].append(commune)
    plans = [{"cell": view.cell(r["item"]), "label": str(r["item_label"]),
              "status": str(r.get("detail") or ""),
              "status_class": status_class(str(r.get("detail") or ""))}
             for r in sections.get("planification", [])]
    indicators = [{"cell": view.cell(r["item"]), "label": str(r["item_label"]),
                   "period": str(r.get("detail") or "")}
                  for r in sections.get("indicateur", [])]
    findings = [{"cell": view.cell(r["item"]), "label": str(r["item_label"]),
                 "statement": str(r.get("detail") or "")}
                for r in sections.get("constat", [])]
    members = [{"cell": view.cell(r["item"]), "label": str(r["item_label"]),
                "code": str(r.get("detail") or "")} for r in sections.get("membre", [])]
    for group in (plans, indicators, findings, members):
        for entry in group:
            entry["cell"].text = entry["label"]
    return {
        "recommendations": recs,
        "unexplored": [r for r in recs if not r["explored"]],
        "programmes": sorted(programmes.values(), key=lambda p: p["cell"].text.lower()),
        "plans": plans, "indicators": indicators, "findings": findings, "members": members,
        "action_count": sum(len(r["actions"]) for r in recs),
    }


KIND_LABELS = {"commune": "Commune", "pair": "Binôme Action Cœur de Ville", "epci": "EPCI",
               "territory": "Territoire"}


@router.get("/dossier", response_class=HTMLResponse)
async def dossier_index(request: Request) -> Response:
    text = request.query_params.get("territoire", "").strip()
    territories = await territory_choices(request)
    if not text:
        return render("dossiers.html", title="Dossiers de territoire", territories=territories,
                      error=None, candidates=[], value="")
    service = query_service(request)
    names = await service.names_async()
    try:
        found = names.resolve(text, TERRITORY_KINDS, "territoire")
    except AmbiguousName as exc:
        candidates = [{"label": label, "href": "/dossier/" + iri.removeprefix(str(vocab.ID))}
                      for iri, label in exc.candidates]
        return render("dossiers.html", 400, title="Dossiers de territoire",
                      territories=territories, error=exc.text("fr"),
                      candidates=candidates, value=text)
    except ParameterError as exc:
        return render("dossiers.html", 400, title="Dossiers de territoire",
                      territories=territories, error=exc.text("fr"),
                      candidates=[], value=text)
    return RedirectResponse("/dossier/" + str(found.iri).removeprefix(str(vocab.ID)), 303)


@router.get("/dossier/{path:path}", response_class=HTMLResponse)
async def dossier_page(path: str, request: Request) -> Response:
    iri = str(vocab.ID) + path
    service = query_service(request)
    names = await service.names_async()
    try:
        found = names.resolve(iri, TERRITORY_KINDS, "territoire")
    except ParameterError:
        return not_found_page(f"de territoire {iri}")
    try:
        data = await dossier_data(request, iri, found.kind)
    except AulaKgError as exc:
        return render("error.html", exc.http_status, title="Dossier indisponible",
                      code=exc.http_status, message=exc.text("fr"))
    return render("dossier.html", title=f"Dossier : {found.label}", label=found.label,
                  kind=KIND_LABELS.get(found.kind, found.kind), iri=iri, resource=href(iri),
                  territories=await territory_choices(request), **data)


# -- the query editor ----------------------------------------------------------------------


@router.get("/editeur", response_class=HTMLResponse)
async def editor(request: Request) -> Response:
    service = query_service(request)
    examples = [{"name": q.name, "title": q.title["fr"], "text": q.text} for q in service.catalog]
    chosen = request.query_params.get("requete", "")
    if chosen not in service.catalog.queries:
        chosen = ""
    start = request.query_params.get("query") or (
        service.catalog.queries[chosen].text if chosen else
        "PREFIX aula: <https://w3id.org/aula-kg/ontology#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n\n"
        "SELECT ?programme ?label WHERE {\n  ?programme a aula:Programme ; rdfs:label ?label .\n"
        "  FILTER(lang(?label) = \"fr\")\n} ORDER BY ?label\n"
    )
    settings = request.app.state.settings
    return render("editor.html", title="Éditeur SPARQL", examples=examples, chosen=chosen,
                  start=start, timeout=settings.query_timeout, max_rows=settings.max_rows)


# -- static files ---------------------------------------------------------------------------


@router.get("/static/{name}")
async def static(name: str) -> Response:
    found = STATIC.get(name)
    if found is None:
        return Response(json.dumps({"error": "not_found", "message": "no such file"}),
                        status_code=404, media_type="application/json")
    path, media_type = found
    return Response(path.read_bytes(), media_type=media_type,
                    headers={"Cache-Control": "public, max-age=3600"})
