"""What the build prepares for readers (aula_kg.prepared): named by the manifest, tied to
the graph, the same answers as computing them, and never trusted past a change."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from aula_kg import prepared, queryform
from aula_kg.catalog import Catalog, parse_stored_query, text_digest
from aula_kg.errors import AulaKgError, InputError
from aula_kg.store import EmbeddedStore, open_store
from aula_kg.store.known_answers import FORMAT, KnownAnswers
from aula_kg.territories import TERRITORY_KINDS, NameIndex

REPO = Path(__file__).resolve().parents[1]


def manifest(settings) -> dict:
    return json.loads(settings.manifest_file.read_text(encoding="utf-8"))


def test_the_manifest_names_the_prepared_files_of_its_graph_with_their_hashes(built_settings):
    entry = manifest(built_settings)["prepared"]
    store_name = Path(manifest(built_settings)["store"]).name
    assert entry["dir"] == f"prepared/{store_name}"
    directory = built_settings.build_dir / entry["dir"]
    assert set(entry["files"]) == {prepared.CATALOG_FILE, prepared.NAMES_FILE, "answers.json"}
    for name, digest in entry["files"].items():
        assert hashlib.sha256((directory / name).read_bytes()).hexdigest() == digest


def test_the_catalogue_is_read_without_parsing_any_query(built_settings, monkeypatch):
    fresh = Catalog.load(built_settings.queries_dir)
    fresh_internal = Catalog.load_internal(built_settings.queries_dir)

    def no_parse(text):
        raise AssertionError("a stored query was parsed again")

    monkeypatch.setattr(queryform, "query_form", no_parse)
    read = prepared.catalog(built_settings)
    assert read.records() == fresh.records()
    assert [q.name for q in read] == [q.name for q in fresh]
    assert {q.name: q.form for q in read} == {q.name: q.form for q in fresh}
    internal = prepared.internal_catalog(built_settings)
    assert internal.records() == fresh_internal.records()


def test_an_edited_query_is_parsed_again_and_a_broken_one_still_fails(built_settings, tmp_path):
    queries = tmp_path / "queries"
    shutil.copytree(built_settings.queries_dir, queries)
    settings = replace(built_settings, home=tmp_path)
    assert settings.queries_dir == queries
    path = queries / "unexplored_recommendations.rq"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('#+ title.en = "', '#+ title.en = "Edited: ', 1),
                    encoding="utf-8")
    edited = prepared.catalog(settings).get("unexplored_recommendations")
    assert edited.title["en"].startswith("Edited: ")
    path.write_text(text.replace("SELECT", "SELEKT", 1), encoding="utf-8")
    with pytest.raises(InputError, match="unexplored_recommendations.rq"):
        prepared.catalog(settings)


def test_the_name_index_file_answers_as_the_graph_does(built_settings, store, tmp_path):
    computed = NameIndex(store)
    opened = prepared.name_index(store, built_settings)
    assert opened._file is not None  # the build's file, not a scan of the graph
    for text in ("Lens-Liévin", "CALL", "62498", "Béthune", "Hénin", "Ternois", "usages"):
        kinds = TERRITORY_KINDS | {"recommendation"}
        assert opened.readings(text, kinds) == computed.readings(text, kinds)
    assert opened.candidate(computed.resolve("Lens", {"commune"}, "t").iri) is not None
    for text in ("Lenz", "Nowhere-sur-Mer"):
        with pytest.raises(AulaKgError) as from_file:
            opened.resolve(text, TERRITORY_KINDS, "territory")
        with pytest.raises(AulaKgError) as from_graph:
            computed.resolve(text, TERRITORY_KINDS, "territory")
        assert from_file.value.message == from_graph.value.message
    assert opened.search("hen", TERRITORY_KINDS) == computed.search("hen", TERRITORY_KINDS)
    assert opened.all(TERRITORY_KINDS) == computed.all(TERRITORY_KINDS)
    assert sorted(opened.entries(), key=repr) == sorted(computed.entries(), key=repr)


def test_a_store_not_built_here_reads_its_names_from_the_graph(built_settings, tmp_path):
    in_memory = EmbeddedStore.from_file(built_settings.graph_file)
    assert prepared.name_index(in_memory, built_settings)._file is None


def test_an_unreadable_name_index_is_a_clear_error_and_readers_use_the_graph(
        built_settings, store, tmp_path):
    broken = tmp_path / "names.sqlite"
    broken.write_bytes(b"not a database")
    with pytest.raises(InputError, match="aula-kg build"):
        NameIndex.open(broken)
    home = tmp_path / "home"
    shutil.copytree(built_settings.build_dir, home / "build")
    settings = replace(built_settings, build_dir=home / "build")
    copied = open_store(settings)
    names_file = settings.build_dir / manifest(settings)["prepared"]["dir"] / "names.sqlite"
    names_file.write_bytes(b"written by another version")
    names = prepared.name_index(copied, settings)
    assert names._file is None
    assert names.resolve("CALL", TERRITORY_KINDS, "t").iri.endswith("/epci/246200364")


def test_known_answers_are_the_store_answers(built_settings, store):
    assert store.known is not None
    fresh = EmbeddedStore.from_file(built_settings.graph_file)
    internal = prepared.internal_catalog(built_settings)
    for query in internal:
        if query.parameters:
            continue
        assert query.text in store.known.selects, query.name
        assert store.select(query.text) == fresh.select(query.text), query.name
        assert store.select_values(query.text) == fresh.select_values(query.text), query.name
    assert store.graph_sizes() == fresh.graph_sizes()
    assert store.triple_count() == fresh.triple_count()
    # A text the build did not run goes to the graph.
    other = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?c }"
    assert store.select(other) == fresh.select(other)


def test_known_answers_of_another_format_or_broken_are_ignored(tmp_path):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"format": FORMAT + 1, "selects": {}}), encoding="utf-8")
    assert KnownAnswers.read(path) is None
    path.write_text("{", encoding="utf-8")
    assert KnownAnswers.read(path) is None
    assert KnownAnswers.read(tmp_path / "missing.json") is None


def test_a_rebuild_keeps_the_prepared_files_of_the_stores_it_keeps(built_settings, tmp_path):
    settings = replace(built_settings, build_dir=tmp_path / "build")
    from aula_kg.build import build

    build(settings)
    first = manifest(settings)["prepared"]["dir"]
    stale = settings.build_dir / "prepared" / "0123456789abcdef"
    stale.mkdir()
    build(settings)
    assert manifest(settings)["prepared"]["dir"] == first
    assert not stale.exists()
    assert open_store(settings).known is not None


def test_a_record_of_another_layout_is_parsed_again(built_settings):
    path = built_settings.queries_dir / "unexplored_recommendations.rq"
    digest = text_digest(path.read_text(encoding="utf-8"))
    query = parse_stored_query(path, {digest: {"title": "not a table"}})
    assert query.form == "SELECT" and query.title["en"]
