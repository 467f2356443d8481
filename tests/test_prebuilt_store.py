"""The prebuilt on-disk store: written by the build, named by the manifest, opened read-only
by the command line, the server and its workers, swept when no longer named."""

from __future__ import annotations

import asyncio
import json
import shutil
from dataclasses import replace

import pytest

from aula_kg.build import build
from aula_kg.errors import GraphUnavailable, ValidationFailed
from aula_kg.store import EmbeddedStore, QueryRequest, open_store, prebuilt
from aula_kg.store.workers import WorkerPool

COUNT_COMMUNES = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?c a <http://rdf.insee.fr/def/geo#Commune> }"
)


def _store_dirs(settings) -> list[str]:
    return sorted(p.name for p in (settings.build_dir / prebuilt.STORE_DIR).iterdir())


def test_the_build_writes_the_store_the_manifest_names(built_settings):
    manifest = json.loads(built_settings.manifest_file.read_text())
    assert manifest["store"] == f"store/{manifest['sha256'][:16]}"
    assert (built_settings.build_dir / manifest["store"]).is_dir()
    assert _store_dirs(built_settings) == [manifest["sha256"][:16]]


def test_open_store_opens_it_read_only_with_the_artefact_content(built_settings):
    store = EmbeddedStore.from_file(built_settings.graph_file)
    opened = open_store(built_settings)
    assert isinstance(opened, EmbeddedStore)
    assert opened.path == prebuilt.locate(built_settings.build_dir, built_settings.manifest_file)
    assert opened.triple_count() == store.triple_count()
    assert opened.graph_sizes() == store.graph_sizes()
    assert opened.content_hash() == store.content_hash()
    with pytest.raises(RuntimeError, match="read-write"):
        opened.oxigraph.update("INSERT DATA { <urn:a> <urn:b> <urn:c> }")


def test_without_a_prebuilt_store_the_artefact_is_loaded_in_memory(tmp_path, built_settings):
    settings = replace(built_settings, build_dir=tmp_path)
    (tmp_path / "aula-kg.nq").write_bytes(built_settings.graph_file.read_bytes())
    manifest = json.loads(built_settings.manifest_file.read_text())
    del manifest["store"]  # a build made before prebuilt stores
    settings.manifest_file.write_text(json.dumps(manifest))
    opened = open_store(settings)
    assert opened.path is None
    assert opened.triple_count() == open_store(built_settings).triple_count()


def test_a_manifest_cannot_point_outside_the_store_directory(tmp_path, built_settings):
    settings = replace(built_settings, build_dir=tmp_path)
    (tmp_path / "store").mkdir()
    settings.manifest_file.write_text(json.dumps({"store": "../../etc"}))
    assert prebuilt.locate(settings.build_dir, settings.manifest_file) is None
    with pytest.raises(GraphUnavailable, match="aula-kg build"):
        open_store(settings)


def test_workers_open_the_prebuilt_store_instead_of_a_copy(built_settings):
    opened = open_store(built_settings)
    pool = WorkerPool.for_store(opened, size=2, timeout=10.0)
    try:
        assert pool.snapshot == opened.path
        pool.start()
        out = asyncio.run(pool.run(QueryRequest(COUNT_COMMUNES, results_format="csv")))
        expected = opened.select(COUNT_COMMUNES).rows[0][0]
        assert out.body.decode().splitlines()[1] == str(expected)
    finally:
        pool.close()
    assert opened.path.is_dir()  # the pool never removes a store it did not make


def test_rebuilds_keep_the_current_and_the_previous_store_only(tmp_path, built_settings):
    home = tmp_path / "home"
    for name in ("ontology", "shapes", "queries", "data"):
        shutil.copytree(built_settings.home / name, home / name)
    settings = replace(built_settings, home=home, build_dir=tmp_path / "build")
    names = []
    for edition in range(3):
        (home / "data" / "zz-edition.ttl").write_text(
            "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
            f"<https://w3id.org/aula-kg/ontology> rdfs:comment \"edition {edition}\"@en .\n"
        )
        # A directory a killed build left behind is swept by the next good one.
        (settings.build_dir / "store" / f".tmp-killed{edition}").mkdir(parents=True)
        build(settings)
        names.append(json.loads(settings.manifest_file.read_text())["store"].split("/")[1])
    assert len(set(names)) == 3
    assert _store_dirs(settings) == sorted(names[1:])


def test_a_failed_build_leaves_the_previous_store(tmp_path, built_settings, monkeypatch):
    from aula_kg import build as build_module

    settings = replace(built_settings, build_dir=tmp_path / "build")
    build(settings)
    before = _store_dirs(settings)
    manifest = settings.manifest_file.read_bytes()
    monkeypatch.setattr(build_module, "failing_checks", lambda store, catalog: ["rows"])
    with pytest.raises(ValidationFailed):
        build(settings)
    assert _store_dirs(settings) == before  # no temporary directory left either
    assert settings.manifest_file.read_bytes() == manifest
    assert open_store(settings).triple_count() > 0


def test_server_workers_hold_a_small_graph_in_memory_and_a_large_one_on_disk(
        built_settings, monkeypatch):
    """An in-memory store answers about twice as fast as the read-only RocksDB one, so the
    server's workers load a copy of a small prebuilt store; above the threshold they open
    the store itself, shared through the page cache."""
    from aula_kg.store import Limits, workers

    opened = open_store(built_settings)
    pool = opened.executor(Limits(timeout=10.0, workers=1))
    try:
        assert pool.snapshot != opened.path and pool.snapshot.is_file()
        pool.start()
        out = asyncio.run(pool.run(QueryRequest(COUNT_COMMUNES, results_format="csv")))
        expected = opened.select(COUNT_COMMUNES).rows[0][0]
        assert out.body.decode().splitlines()[1] == str(expected)
    finally:
        pool.close()
    assert not pool.snapshot.exists()  # the copy goes with the pool
    monkeypatch.setattr(workers, "IN_MEMORY_MAX_BYTES", 0)
    large = opened.executor(Limits(workers=1))
    try:
        assert large.snapshot == opened.path
    finally:
        large.close()


def test_the_sparql_command_runs_in_process_with_the_servers_rules(cli_env, capsys,
                                                                   monkeypatch):
    """`aula-kg sparql` starts no worker: the in-process executor applies the server's
    checks and row cap on the prebuilt store."""
    from aula_kg.cli import main
    from aula_kg.store import workers

    monkeypatch.setattr(workers.WorkerPool, "start", None)  # a worker start would fail
    assert main(["sparql", COUNT_COMMUNES, "--format", "csv"]) == 0
    count = capsys.readouterr().out.splitlines()
    assert count[0] == "n" and int(count[1]) > 0
    assert main(["sparql", "ASK { ?s ?p ?o }"]) == 0
    assert capsys.readouterr().out.strip() == "true"
    assert main(["sparql", "CONSTRUCT WHERE { ?c a <http://rdf.insee.fr/def/geo#Commune> }"]) == 0
    turtle = capsys.readouterr().out
    assert "geo: <http://rdf.insee.fr/def/geo#> ." in turtle and "geo:Commune ." in turtle
    monkeypatch.setenv("AULA_KG_MAX_ROWS", "2")
    assert main(["sparql", "SELECT ?s WHERE { ?s ?p ?o }", "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 3 and "truncated at 2 rows" in err
    assert main(["sparql", "DROP ALL"]) == 2
    assert "read-only" in capsys.readouterr().err
