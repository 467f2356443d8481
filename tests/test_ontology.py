"""The ontology as code: header, version, lint of every term, modules that parse."""

from __future__ import annotations

from pathlib import Path

from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF

from aula_kg import __version__, vocab
from aula_kg.sources import parse_file

REPO = Path(__file__).resolve().parents[1]
LINT = Path(__file__).parent / "shapes" / "ontology-lint.ttl"


def ontology() -> Graph:
    graph = Graph()
    for path in sorted((REPO / "ontology").glob("*.ttl")):
        parse_file(path, graph)
    return graph


def lint_shapes() -> Graph:
    # A graph, not a path: pyshacl would load a path into an rdflib Dataset through its
    # deprecated default_context (3,000 warnings per run).
    return Graph().parse(LINT, format="turtle")


def test_version_iri_matches_package_version():
    graph = ontology()
    assert (vocab.ONTOLOGY_IRI, OWL.versionIRI, URIRef(f"{vocab.ONTOLOGY_IRI}/{__version__}")) in graph
    assert (vocab.ONTOLOGY_IRI, OWL.versionInfo, Literal(__version__)) in graph
    assert vocab.ONTOLOGY_VERSION_IRI == URIRef(f"{vocab.ONTOLOGY_IRI}/{__version__}")


def test_header_is_complete():
    graph = ontology()
    for predicate in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.created,
                      DCTERMS.modified):
        assert graph.value(vocab.ONTOLOGY_IRI, predicate) is not None, predicate
    titles = {t.language for t in graph.objects(vocab.ONTOLOGY_IRI, DCTERMS.title)}
    assert titles == {"fr", "en"}


def test_every_term_is_labelled_defined_and_attached():
    conforms, _, text = validate(ontology(), shacl_graph=lint_shapes(), advanced=True)
    assert conforms, text


def test_one_ontology_per_repository():
    graph = ontology()
    assert set(graph.subjects(RDF.type, OWL.Ontology)) == {vocab.ONTOLOGY_IRI}


def test_shapes_have_messages_in_both_languages():
    shapes = Graph()
    for path in sorted((REPO / "shapes").glob("*.ttl")):
        parse_file(path, shapes)
    sh = vocab.SH
    for shape in shapes.subjects(RDF.type, sh.PropertyShape):
        languages = {m.language for m in shapes.objects(shape, sh.message)}
        assert {"fr", "en"} <= languages, shape


def test_lint_catches_a_term_without_english_label():
    graph = Graph()
    graph.parse(data="""
        @prefix aula: <https://w3id.org/aula-kg/ontology#> .
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        aula:Broken a owl:Class ; rdfs:label "cassé"@fr , "broken"@it ;
            skos:definition "x"@fr , "x"@en ; rdfs:isDefinedBy <https://w3id.org/aula-kg/ontology> .
    """, format="turtle")
    conforms, _, text = validate(graph, shacl_graph=lint_shapes(), advanced=True)
    assert not conforms and "rdfs:label" in text
