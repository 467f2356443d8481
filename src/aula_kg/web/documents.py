"""The ontology and the SHACL shapes documented for people, in the manner of pyLODE:
classes and properties with their labels, definitions, relations and the shapes that
constrain them; node and property shapes; the controlled vocabularies.

A generated document, like the OpenAPI document (web.api) and the SPARQL service
description (web.sparql): it lives beside them in the web face rather than in a page
module because it is a model of two named graphs, computed once per app, that the
``/ontology`` and ``/shapes`` pages (web.pages.resources) only render. Its links and labels
are page cells (web.terms), which is why it is not a layer lower.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from .. import vocab
from .graphview import GraphView
from .terms import Cell, curie, href

SH = vocab.SH
AULA = vocab.AULA


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
    for obj in sorted(graph.objects(subject, predicate), key=str):  # the same on any store
        if isinstance(obj, Literal):
            out.setdefault(obj.language or "", str(obj))
    return out


def _best_name(graph: Graph, shape) -> str | None:
    """A shape's sh:name, French first (then untagged, then English): the same whatever
    order the store gave the triples in."""
    rank = {"fr": 0, None: 1, "en": 2}
    names = sorted((rank.get(n.language, 3), str(n)) for n in graph.objects(shape, SH.name)
                   if isinstance(n, Literal))
    return names[0][1] if names else None


def _shape_name(shape, path) -> str:
    """An unnamed shape's name: its IRI, or for a blank node its path (a blank node's label
    is the store's, different on each load)."""
    if not isinstance(shape, BNode):
        return curie(shape)
    return curie(path) if isinstance(path, URIRef) else "(forme anonyme)"


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
        """Read from the store through ``view``: one dump per graph (blank nodes whole)."""
        self.view = view
        self.ontology = view.named_graph(str(vocab.ONTOLOGY_GRAPH))
        self.shapes_graph = view.named_graph(str(vocab.SHAPES_GRAPH))
        view.prefetch(t for g in (self.ontology, self.shapes_graph) for triple in g
                      for t in triple)
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
        doc.notes = sorted(str(o) for o in g.objects(term, SKOS.scopeNote)
                           if getattr(o, "language", None) in ("fr", None))
        doc.examples = sorted(str(o) for o in g.objects(term, SKOS.example))
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
            for value in sorted(g.objects(shape, predicate)):
                constraints.append(f"{text} {curie(value) if isinstance(value, URIRef) else value}")
        for predicate, text in ((SH["in"], "parmi"), (SH.languageIn, "langues"),
                                (SH["or"], "un de")):
            for head in sorted(g.objects(shape, predicate), key=str):
                items = []
                for item in _list(g, head):
                    if isinstance(item, BNode):
                        items.append(" ".join(sorted(curie(o) for o in g.objects(item, None)
                                              if not isinstance(o, BNode))))
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
            "name": _best_name(g, shape) or _shape_name(shape, path),
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
                "name": _best_name(g, shape) or curie(shape),
                "description": descriptions.get("fr") or descriptions.get("en") or "",
                "targets": [self.link(t) for t in sorted(g.objects(shape, SH.targetClass))],
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
            "see_also": sorted(str(s) for s in g.objects(o, RDFS.seeAlso)),
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
