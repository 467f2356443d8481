"""SHACL shapes: valid fixtures conform, each invalid fixture gives its expected result,
and `aula-kg validate` exits 0 / 1 / 2 with messages naming file and problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aula_kg.cli import main

SHAPES_FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
INVALID = sorted((SHAPES_FIXTURES / "invalid").glob("*.ttl"))
EXPECT = re.compile(r"^# expect: <([^>]+)> (aulash:[\w-]+)$", re.M)


def run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_shipped_data_conforms(cli_env, capsys):
    code, out, err = run(capsys, "validate")
    assert code == 0, out + err
    assert "conforms" in err


@pytest.mark.parametrize("path", sorted((SHAPES_FIXTURES / "valid").glob("*.ttl")), ids=lambda p: p.stem)
def test_valid_fixture_conforms(cli_env, capsys, path):
    code, out, err = run(capsys, "validate", str(path))
    assert code == 0, out + err


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_reports_its_focus_and_shape(cli_env, capsys, path):
    focus, shape = EXPECT.search(path.read_text()).groups()
    code, out, err = run(capsys, "validate", str(path))
    assert code == 1, out + err
    matching = [line for line in out.splitlines() if f"<{focus}>" in line]
    assert matching, out
    assert all(line.startswith(str(path)) for line in matching)


def test_invalid_fixture_shapes_are_the_expected_ones(cli_env):
    # The exact source shape, checked through the Python API for every invalid fixture.
    from dataclasses import replace

    from aula_kg import vocab
    from aula_kg.build import data_graph
    from aula_kg.config import Settings
    from aula_kg.sources import load_sources, parse_file
    from aula_kg.validation import validate_graph

    sources = load_sources(replace(Settings.from_env()))
    base = data_graph(sources) + sources.graph(vocab.ONTOLOGY_GRAPH)
    for path in INVALID:
        focus, shape = EXPECT.search(path.read_text()).groups()
        report = validate_graph(base + parse_file(path), sources.graph(vocab.SHAPES_GRAPH))
        shapes = {v.shape for v in report.violations if v.focus == focus}
        assert shape in shapes, f"{path.name}: expected {shape}, got {shapes}"


def test_french_messages_on_request(cli_env, capsys):
    code, out, _ = run(capsys, "validate", "--lang", "fr", str(SHAPES_FIXTURES / "invalid" / "ActionShape-001.ttl"))
    assert code == 1
    assert "une action doit répondre à au moins une des cinq préconisations" in out


def test_turtle_syntax_error_names_file_and_line(cli_env, capsys, tmp_path):
    bad = tmp_path / "broken.ttl"
    bad.write_text('@prefix a: <http://a/> .\na:x a:y a:z .\na:x a:y "unterminated .\n')
    code, out, err = run(capsys, "validate", str(bad))
    assert code == 2
    assert f"{bad}:3: Turtle syntax error" in err
    assert "Traceback" not in err


def test_missing_file_is_unreadable_input(cli_env, capsys, tmp_path):
    code, _, err = run(capsys, "validate", str(tmp_path / "nope.ttl"))
    assert code == 2 and "no such file" in err


def test_rdfxml_with_doctype_is_refused(cli_env, capsys, tmp_path):
    bomb = tmp_path / "laughs.rdf"
    bomb.write_text('<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>\n'
                    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n')
    code, _, err = run(capsys, "validate", str(bomb))
    assert code == 2 and "DOCTYPE" in err


def test_build_refuses_invalid_data_and_keeps_the_previous_graph(tmp_path, built_settings):
    import shutil
    from dataclasses import replace

    from aula_kg.build import build
    from aula_kg.errors import ValidationFailed

    home = tmp_path / "home"
    for folder in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(Path(built_settings.home) / folder, home / folder)
    settings = replace(built_settings, home=home, build_dir=tmp_path / "build")
    build(settings)
    before = settings.graph_file.read_bytes()
    shutil.copy(SHAPES_FIXTURES / "invalid" / "ActionShape-001.ttl", home / "data" / "zz-bad.ttl")
    with pytest.raises(ValidationFailed) as excinfo:
        build(settings)
    assert "zz-bad.ttl" in excinfo.value.message
    assert settings.graph_file.read_bytes() == before


def test_two_builds_of_the_same_sources_give_the_same_bytes(tmp_path, built_settings):
    """Regression: blank-node labels (SHACL lists) changed from one build to the next."""
    from dataclasses import replace

    from aula_kg.build import build
    from aula_kg.store import EmbeddedStore

    again = replace(built_settings, build_dir=tmp_path / "again")
    build(again)
    assert again.graph_file.read_bytes() == built_settings.graph_file.read_bytes()
    first = EmbeddedStore.from_file(again.graph_file).content_hash()
    assert EmbeddedStore.from_file(again.graph_file).content_hash() == first
