"""The reasoning engines agree on the AULA graph; the SPARQL translation of the open-data
shapes agrees with pySHACL."""

from __future__ import annotations

from dataclasses import replace

import pyoxigraph as ox
import pytest
from conftest import REPO
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from aula_kg import reasoning, vocab
from aula_kg.build import data_graph
from aula_kg.config import Settings
from aula_kg.shacl_sparql import validate_store
from aula_kg.sources import load_sources, parse_file
from aula_kg.validation import validate_graph

EX = Namespace(str(vocab.ID) + "test/")
AULA = vocab.AULA


@pytest.fixture(scope="module")
def aula_graphs():
    sources = load_sources(replace(Settings.from_env(), home=REPO))
    return [sources.graph(vocab.ONTOLOGY_GRAPH), data_graph(sources)]


@pytest.fixture(scope="module")
def closures(aula_graphs):
    return {engine: set(reasoning.closure(aula_graphs, engine)) for engine in reasoning.ENGINES}


@pytest.mark.parametrize("engine", [e for e in reasoning.ENGINES if e != "owlrl"])
def test_engine_gives_owlrl_closure_on_the_aula_graph(closures, engine):
    reference = closures["owlrl"]
    assert reference, "the closure of the AULA graph is not empty"
    assert closures[engine] - reference == set()
    assert reference - closures[engine] == set()


def test_reasonable_strings_stay_plain(closures):
    # reasonable hands strings back typed xsd:string; the closure must not hold them.
    typed = [t for t in closures["reasonable"]
             if isinstance(t[2], Literal) and t[2].datatype == XSD.string]
    assert typed == []


def _small_ontology() -> Graph:
    g = Graph()
    g.add((AULA.hasMember, OWL.inverseOf, AULA.memberOf))
    g.add((AULA.memberOf, RDFS.subPropertyOf, AULA.partOfTerritory))
    g.add((AULA.partOfTerritory, RDF.type, OWL.TransitiveProperty))
    g.add((AULA.partOfTerritory, RDFS.domain, AULA.Territory))
    g.add((AULA.Epci, RDFS.subClassOf, AULA.Grouping))
    g.add((AULA.Grouping, RDFS.subClassOf, AULA.Territory))
    return g


def test_rules_follow_chains_and_same_as_like_owlrl():
    data = Graph()
    data.add((EX.epci, AULA.hasMember, EX.commune))
    data.add((EX.epci, AULA.partOfTerritory, EX.region))
    data.add((EX.epci, RDF.type, AULA.Epci))
    data.add((EX.alias, OWL.sameAs, EX.commune))
    data.add((EX.commune, RDFS.label, Literal("Lens")))
    graphs = [_small_ontology(), data]
    rules = set(reasoning.closure(graphs, "rules"))
    assert (EX.commune, AULA.partOfTerritory, EX.region) in rules
    assert (EX.alias, AULA.partOfTerritory, EX.region) in rules
    assert (EX.epci, RDF.type, AULA.Territory) in rules
    assert rules == set(reasoning.closure(graphs, "owlrl"))


def test_rules_refuse_constructs_they_do_not_implement():
    ontology = _small_ontology()
    ontology.add((AULA.siren, RDF.type, OWL.FunctionalProperty))
    with pytest.raises(reasoning.ReasoningUnsupported, match="FunctionalProperty"):
        reasoning.closure([ontology, Graph()], "rules")


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="unknown reasoner"):
        reasoning.closure([Graph()], "pellet")


BROKEN = """
@prefix aula: <https://w3id.org/aula-kg/ontology#> .
@prefix igeo: <http://rdf.insee.fr/def/geo#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://w3id.org/aula-kg/id/test/> .
id:c1 a igeo:Commune ; igeo:codeINSEE "6249" , "62499" .
id:c2 a igeo:Commune ; igeo:codeINSEE "62500"^^xsd:integer .
id:e1 a igeo:Intercommunalite ; aula:siren "12345678X" .
id:f1 a aula:FormerCommune ; dcterms:isReplacedBy "Lens" .
id:l1 a aula:Laureateship ; aula:programme id:c1 ; aula:signatureDate "2021-13-01"^^xsd:date ,
    "2021-02-01"^^xsd:date .
id:o1 aula:population -3 ; aula:populationKind id:k .
id:o2 aula:population "12a"^^xsd:integer ; sdmx-dimension:refArea id:c1 , id:c2 .
id:g1 aula:importScope "monde" .
"""


def _keys(report):
    return sorted((v.focus, v.path, v.shape, v.severity, v.value or "") for v in report.violations)


def test_sparql_shapes_give_pyshacl_results():
    shapes = parse_file(REPO / "shapes" / "opendata.ttl")
    ontology = Graph()
    for path in sorted((REPO / "ontology").glob("*.ttl")):
        parse_file(path, ontology)
    data = Graph().parse(data=BROKEN, format="turtle")
    expected = validate_graph(data + ontology, shapes, ontology=ontology)
    store = ox.Store()
    store.load((data + ontology).serialize(format="nt", encoding="utf-8"),
               format=ox.RdfFormat.N_TRIPLES)
    got = validate_store(store, shapes)
    assert len(expected.violations) >= 12
    assert _keys(got) == _keys(expected)
    assert got.conforms == expected.conforms is False


def test_engine_names_in_cli():
    from aula_kg.cli import make_parser

    args = make_parser().parse_args(["build", "--reasoner", "owlrl"])
    assert args.reasoner == "owlrl"
    assert make_parser().parse_args(["build"]).reasoner == reasoning.DEFAULT_ENGINE


def test_national_build_keeps_engines_apart_from_curated_iris():
    # Inferred triples are about the project's resources only, whatever the engine.
    assert all(str(s).startswith(str(vocab.ID)) for s, _, _ in
               reasoning.closure([_small_ontology(), Graph().add((URIRef("urn:x"), AULA.hasMember,
                                                                   EX.c))], "rules"))
