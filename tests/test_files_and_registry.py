"""The one atomic write and canonical writer (aula_kg.files), the importers' registry, the IRIs
minted in vocab, and the writers' lock: every writer refuses while another process writes to
the same directory."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from aula_kg import cli, files, vocab
from aula_kg.errors import InputError, LockBusy
from aula_kg.imports import registry, run

SRC = Path(__file__).resolve().parents[1] / "src"
FIXTURES = Path(__file__).parent / "fixtures" / "opendata"


# --------------------------------------------------------------------------- atomic write


def test_write_atomically_replaces_keeps_the_mode_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.ttl"
    files.write_atomically(target, b"first\n")
    assert target.read_bytes() == b"first\n"
    assert target.stat().st_mode & 0o777 == files.FILE_MODE
    target.chmod(0o600)
    files.write_atomically(target, b"second\n")
    assert target.read_bytes() == b"second\n"
    assert target.stat().st_mode & 0o777 == 0o600  # an existing file keeps its mode
    assert [p.name for p in tmp_path.iterdir()] == ["out.ttl"]


def test_a_failed_write_leaves_the_previous_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "out.ttl"
    target.write_bytes(b"good\n")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        files.write_atomically(target, b"half")
    assert target.read_bytes() == b"good\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.ttl"]


def test_the_next_writer_sweeps_what_a_killed_writer_left(tmp_path):
    stale = tmp_path / ".out.ttl.abc123.tmp"
    stale.write_bytes(b"half a file")
    other = tmp_path / ".other.ttl.abc123.tmp"  # another file's leftover: not ours to sweep
    other.write_bytes(b"x")
    assert files.temporary_files(tmp_path, "out.ttl") == [stale]
    files.write_atomically(tmp_path / "out.ttl", b"whole\n")
    assert not stale.exists() and other.exists()


def test_write_if_changed_leaves_the_same_bytes_alone(tmp_path):
    target = tmp_path / "a.json"
    assert files.write_if_changed(target, b"{}\n")
    before = target.stat().st_mtime_ns
    time.sleep(0.01)
    assert not files.write_if_changed(target, b"{}\n")
    assert target.stat().st_mtime_ns == before


# --------------------------------------------------------------------------- canonical writer


EX = "https://w3id.org/aula-kg/id/"


def sample_triples():
    s1, s2 = URIRef(EX + "commune/62119"), URIRef(EX + "commune/62498")
    return [
        (s2, RDFS.label, Literal("Lens")),
        (s1, RDFS.label, Literal("Béthune", lang="fr")),
        (s1, RDF.type, vocab.IGEO.Commune),
        (s1, vocab.AULA.population, Literal("25000", datatype=XSD.integer)),
        (s1, RDFS.comment, Literal('a "quoted"\tline\nand another')),
        (s1, RDFS.seeAlso, URIRef(EX + "pair/bethune-bruay")),
        (s1, RDFS.seeAlso, URIRef(EX + "epci/200072460")),
    ]


def test_trig_is_canonical_whatever_the_order_and_parses_back():
    graph = URIRef(EX.replace("/id/", "/graph/") + "opendata/sample")
    triples = sample_triples()
    one = files.canonical_trig(triples, graph, "A header", vocab.PREFIXES)
    two = files.canonical_trig(list(reversed(triples)), graph, "A header", vocab.PREFIXES)
    assert one == two
    assert one.startswith("# A header\n@prefix aula: <")
    # one line per literal whatever it holds; rdf:type first; IRIs compacted only when safe
    assert r'"a \"quoted\"\tline\nand another"' in one
    assert "  <https://w3id.org/aula-kg/id/commune/62119>\n    a igeo:Commune ;" in one
    assert '"25000"^^xsd:integer' in one
    store = ox.Store()
    store.load(one.encode(), format=ox.RdfFormat.TRIG)
    assert len(store) == len(triples)
    comment = next(iter(store.quads_for_pattern(None, ox.NamedNode(str(RDFS.comment)), None)))
    assert comment.object.value == 'a "quoted"\tline\nand another'


def test_turtle_layout_keeps_short_object_lists_on_one_line_and_wraps_long_ones():
    writer = files.TurtleWriter({"rdfs": str(RDFS)}, files.TURTLE_LAYOUT, base=EX)
    subject = URIRef(EX + "action/x")
    short = writer.block(subject, {RDFS.seeAlso: [URIRef(EX + "a"), URIRef(EX + "b")]})
    assert short == "<action/x> rdfs:seeAlso <a> , <b> ."
    many = [URIRef(EX + f"source/a-rather-long-section-name-{i}") for i in range(4)]
    wrapped = writer.block(subject, {RDFS.seeAlso: many})
    assert wrapped.splitlines()[1] == "        <source/a-rather-long-section-name-1> ,"


def test_one_curie_compactor():
    assert vocab.curie(vocab.AULA.Action) == "aula:Action"
    assert vocab.curie(EX + "commune/62119") == "id:commune/62119"  # shown, not written
    assert vocab.compactor(turtle=True)(EX + "commune/62119") is None
    assert vocab.curie("http://example.org/x") is None
    assert vocab.shorten("http://example.org/x") == "http://example.org/x"
    assert vocab.expand("aula:Action") == vocab.AULA.Action


# --------------------------------------------------------------------------- IRIs in vocab


def test_iris_are_minted_in_vocab_in_the_published_scheme():
    assert vocab.dataset("cog") == URIRef(EX + "dataset/cog")
    assert vocab.distribution("cog", "communes.json.gz") == URIRef(
        EX + "dataset/cog/distribution/communes-json-gz")
    assert vocab.programme("acv") == URIRef(EX + "programme/acv")
    assert vocab.laureateship("pvd", "62447") == URIRef(EX + "laureateship/pvd/62447")
    assert vocab.population_observation("municipale", "62119", 2023) == URIRef(
        EX + "observation/population-municipale/62119/2023")
    assert vocab.query("unexplored_recommendations") == URIRef(
        EX + "query/unexplored_recommendations")
    assert vocab.query_parameter("q", "territory") == URIRef(EX + "query/q/parameter/territory")
    assert vocab.parameter_path("territory") == URIRef(EX + "query-parameter/territory")
    assert vocab.AULA_TERRITORY == URIRef(EX + "territory/aula")
    citation = vocab.citation("Compte rendu du comité de pilotage")
    assert vocab.is_citation(citation) and citation == vocab.citation(
        "Compte rendu du comité de pilotage")


def test_no_importer_mints_iris_itself():
    """ARCHITECTURE.md: vocab is the only place IRIs are minted."""
    package = SRC / "aula_kg" / "imports"
    offenders = [
        f"{path.relative_to(package)}:{number}"
        for path in sorted(package.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if "ID[" in line or 'URIRef(f"' in line or "_BASE +" in line
    ]
    assert offenders == []


# --------------------------------------------------------------------------- registry


def test_the_registry_lists_the_sources_in_import_order():
    assert registry.names() == ("cog", "acv", "pvd", "programmes", "ort")
    with pytest.raises(InputError, match="unknown source 'nope'; expected one of cog, acv"):
        registry.get("nope")


SAMPLE_MODULE = '''
"""A source added for the test: one label per commune of the scope."""
from pathlib import Path

from rdflib import Literal

from aula_kg import vocab
from aula_kg.imports.namespaces import RDFS
from aula_kg.imports.provenance import LICENCE_OUVERTE_2, SourceInfo
from aula_kg.imports.reading import find_file, iter_csv
from aula_kg.imports.report import Triples

NAME = "sample"
ORDER = 99
SUMMARY = "a sample source"


def locate(from_path):
    return {"list": find_file(from_path, "ort_dgaln_grist_zlv.csv", "sample list")}


def describe(located):
    return SourceInfo(key=NAME, title_fr="Exemple", title_en="Sample", publisher="etalab",
                      licence=LICENCE_OUVERTE_2, edition="2026")


def build(located, territory, report):
    graph = Triples()
    for _, row in iter_csv(located["list"], ("Code commune",)):
        report.tick()
        code = territory.resolve(row["Code commune"].strip())
        if code and territory.in_scope(code):
            report.kept += 1
            graph.add((vocab.commune(code), RDFS.comment, Literal("sample")))
    return graph, [located["list"]]
'''


@pytest.fixture
def extra_source(tmp_path, monkeypatch):
    """A directory of extra source modules, added to the opendata package's path."""
    import aula_kg.imports.opendata as package

    directory = tmp_path / "more_sources"
    directory.mkdir()
    (directory / "sample.py").write_text(textwrap.dedent(SAMPLE_MODULE), encoding="utf-8")
    monkeypatch.setattr(package, "__path__", [*package.__path__, str(directory)])
    yield directory
    sys.modules.pop(f"{registry.PACKAGE}.sample", None)


