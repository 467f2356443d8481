"""OWL 2 RL closure of the ontology and data, kept as instance-level facts only.

The closure runs over a copy of the ontology and data graphs; what it adds is filtered down
to statements about the project's own resources (subjects under ``vocab.ID``): types from
subclasses, domains and ranges, inverse and super-properties, transitive territory
containment. Schema-level entailments (reflexive subclass axioms, ``owl:Thing`` types,
reflexive ``owl:sameAs``) are dropped: no query needs them and they triple the graph.
"""

from __future__ import annotations

from collections.abc import Iterable

import owlrl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from . import vocab

_ID = str(vocab.ID)
_TRIVIAL_TYPES = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual, RDFS.Class, OWL.Class}


def _keep(triple) -> bool:
    s, p, o = triple
    if not isinstance(s, URIRef) or not str(s).startswith(_ID):
        return False
    if p == OWL.sameAs and s == o:
        return False
    if p == RDF.type and o in _TRIVIAL_TYPES:
        return False
    if isinstance(o, Literal) and p == RDF.type:
        return False
    return True


def closure(graphs: Iterable[Graph]) -> Graph:
    """The instance-level triples OWL 2 RL entails from ``graphs`` and that they lack."""
    working = Graph()
    for graph in graphs:
        for triple in graph:
            working.add(triple)
    asserted = set(working)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(working)
    inferred = Graph()
    vocab.bind_prefixes(inferred)
    for triple in working:
        if triple not in asserted and _keep(triple):
            inferred.add(triple)
    return inferred
