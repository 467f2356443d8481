"""OWL 2 RL closure of the ontology and data, kept as instance-level facts only.

The closure runs over a copy of the ontology and data graphs; what it adds is filtered down
to statements about the project's own resources (subjects under ``vocab.ID``): types from
subclasses, domains and ranges, inverse and super-properties, transitive territory
containment. Schema-level entailments (reflexive subclass axioms, ``owl:Thing`` types,
reflexive ``owl:sameAs``) are dropped: no query needs them and they triple the graph.

Three engines give the same instance-level facts on the AULA graph
(tests/test_reasoning_engines.py):

``rules`` (default)
    The OWL 2 RL rules (W3C OWL 2 Profiles, section 4.3) for the axioms the ontology uses,
    run as SPARQL updates inside pyoxigraph until nothing changes: ``cax-sco``,
    ``cax-eqc1/2``, ``prp-dom``, ``prp-rng``, ``prp-spo1``, ``prp-eqp1/2``,
    ``prp-inv1/2``, ``prp-symp``, ``prp-trp`` (one property-path update per transitive
    property the ontology declares) and ``eq-sym``/``eq-trans``/``eq-rep-*`` when the data
    holds ``owl:sameAs``. The rules are generic; the axioms come from the ontology. An
    ontology using an OWL construct outside that set (functional properties, restrictions,
    property chains, keys...) is refused with :class:`ReasoningUnsupported`, never half
    reasoned: use ``owlrl`` or ``reasonable`` then. National graph: seconds.
``reasonable``
    The Rust OWL 2 RL reasoner (PyPI ``reasonable``), full rule set. It hands strings back
    typed ``xsd:string``; they are turned back into plain literals, else every string
    triple would be "new". National graph: about 7 s plus conversions.
``owlrl``
    The pure-Python reference (rdflib's owlrl). Minutes on the national graph.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

if TYPE_CHECKING:
    import pyoxigraph as ox

from . import vocab
from .errors import ReasoningUnsupported

_ID = str(vocab.ID)
_TRIVIAL_TYPES = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual, RDFS.Class, OWL.Class}

ENGINES = ("rules", "reasonable", "owlrl")
DEFAULT_ENGINE = "rules"


def _keep(triple: tuple[Node, Node, Node]) -> bool:
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


# --------------------------------------------------------------------------------------
# The rules engine (pyoxigraph)

_PREFIXES = (
    "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX owl: <http://www.w3.org/2002/07/owl#>\n"
)

#: OWL 2 RL rules whose premises hold one data triple and schema triples: (name,
#: conclusion, schema premises, data premise, filter), in an order where one round usually
#: reaches the fixpoint (properties first, then types). Schema chains (scm-sco, scm-spo) are
#: followed with property paths inside the same update.
_RULE_PARTS = [
    ("prp-inv", "?y ?q ?x", "{ ?p owl:inverseOf ?q } UNION { ?q owl:inverseOf ?p }",
     "?x ?p ?y", "FILTER(!isLiteral(?y))"),
    ("prp-symp", "?y ?p ?x", "?p a owl:SymmetricProperty .", "?x ?p ?y",
     "FILTER(!isLiteral(?y))"),
    ("prp-eqp", "?x ?q ?y",
     "{ ?p owl:equivalentProperty ?q } UNION { ?q owl:equivalentProperty ?p }", "?x ?p ?y", ""),
    ("prp-spo1", "?x ?q ?y",
     "{ SELECT DISTINCT ?p ?q WHERE { ?p rdfs:subPropertyOf+ ?q FILTER(?p != ?q) } }",
     "?x ?p ?y", ""),
    ("prp-trp", "", "", "", ""),  # one update per transitive property, see _rules_fixpoint
    ("prp-dom", "?x a ?c", "?p rdfs:domain ?c .", "?x ?p ?y", ""),
    ("prp-rng", "?y a ?c", "?p rdfs:range ?c .", "?x ?p ?y", "FILTER(!isLiteral(?y))"),
    ("cax-eqc", "?x a ?c2",
     "{ ?c1 owl:equivalentClass ?c2 } UNION { ?c2 owl:equivalentClass ?c1 }", "?x a ?c1", ""),
    ("cax-sco", "?x a ?c2",
     "{ SELECT DISTINCT ?c1 ?c2 WHERE { ?c1 rdfs:subClassOf+ ?c2 FILTER(?c1 != ?c2) } }",
     "?x a ?c1", ""),
]
#: Scratch graphs of the later rounds: the triples new in the last round, and what the rules
#: conclude from them (some of it already known).
_DELTA = "urn:x-aula-kg:reasoning:delta"
_NEXT = "urn:x-aula-kg:reasoning:next"
#: (name, update): each rule over the whole working graph (None: prp-trp).
_RULES = [
    (name, f"INSERT {{ {then} }} WHERE {{ {schema} {data} {test} }}" if then else None)
    for name, then, schema, data, test in _RULE_PARTS
]
#: The same rules with their data premise in the last round's new triples only, their
#: conclusions into the scratch graph (semi-naive evaluation: a rule with one data premise
#: concludes nothing new from triples it has already seen).
_DELTA_RULES = [
    f"INSERT {{ GRAPH <{_NEXT}> {{ {then} }} }} WHERE {{ {schema} GRAPH <{_DELTA}> {{ {data} }} "
    f"{test} }}"
    for _, then, schema, data, test in _RULE_PARTS if then
]
#: Whether the last round's new triples touch the schema the rules read: then the later
#: rounds run over the whole graph again.
_SCHEMA_CHANGED = (
    f"ASK {{ GRAPH <{_DELTA}> {{ {{ ?s ?p ?o VALUES ?p {{ rdfs:subClassOf rdfs:subPropertyOf "
    "rdfs:domain rdfs:range owl:inverseOf owl:equivalentClass owl:equivalentProperty "
    "owl:sameAs } } UNION { ?s a ?c VALUES ?c { owl:SymmetricProperty "
    "owl:TransitiveProperty } } } }"
)
_CLEAR_SCRATCH = f"DROP SILENT GRAPH <{_DELTA}> ; DROP SILENT GRAPH <{_NEXT}>"
_SAME_AS_RULES = [
    ("eq-sym", "INSERT { ?y owl:sameAs ?x } WHERE { ?x owl:sameAs ?y FILTER(!isLiteral(?y)) }"),
    ("eq-trans", "INSERT { ?x owl:sameAs ?z } WHERE { ?x owl:sameAs ?y . ?y owl:sameAs ?z }"),
    ("eq-rep-s", "INSERT { ?t ?p ?o } WHERE { ?s owl:sameAs ?t . ?s ?p ?o FILTER(?s != ?t) }"),
    (
        "eq-rep-p",
        "INSERT { ?s ?q ?o } WHERE { ?p owl:sameAs ?q . ?s ?p ?o FILTER(?p != ?q && isIRI(?q)) }",
    ),
    (
        "eq-rep-o",
        "INSERT { ?s ?p ?t } WHERE { ?o owl:sameAs ?t . ?s ?p ?o FILTER(?o != ?t) }",
    ),
]

#: OWL constructs whose OWL 2 RL rules the ``rules`` engine does not run.
UNSUPPORTED = {
    "predicates": [
        OWL.propertyChainAxiom, OWL.hasKey, OWL.someValuesFrom, OWL.allValuesFrom,
        OWL.hasValue, OWL.intersectionOf, OWL.unionOf, OWL.oneOf, OWL.maxCardinality,
        OWL.maxQualifiedCardinality, OWL.complementOf, OWL.hasSelf,
    ],
    "types": [
        OWL.FunctionalProperty, OWL.InverseFunctionalProperty, OWL.ReflexiveProperty,
    ],
}

def _check_supported(store: ox.Store) -> None:
    import pyoxigraph as ox

    used = []
    for predicate in UNSUPPORTED["predicates"]:
        if next(iter(store.quads_for_pattern(None, ox.NamedNode(str(predicate)), None,
                                             ox.DefaultGraph())), None) is not None:
            used.append(str(predicate))
    rdf_type = ox.NamedNode(str(RDF.type))
    for kind in UNSUPPORTED["types"]:
        if next(iter(store.quads_for_pattern(None, rdf_type, ox.NamedNode(str(kind)),
                                             ox.DefaultGraph())), None) is not None:
            used.append(str(kind))
    if used:
        raise ReasoningUnsupported(
            "the ontology uses OWL constructs the 'rules' reasoner does not implement ("
            + ", ".join(used)
            + "): build with --reasoner reasonable or --reasoner owlrl"
        )


def _rules_fixpoint(store: ox.Store) -> list[ox.Triple]:
    """Apply the rules to the default graph of ``store`` until nothing changes; the triples
    they added.

    One round over the whole graph, then rounds over the triples the last round added
    only (a few seconds less per round on the national graph), as long as these leave the
    schema and ``owl:sameAs`` alone; else, and with ``owl:sameAs`` in the data (whose rules
    have two data premises), whole rounds until the graph stops growing, the transitive
    properties read again before each (a derived triple may declare one).
    """
    import pyoxigraph as ox

    same_as = ox.NamedNode(str(OWL.sameAs))
    semi_naive = next(iter(store.quads_for_pattern(None, same_as, None, ox.DefaultGraph())),
                      None) is None
    size = len(store)
    while True:
        transitive = [
            q.subject.value
            for q in store.quads_for_pattern(
                None, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(OWL.TransitiveProperty)),
                ox.DefaultGraph(),
            )
            if isinstance(q.subject, ox.NamedNode)
        ]
        rules = []
        for _name, text in _RULES:
            if text is None:  # prp-trp
                rules += [
                    f"INSERT {{ ?x <{p}> ?z }} WHERE {{ ?x <{p}> ?y . ?y <{p}>+ ?z }}"
                    for p in transitive
                ]
            else:
                rules.append(text)
        if semi_naive:
            # prp-trp has two data premises: over the whole graph, when new triples use it.
            transitive_later = [
                (f"ASK {{ GRAPH <{_DELTA}> {{ ?x <{p}> ?y }} }}",
                 f"INSERT {{ GRAPH <{_NEXT}> {{ ?x <{p}> ?z }} }} "
                 f"WHERE {{ ?x <{p}> ?y . ?y <{p}>+ ?z }}")
                for p in transitive
            ]
            for text in rules:
                store.update(_PREFIXES + text)
            added = _added(store)
            later = _later_rounds(store, added, transitive_later)
            if later is not None:
                return added + later
            semi_naive = False  # the schema grew: whole rounds from here
            continue
        if next(iter(store.quads_for_pattern(None, same_as, None, ox.DefaultGraph())), None):
            rules += [text for _, text in _SAME_AS_RULES]
        for text in rules:
            store.update(_PREFIXES + text)
        new_size = len(store)
        if new_size == size:
            return _added(store)
        size = new_size


def _later_rounds(store: ox.Store, delta: list[ox.Triple],
                  transitive: list[tuple[str, str]]) -> list[ox.Triple] | None:
    """Rounds over the last round's new triples (``delta``) until none is new; the triples
    they added, or None when new triples touch the schema (what they added stays in the
    graph: the whole rounds that follow find it there)."""
    import pyoxigraph as ox

    delta_graph, next_graph, default = ox.NamedNode(_DELTA), ox.NamedNode(_NEXT), ox.DefaultGraph()
    added: list[ox.Triple] = []
    try:
        while delta:
            store.extend(ox.Quad(t.subject, t.predicate, t.object, delta_graph) for t in delta)
            if bool(store.query(_PREFIXES + _SCHEMA_CHANGED)):
                return None  # whole rounds go on from here
            for text in _DELTA_RULES:
                store.update(_PREFIXES + text)
            for used, rule in transitive:
                if bool(store.query(used)):
                    store.update(rule)
            delta = [
                ox.Triple(q.subject, q.predicate, q.object)
                for q in store.quads_for_pattern(None, None, None, next_graph)
                if ox.Quad(q.subject, q.predicate, q.object, default) not in store
            ]
            store.update(_CLEAR_SCRATCH)
            store.extend(ox.Quad(t.subject, t.predicate, t.object, default) for t in delta)
            added += delta
    finally:
        store.update(_CLEAR_SCRATCH)
    return added


def _added(store: ox.Store) -> list[ox.Triple]:
    import pyoxigraph as ox

    rows = store.query(_NEW_QUERY)
    if not isinstance(rows, ox.QuerySolutions):
        raise TypeError("the inferred-triples SELECT gave no solutions")
    return [ox.Triple(s, p, o) for s, p, o in rows]


#: Every triple of the working (default) graph that no named graph asserts: what the rules
#: added. One scan; :func:`_kept` then sorts it into facts and schema-level noise.
_NEW_QUERY = "SELECT ?s ?p ?o WHERE { ?s ?p ?o MINUS { GRAPH ?g { ?s ?p ?o } } }"
_SAME_AS = str(OWL.sameAs)
_RDF_TYPE = str(RDF.type)
_TRIVIAL = {str(t) for t in _TRIVIAL_TYPES}


def _kept(s: ox.NamedNode | ox.BlankNode | ox.Triple, p: ox.NamedNode,
          o: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> bool:
    """:func:`_keep` on pyoxigraph terms."""
    import pyoxigraph as ox

    if not isinstance(s, ox.NamedNode) or not s.value.startswith(_ID):
        return False
    if p.value == _SAME_AS and s == o:
        return False
    if p.value == _RDF_TYPE and (
            isinstance(o, ox.Literal) or (isinstance(o, ox.NamedNode) and o.value in _TRIVIAL)):
        return False
    return True


def closure_rules(store: ox.Store) -> list[ox.Triple]:
    """Instance-level triples the ``rules`` engine entails from the pyoxigraph ``store`` and
    that it lacks, as pyoxigraph triples. ``store`` holds the ontology and the data in
    named graphs; its default graph is the working graph (filled with their union when
    empty). It is left holding that union and the returned triples, nothing else: the
    schema-level entailments are taken out of it again."""
    import pyoxigraph as ox

    if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is None:
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    _check_supported(store)
    added = _rules_fixpoint(store)
    kept: list[ox.Triple] = []
    dropped: list[ox.Quad] = []
    default = ox.DefaultGraph()
    for triple in added:
        s, p, o = triple.subject, triple.predicate, triple.object
        if _kept(s, p, o):
            kept.append(triple)
        else:
            dropped.append(ox.Quad(s, p, o, default))
    for quad in dropped:
        store.remove(quad)
    return kept


# --------------------------------------------------------------------------------------
# rdflib-based engines


def _owlrl_expand(working: Graph) -> None:
    import owlrl

    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(working)


def _plain(term: Node) -> Node:
    """``reasonable`` types plain strings ``xsd:string``: make them plain again."""
    if isinstance(term, Literal) and term.datatype == XSD.string and not term.language:
        return Literal(str(term))
    return term


def _reasonable_triples(working: Graph) -> set[tuple[Node, Node, Node]]:
    import reasonable

    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(working)
    return {(s, p, _plain(o)) for s, p, o in reasoner.reason()}


def _closure_rdflib(working: Graph, engine: str) -> Graph:
    asserted = set(working)
    entailed: Iterable[tuple[Node, Node, Node]]
    if engine == "owlrl":
        _owlrl_expand(working)
        entailed = working
    else:
        entailed = _reasonable_triples(working)
    inferred = Graph()
    vocab.bind_prefixes(inferred)
    for triple in entailed:
        if triple not in asserted and _keep(triple):
            inferred.add(triple)
    return inferred


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ValueError(f"unknown reasoner {engine!r} (one of {', '.join(ENGINES)})")


def closure(graphs: Iterable[Graph], engine: str = DEFAULT_ENGINE) -> Graph:
    """The instance-level triples OWL 2 RL entails from ``graphs`` and that they lack."""
    _check_engine(engine)
    if engine == "rules":
        import pyoxigraph as ox

        from .store.terms import to_rdflib

        store = ox.Store()
        for graph in graphs:
            store.load(graph.serialize(format="nt", encoding="utf-8"),
                       format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode("urn:x-aula-kg:in"))
        inferred = Graph()
        vocab.bind_prefixes(inferred)
        for t in closure_rules(store):
            inferred.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
        return inferred
    working = Graph()
    for graph in graphs:
        for triple in graph:
            working.add(triple)
    return _closure_rdflib(working, engine)


def closure_oxigraph(store: ox.Store, engine: str = DEFAULT_ENGINE) -> list[ox.Triple]:
    """Like :func:`closure` over a pyoxigraph ``store`` whose named graphs hold the ontology
    and the data and whose default graph holds their union, as pyoxigraph triples; the
    default graph is left holding that union and the inferred triples. The
    scalable path of the build: with ``rules`` the data never leaves pyoxigraph; the other
    engines go through rdflib (slow on large graphs)."""
    _check_engine(engine)
    if engine == "rules":
        return closure_rules(store)
    import pyoxigraph as ox

    from .store.terms import to_oxigraph_triple

    working = Graph()
    working.parse(
        data=store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()),
        format="nt",
    )
    inferred = [
        to_oxigraph_triple(s, p, o) for s, p, o in _closure_rdflib(working, engine)
    ]
    default = ox.DefaultGraph()
    store.extend(ox.Quad(t.subject, t.predicate, t.object, default) for t in inferred)
    return inferred