def test_a_new_source_module_is_picked_up_by_import_and_the_help(extra_source, tmp_path,
                                                                   capsys):
    assert registry.names()[-1] == "sample"
    out = tmp_path / "out"
    report = run("sample", FIXTURES, out, scope="aula", quiet=True)
    assert report.kept > 0 and (out / "sample.trig").is_file()
    text = (out / "sample.trig").read_text(encoding="utf-8")
    assert "<https://w3id.org/aula-kg/graph/opendata/sample> {" in text
    assert "dcat:Dataset" in text and "prov:wasGeneratedBy" in text  # described like the others
    with pytest.raises(SystemExit):
        cli.main(["import", "--help"])
    assert "sample (a sample source)" in capsys.readouterr().out.replace("\n", " ")


# --------------------------------------------------------------------------- the lock


@pytest.fixture
def lock_held_by_another_process():
    """Hold a directory's lock in another process until the test ends."""
    processes = []

    def hold(directory: Path) -> None:
        env = dict(os.environ, PYTHONPATH=str(SRC))
        code = ("import sys, time\nfrom aula_kg import locking\n"
                "with locking.hold(sys.argv[1], 'holder'):\n"
                "    print('held', flush=True)\n    time.sleep(60)\n")
        process = subprocess.Popen([sys.executable, "-c", code, str(directory)], env=env,
                                   stdout=subprocess.PIPE, text=True)
        processes.append(process)
        assert process.stdout.readline().strip() == "held"

    yield hold
    for process in processes:
        process.kill()
        process.wait()


