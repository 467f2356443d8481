"""The OWL 2 RL closure: questions that only inferred facts answer."""

from __future__ import annotations

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from aula_kg import reasoning, vocab

AULA = vocab.AULA
ID = vocab.ID
LENS = ID["commune/62498"]

TERRITORIES_OF_LENS = """
PREFIX aula: <https://w3id.org/aula-kg/ontology#>
SELECT ?t WHERE { <https://w3id.org/aula-kg/id/commune/62498> aula:partOfTerritory ?t }
"""


def test_lens_is_in_the_pair_through_inverse_and_subproperty(store):
    # Asserted: pair aula:hasMember Lens. Inferred: Lens aula:memberOf pair (inverse), hence
    # Lens aula:partOfTerritory pair (sub-property).
    territories = {row[0] for row in store.select(TERRITORIES_OF_LENS).rows}
    assert ID["pair/lens-lievin"] in territories


def test_lens_is_in_the_aula_territory_only_by_transitivity(store):
    # Lens is a member of the CA de Lens-Liévin (COG import), itself a member of the AULA
    # territory (curated): only the transitive closure links Lens to the AULA territory.
    territories = {row[0] for row in store.select(TERRITORIES_OF_LENS).rows}
    assert ID["territory/aula"] in territories
    asserted = store.select(
        TERRITORIES_OF_LENS.replace("WHERE {", "WHERE { GRAPH ?g {").replace("?t }", "?t } FILTER(?g != <%s>) }" % vocab.INFERRED_GRAPH)
    )
    assert ID["territory/aula"] not in {row[0] for row in asserted.rows}


def test_studies_that_are_actions_are_typed_by_subclass(store):
    query = """PREFIX prov: <http://www.w3.org/ns/prov#>
    ASK { <https://w3id.org/aula-kg/id/action/lens-etude-flux-orange> a prov:Activity }"""
    assert store.ask(query)


def test_closure_keeps_only_instance_level_facts():
    ex = Namespace("https://w3id.org/aula-kg/id/test/")
    ontology = Graph()
    ontology.add((AULA.memberOf, RDF.type, URIRef("http://www.w3.org/2002/07/owl#ObjectProperty")))
    ontology.add((AULA.hasMember, URIRef("http://www.w3.org/2002/07/owl#inverseOf"), AULA.memberOf))
    data = Graph()
    data.add((ex.pair, AULA.hasMember, ex.commune))
    inferred = reasoning.closure([ontology, data])
    assert (ex.commune, AULA.memberOf, ex.pair) in inferred
    assert all(str(s).startswith(str(vocab.ID)) for s in inferred.subjects())
    assert (ex.pair, URIRef("http://www.w3.org/2002/07/owl#sameAs"), ex.pair) not in inferred


OWL_NS = Namespace("http://www.w3.org/2002/07/owl#")
RDFS_NS = Namespace("http://www.w3.org/2000/01/rdf-schema#")


def test_later_rounds_reach_what_whole_rounds_reach():
    """After its first round the rules engine only looks at the triples the last round
    added: a type it infers in a later round (chained sub-classes reached through a
    sub-property) is still found, and nothing is inferred twice."""
    ex = Namespace("https://w3id.org/aula-kg/id/test/")
    ontology = Graph()
    ontology.add((ex.near, RDFS_NS.subPropertyOf, ex.linked))
    ontology.add((ex.linked, RDFS_NS.domain, ex.Place))
    ontology.add((ex.Place, RDFS_NS.subClassOf, ex.Thing))
    ontology.add((ex.linked, RDF.type, OWL_NS.TransitiveProperty))
    data = Graph()
    data.add((ex.a, ex.near, ex.b))
    data.add((ex.b, ex.near, ex.c))
    inferred = set(reasoning.closure([ontology, data]))
    assert {(ex.a, ex.linked, ex.c), (ex.a, RDF.type, ex.Place),
            (ex.a, RDF.type, ex.Thing), (ex.b, RDF.type, ex.Thing)} <= inferred
    reference = reasoning.closure([ontology, data], engine="owlrl")
    individuals = {ex.a, ex.b, ex.c}
    assert {t for t in inferred if t[0] in individuals} == {
        t for t in reference if t[0] in individuals}


def test_a_property_declared_transitive_by_an_inference_is_closed():
    """Regression: the transitive properties were read once, before the first round; one
    declared by an inferred type (here through a range) was never closed. A schema triple
    among the new ones sends the engine back to whole rounds, the rules read again."""
    ex = Namespace("https://w3id.org/aula-kg/id/test/")
    ontology = Graph()
    ontology.add((ex.declares, RDFS_NS.range, OWL_NS.TransitiveProperty))
    data = Graph()
    data.add((ex.registry, ex.declares, ex.near))
    data.add((ex.a, ex.near, ex.b))
    data.add((ex.b, ex.near, ex.c))
    inferred = set(reasoning.closure([ontology, data]))
    assert (ex.a, ex.near, ex.c) in inferred
