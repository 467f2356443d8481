"""pyoxigraph terms as rdflib terms and back, and the union default graph: what every
module that meets pyoxigraph's objects needs (the embedded store, the executors, the
build), in one place below them."""

from __future__ import annotations

from typing import overload

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Identifier, Node

_XSD_STRING = str(XSD.string)
_RDF_LANGSTRING = str(RDF.langString)


#: A pyoxigraph term (a Triple is refused: the graph holds no RDF-star).
OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@overload
def to_rdflib(term: ox.NamedNode) -> URIRef: ...
@overload
def to_rdflib(term: OxTerm) -> Identifier: ...
@overload
def to_rdflib(term: OxTerm | None) -> Identifier | None: ...
def to_rdflib(term: OxTerm | None) -> Identifier | None:
    """A pyoxigraph term as the equal rdflib term (plain strings stay untyped)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        if term.language:
            return Literal(term.value, lang=term.language)
        if datatype in (_XSD_STRING, _RDF_LANGSTRING):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"unsupported term {term!r}")


def to_oxigraph(term: Identifier) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term, for query substitutions."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported term {term!r}")


def to_oxigraph_triple(subject: Node, predicate: Node, object_: Node) -> ox.Triple:
    """An rdflib triple (as a Graph yields it) as a pyoxigraph triple; TypeError when it
    is no RDF triple (a literal subject, a predicate that is not an IRI)."""
    terms = (subject, predicate, object_)
    if not all(isinstance(term, Identifier) for term in terms):
        raise TypeError(f"not a triple of RDF terms: {terms!r}")
    s, p, o = (to_oxigraph(term) for term in terms if isinstance(term, Identifier))
    if isinstance(s, ox.Literal) or not isinstance(p, ox.NamedNode):
        raise TypeError(f"not an RDF triple: {terms!r}")
    return ox.Triple(s, p, o)


def serialized(body: bytes | None) -> bytes:
    """What a pyoxigraph ``serialize``/``dump`` returned when given no output: the bytes
    (None only comes back when an output is given)."""
    if body is None:
        raise TypeError("pyoxigraph wrote to an output where bytes were expected")
    return body


def with_union_default_graph(store: ox.Store) -> ox.Store:
    """Copy every named graph's triples into an empty default graph (in Rust, one update)."""
    if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is None:
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    return store
