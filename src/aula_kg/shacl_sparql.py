"""SHACL Core shapes run as SPARQL queries inside pyoxigraph, for large imported graphs.

pySHACL needs an rdflib graph: on the national graph (about 900k triples) reading the data
into rdflib alone takes longer than the whole build may. The shapes of the open-data
imports (``shapes/opendata.ttl``) use a small part of SHACL Core, which translates into one
SPARQL query per constraint, evaluated where the data already is. Supported: targets
``sh:targetClass`` (with ``rdfs:subClassOf*``), ``sh:targetSubjectsOf``,
``sh:targetObjectsOf``, ``sh:targetNode``; property shapes with an IRI ``sh:path``;
``sh:minCount``, ``sh:maxCount``, ``sh:datatype`` (with lexical checks), ``sh:pattern``
(and ``sh:flags``), ``sh:nodeKind``, ``sh:class``, ``sh:in``, ``sh:min/maxInclusive``,
``sh:min/maxExclusive``. Anything else raises :class:`UnsupportedShape`, and the caller
runs pySHACL instead. tests/test_reasoning_engines.py checks that both give the same
results. ``NOT EXISTS`` is avoided (slow in pyoxigraph): ``MINUS`` and ``OPTIONAL`` do.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypedDict

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, XSD
from rdflib.term import Identifier, Node

if TYPE_CHECKING:
    import pyoxigraph as ox

from .validation import ValidationReport, Violation, _short
from .vocab import SH

_XSD_STRING = str(XSD.string)
_TYPE_OF = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"

_KNOWN = {
    SH.path, SH.minCount, SH.maxCount, SH.datatype, SH.pattern, SH.flags, SH.nodeKind,
    SH["class"], SH["in"], SH.minInclusive, SH.maxInclusive, SH.minExclusive,
    SH.maxExclusive, SH.severity, SH.message, SH.name, SH.description, SH.order, SH.group,
    SH.deactivated, RDF.type, SH.property, SH.targetClass, SH.targetSubjectsOf,
    SH.targetObjectsOf, SH.targetNode,
}
_SKIP_NS = ("http://www.w3.org/2000/01/rdf-schema#", "http://www.w3.org/2004/02/skos/core#")

_NODE_KINDS: dict[Node, str] = {
    SH.IRI: "isIRI(?v)",
    SH.BlankNode: "isBlank(?v)",
    SH.Literal: "isLiteral(?v)",
    SH.BlankNodeOrIRI: "(isBlank(?v) || isIRI(?v))",
    SH.BlankNodeOrLiteral: "(isBlank(?v) || isLiteral(?v))",
    SH.IRIOrLiteral: "(isIRI(?v) || isLiteral(?v))",
}


class Constraint(TypedDict, total=False):
    """What a compiled constraint's answers become (a Violation's fields)."""

    path: str | None
    shape: str
    severity: str
    message: dict[str, str]
    #: Whether the query selects the bad value ?v (else only the focus node).
    value: bool
    component: str
    #: Only ill-typed values violate (sh:datatype on literals of the right datatype).
    lexical: bool


class UnsupportedShape(Exception):
    """A shape uses SHACL this translation does not cover: run pySHACL."""


def _n3(term: Node) -> str:
    if not isinstance(term, Identifier):
        raise UnsupportedShape(f"not an RDF term: {term!r}")
    return term.n3()


def _check_keys(shapes: Graph, node: Node) -> None:
    for p in set(shapes.predicates(node)):
        if p not in _KNOWN and not str(p).startswith(_SKIP_NS):
            raise UnsupportedShape(f"{_short(node)} uses {_short(p)}")


def _targets(shapes: Graph, shape: Node) -> list[str]:
    patterns = []
    for c in shapes.objects(shape, SH.targetClass):
        patterns.append(f"?focus {_TYPE_OF} {_n3(c)} .")
    for p in shapes.objects(shape, SH.targetSubjectsOf):
        patterns.append(f"?focus {_n3(p)} [] .")
    for p in shapes.objects(shape, SH.targetObjectsOf):
        patterns.append(f"[] {_n3(p)} ?focus .")
    for n in shapes.objects(shape, SH.targetNode):
        patterns.append(f"VALUES ?focus {{ {_n3(n)} }}")
    return patterns


def _count(value: Node) -> int:
    """An sh:minCount / sh:maxCount: an integer literal."""
    if not isinstance(value, Literal):
        raise UnsupportedShape(f"a count that is not a literal: {value}")
    return int(value)


def _value_conditions(shapes: Graph, prop: Node) -> list[tuple[str, str]]:
    """(constraint name, SPARQL condition that holds for a *bad* value ?v)."""
    out = []
    for dt in shapes.objects(prop, SH.datatype):
        out.append(("datatype", f"!(isLiteral(?v) && sameTerm(datatype(?v), {_n3(dt)}))"))
    for kind in shapes.objects(prop, SH.nodeKind):
        if kind not in _NODE_KINDS:
            raise UnsupportedShape(f"sh:nodeKind {kind}")
        out.append(("nodeKind", f"!{_NODE_KINDS[kind]}"))
    for pattern in shapes.objects(prop, SH.pattern):
        flags = shapes.value(prop, SH.flags)
        extra = f", {_n3(Literal(str(flags)))}" if flags is not None else ""
        out.append(
            ("pattern", f"(isBlank(?v) || !REGEX(STR(?v), {_n3(Literal(str(pattern)))}{extra}))")
        )
    for name, op in (("minInclusive", ">="), ("maxInclusive", "<="),
                     ("minExclusive", ">"), ("maxExclusive", "<")):
        for bound in shapes.objects(prop, SH[name]):
            out.append((name, f"!COALESCE(?v {op} {_n3(bound)}, false)"))
    for head in shapes.objects(prop, SH["in"]):
        items = list(Collection(shapes, head))
        same = " || ".join(f"sameTerm(?v, {_n3(i)})" for i in items) or "false"
        out.append(("in", f"!({same})"))
    return out


def _messages(shapes: Graph, node: Node) -> dict[str, str]:
    return {
        (m.language or ""): str(m) for m in shapes.objects(node, SH.message)
        if isinstance(m, Literal)
    }


def _severity(shapes: Graph, node: Node) -> str:
    severity = shapes.value(node, SH.severity) or SH.Violation
    return str(severity).rsplit("#", 1)[-1]


def compile_shapes(shapes: Graph) -> list[tuple[str, Constraint]]:
    """One (SPARQL query, result metadata) per constraint; UnsupportedShape otherwise."""
    queries: list[tuple[str, Constraint]] = []
    for shape in sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str):
        _check_keys(shapes, shape)
        if shapes.value(shape, SH.deactivated) == Literal(True):
            continue
        targets = _targets(shapes, shape)
        if not targets:
            continue
        for extra in (SH.path, SH["class"], SH.datatype, SH.minCount, SH.maxCount):
            if (shape, extra, None) in shapes:
                raise UnsupportedShape(f"node-level constraints on {_short(shape)}")
        target = " UNION ".join("{ " + t + " }" for t in targets)
        for prop in sorted(shapes.objects(shape, SH.property), key=str):
            _check_keys(shapes, prop)
            if shapes.value(prop, SH.deactivated) == Literal(True):
                continue
            path = shapes.value(prop, SH.path)
            if not isinstance(path, URIRef):
                raise UnsupportedShape(f"{_short(prop)}: only IRI paths are translated")
            meta: Constraint = {
                # _short gives None for None only: the path and the shape are terms.
                "path": _short(path), "shape": _short(prop) or str(prop),
                "severity": _severity(shapes, prop),
                "message": _messages(shapes, prop) or _messages(shapes, shape),
            }
            p = _n3(path)
            for n in shapes.objects(prop, SH.minCount):
                queries.append((
                    f"SELECT ?focus WHERE {{ {{ SELECT DISTINCT ?focus WHERE {{ {target} }} }} "
                    f"OPTIONAL {{ ?focus {p} ?v }} }} GROUP BY ?focus "
                    f"HAVING (COUNT(DISTINCT ?v) < {_count(n)})",
                    {**meta, "value": False},
                ))
            for n in shapes.objects(prop, SH.maxCount):
                queries.append((
                    f"SELECT ?focus WHERE {{ {{ SELECT DISTINCT ?focus WHERE {{ {target} }} }} "
                    f"?focus {p} ?v }} GROUP BY ?focus HAVING (COUNT(DISTINCT ?v) > {_count(n)})",
                    {**meta, "value": False},
                ))
            for name, bad in _value_conditions(shapes, prop):
                queries.append((
                    f"SELECT DISTINCT ?focus ?v WHERE {{ {{ SELECT DISTINCT ?focus WHERE "
                    f"{{ {target} }} }} ?focus {p} ?v FILTER({bad}) }}",
                    {**meta, "value": True, "component": name},
                ))
            for dt in shapes.objects(prop, SH.datatype):
                # Right datatype, wrong lexical form ("12a"^^xsd:integer): checked in Python.
                queries.append((
                    f"SELECT DISTINCT ?focus ?v WHERE {{ {{ SELECT DISTINCT ?focus WHERE "
                    f"{{ {target} }} }} ?focus {p} ?v "
                    f"FILTER(isLiteral(?v) && sameTerm(datatype(?v), {_n3(dt)})) }}",
                    {**meta, "value": True, "lexical": True, "component": "datatype"},
                ))
            for cls in shapes.objects(prop, SH["class"]):
                queries.append((
                    f"SELECT DISTINCT ?focus ?v WHERE {{ {{ {{ SELECT DISTINCT ?focus WHERE "
                    f"{{ {target} }} }} ?focus {p} ?v }} MINUS {{ ?v {_TYPE_OF} {_n3(cls)} }} }}",
                    {**meta, "value": True, "component": "class"},
                ))
    return queries


@functools.lru_cache(maxsize=65536)
def _ill_typed_text(text: str, datatype: str) -> bool:
    return bool(getattr(Literal(text, datatype=URIRef(datatype)), "ill_typed", False))


def _ill_typed(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> bool:
    """Whether a literal's text is not of its datatype, as rdflib tells it (``12a`` as an
    ``xsd:integer``); plain strings never are."""
    import pyoxigraph as ox

    if not isinstance(term, ox.Literal) or term.language:
        return False
    datatype = term.datatype.value
    return datatype != _XSD_STRING and _ill_typed_text(term.value, datatype)


def validate_store(store: ox.Store, shapes: Graph,
                   files_of: Callable[[Node], Iterable[str]] | None = None) -> ValidationReport:
    """Validate the default graph of the pyoxigraph ``store`` (data and ontology together,
    as pySHACL is given them) against ``shapes``; UnsupportedShape if not translatable."""
    import pyoxigraph as ox

    from .store.terms import to_rdflib

    violations = []
    seen: set[tuple[Node | None, str, str | None, Node | None]] = set()
    for query, meta in compile_shapes(shapes):
        solutions = store.query(query)
        if not isinstance(solutions, ox.QuerySolutions):
            raise TypeError("a constraint's SELECT gave no solutions")
        lexical = bool(meta.get("lexical"))
        for row in solutions:
            if lexical and not _ill_typed(row["v"]):
                continue  # most rows: tell it on the value alone, before making terms
            focus = to_rdflib(row["focus"])
            value = to_rdflib(row["v"]) if meta["value"] else None
            key = (focus, meta["shape"], meta.get("component"), value)
            if key in seen:
                continue
            seen.add(key)
            violations.append(Violation(
                focus=str(focus), path=meta["path"], message=meta["message"],
                severity=meta["severity"], shape=meta["shape"], value=_short(value),
                files=list(files_of(focus)) if files_of else [],
            ))
    violations.sort(key=lambda v: (v.files, v.focus, v.path or "", v.shape))
    conforms = not any(v.severity == "Violation" for v in violations)
    return ValidationReport(conforms, violations)