def test_write_atomically_refuses_while_another_process_writes(tmp_path,
                                                               lock_held_by_another_process):
    lock_held_by_another_process(tmp_path)
    with pytest.raises(LockBusy, match="another aula-kg process is writing"):
        files.write_atomically(tmp_path / "x.ttl", b"x", timeout=0)
    assert not (tmp_path / "x.ttl").exists()


def test_open_data_import_refuses_while_another_process_writes(
        tmp_path, monkeypatch, lock_held_by_another_process):
    out = tmp_path / "out"
    lock_held_by_another_process(out)
    monkeypatch.setenv("AULA_KG_LOCK_TIMEOUT", "0.2")
    with pytest.raises(LockBusy, match="after waiting 0.2 s"):
        run("ort", FIXTURES, out, scope="aula", quiet=True)
    assert list(out.iterdir()) == []


def test_import_boundaries_refuses_while_another_process_writes(
        tmp_path, monkeypatch, store, lock_held_by_another_process):
    """``import boundaries`` reads the built graph's store and writes under the lock."""
    from aula_kg.imports.boundaries import import_boundaries

    out = tmp_path / "opendata" / "communes-aula.geojson"
    geo = Path(__file__).parent / "fixtures" / "geo" / "communes-mini.geojson"
    lock_held_by_another_process(out.parent)
    monkeypatch.setenv("AULA_KG_LOCK_TIMEOUT", "0")
    with pytest.raises(LockBusy):
        import_boundaries(geo, out=out, store=store)
    assert not out.exists()


def test_import_actions_refuses_while_another_process_writes(tmp_path, monkeypatch, capsys,
                                                             lock_held_by_another_process):
    home = tmp_path / "home"
    (home / "data").mkdir(parents=True)
    monkeypatch.setenv("AULA_KG_HOME", str(home))
    monkeypatch.setenv("AULA_KG_LOCK_TIMEOUT", "0")
    lock_held_by_another_process(home / "data")
    sheet = Path(__file__).parent / "fixtures" / "actions" / "valid.csv"
    assert cli.main(["import", "actions", str(sheet)]) == LockBusy.exit_code
    assert "another aula-kg process is writing" in capsys.readouterr().err
    assert list((home / "data").iterdir()) == []
