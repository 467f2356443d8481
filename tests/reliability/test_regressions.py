"""Regression tests of the bugs the reliability suite found, one per bug, named after it."""

from __future__ import annotations

import subprocess
import time

import pytest
from reliability_support import Listener, aula_kg_command

from aula_kg.errors import InputError
from aula_kg.sources import parse_file

LAUGHS = (
    '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
    '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
    '<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>\n'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"><rdf:Description '
    'rdf:about="https://w3id.org/aula-kg/id/x"><rdfs:label>&h;</rdfs:label>'
    "</rdf:Description></rdf:RDF>\n"
)


def test_rdfxml_doctype_after_64_kib_was_not_refused(tmp_path):
    """The DOCTYPE check looked at the first 64 KiB only: a comment before the declaration
    let a billion-laughs file through, and `aula-kg validate` ran for minutes."""
    path = tmp_path / "late.rdf"
    path.write_text('<?xml version="1.0"?>\n<!--' + "x" * 70_000 + "-->\n" + LAUGHS)
    start = time.monotonic()
    with pytest.raises(InputError, match=r"late\.rdf:3: DOCTYPE declarations are not accepted"):
        parse_file(path)
    assert time.monotonic() - start < 5


def test_rdfxml_doctype_in_utf16_was_not_refused(tmp_path):
    """The byte search for b'<!DOCTYPE' misses UTF-16: such a file was accepted, DOCTYPE
    and entities included."""
    path = tmp_path / "utf16.owl"
    path.write_bytes(('<?xml version="1.0" encoding="UTF-16"?>\n' + LAUGHS).encode("utf-16"))
    with pytest.raises(InputError, match="DOCTYPE declarations are not accepted"):
        parse_file(path)


def test_jsonld_remote_context_was_fetched(tmp_path):
    """rdflib fetched a JSON-LD @context given by IRI: `aula-kg validate` connected to it."""
    sink = Listener()
    try:
        for name, context in [("remote", f'"http://127.0.0.1:{sink.port}/c"'),
                              ("file", '["file:///etc/passwd"]'),
                              ("imported", f'{{"@import": "http://127.0.0.1:{sink.port}/i"}}')]:
            path = tmp_path / f"{name}.jsonld"
            path.write_text(f'{{"@context": {context}, "@id": "https://w3id.org/aula-kg/id/x"}}')
            with pytest.raises(InputError, match="remote JSON-LD contexts are not fetched"):
                parse_file(path)
        inline = tmp_path / "inline.jsonld"
        inline.write_text('{"@context": {"name": "http://schema.org/name"}, '
                          '"@id": "https://w3id.org/aula-kg/id/x", "name": "x"}')
        assert len(parse_file(inline)) == 1
        assert sink.count(settle=0.2) == 0
    finally:
        sink.close()


def test_invalid_iri_passed_validate_and_crashed_the_build(tmp_path, project):
    """An IRI with a space was accepted with a warning: `validate` said "conforms" and
    `build` died with a traceback while writing the graph. Now: exit 2 with file:line."""
    path = tmp_path / "bad.ttl"
    path.write_text("<https://w3id.org/aula-kg/id/x> <http://www.w3.org/2000/01/rdf-schema#"
                    "seeAlso>\n  <http://exa mple.org/x> .\n")
    with pytest.raises(InputError, match=r"bad\.ttl:2: invalid IRI <http://exa mple\.org/x>"):
        parse_file(path)
    env = project.env(AULA_KG_BUILD_DIR=str(tmp_path / "build"))
    result = subprocess.run(aula_kg_command() + ["build", "--with", str(path)], env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "invalid IRI" in result.stderr
    assert not (tmp_path / "build" / "aula-kg.nq").exists()


def test_cli_sparql_service_connected_to_any_endpoint(project):
    """`aula-kg sparql` ran SERVICE without the guard: pyoxigraph connected to the given
    address, then the command died with a traceback."""
    sink = Listener()
    try:
        result = subprocess.run(
            aula_kg_command() + ["sparql", f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:"
                                 f"{sink.port}/sparql> {{ ?s ?p ?o }} }}"],
            env=project.env(), capture_output=True, text=True, timeout=120)
        assert result.returncode == 2, result.stderr
        assert "not allowed" in result.stderr and "Traceback" not in result.stderr
        assert sink.count(settle=0.2) == 0
    finally:
        sink.close()
