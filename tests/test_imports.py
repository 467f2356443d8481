"""Open-data importers on small fixtures in each source's format (tests/fixtures/opendata).

Offline and deterministic: the fixtures are a handful of real communes (Béthune, Lens,
Hesdin-la-Forêt and the communes merged into it...) plus a few outside the AULA territory.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from aula_kg import vocab
from aula_kg.commands import imports as import_command
from aula_kg.errors import InputError
from aula_kg.imports import SOURCES, run, run_all
from aula_kg.imports.reading import iter_csv, iter_json_array
from aula_kg.imports.territory import Territory

FIXTURES = Path(__file__).parent / "fixtures" / "opendata"
MALFORMED = FIXTURES / "malformed"
COG_DIR = FIXTURES / "decoupage-administratif-6.0.0"

PREFIXES = """
PREFIX aula: <https://w3id.org/aula-kg/ontology#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
PREFIX id: <https://w3id.org/aula-kg/id/>
"""


def load(out: Path) -> ox.Store:
    store = ox.Store()
    for path in sorted(out.glob("*.trig")):
        store.load(path=str(path), format=ox.RdfFormat.TRIG)
    return store


def select(store: ox.Store, query: str):
    """Rows as tuples of lexical values (or a bool for ASK)."""
    rows = store.query(PREFIXES + query, use_default_graph_as_union=True)
    if isinstance(rows, ox.QueryBoolean):
        return bool(rows)
    variables = [v for v in rows.variables]
    return [tuple(None if s[v] is None else s[v].value for v in variables) for s in rows]


@pytest.fixture(scope="module")
def aula_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("aula")
    run_all(FIXTURES, out, scope="aula", quiet=True)
    return out


@pytest.fixture(scope="module")
def france_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("france")
    run_all(FIXTURES, out, scope="france", quiet=True)
    return out


# ---------------------------------------------------------------- readers


def test_json_reader_gives_the_line_of_each_record():
    lines = [line for line, _ in iter_json_array(COG_DIR / "communes.json.gz")]
    assert lines[:3] == [2, 3, 4]


def test_csv_reader_gives_the_line_a_row_starts_on_even_after_a_multiline_cell():
    rows = list(iter_csv(FIXTURES / "ort_dgaln_grist_zlv.csv", ["Code commune"]))
    assert [(line, row["Code commune"]) for line, row in rows] == [
        (2, "62119"),
        (4, "62461"),
        (5, "62498"),
        (6, "59350"),
        (7, "62907"),
    ]


# ---------------------------------------------------------------- scope, COG


def test_each_source_writes_exactly_its_named_graph(aula_out):
    assert sorted(p.name for p in aula_out.glob("*.trig")) == sorted(f"{s}.trig" for s in SOURCES)
    for source in SOURCES:
        store = ox.Store()
        store.load(path=str(aula_out / f"{source}.trig"), format=ox.RdfFormat.TRIG)
        assert [g.value for g in store.named_graphs()] == [str(vocab.opendata_graph(source))]
        assert not any(q.graph_name == ox.DefaultGraph() for q in store)


def test_aula_scope_keeps_the_five_epci_and_their_members_only(aula_out, france_out):
    aula = load(aula_out)
    epci = select(aula, "SELECT ?e WHERE { ?e a igeo:Intercommunalite } ORDER BY ?e")
    assert [e for (e,) in epci] == [
        str(vocab.epci(s))
        for s in ("200044030", "200069672", "200072460", "246200299", "246200364")
    ]
    communes = select(aula, "SELECT ?code WHERE { ?c a igeo:Commune ; igeo:codeINSEE ?code }")
    assert sorted(c for (c,) in communes) == [
        "62119",
        "62178",
        "62361",
        "62427",
        "62447",
        "62498",
        "62510",
        "62907",
    ]
    france = load(france_out)
    communes = select(france, "SELECT ?code WHERE { ?c a igeo:Commune ; igeo:codeINSEE ?code }")
    assert {"59350", "75056"} <= {c for (c,) in communes}
    assert "75101" not in {c for (c,) in communes}  # arrondissement municipal


def test_commune_description(aula_out):
    store = load(aula_out)
    rows = select(
        store,
        """
        SELECT ?label ?siren ?cp ?epci ?dep ?reg WHERE {
          id:commune\\/62119 rdfs:label ?label ; aula:siren ?siren ; aula:postalCode ?cp ;
            igeo:subdivisionDirecteDe ?epci ; aula:departement ?dep ; aula:region ?reg }""",
    )
    assert rows == [
        (
            "Béthune",
            "216201194",
            "62400",
            str(vocab.epci("200072460")),
            str(vocab.departement("62")),
            str(vocab.region("32")),
        )
    ]
    body = select(
        store,
        f"SELECT ?t WHERE {{ <{vocab.epci_body('200072460')}> a ?t ; "
        f"aula:governs <{vocab.epci('200072460')}> }}",
    )
    assert ("http://www.w3.org/ns/org#FormalOrganization",) in body
    kind = select(
        store,
        f"ASK {{ <{vocab.epci('200072460')}> a aula:CommunauteAgglomeration ;"
        f" igeo:subdivisionDirecte <{vocab.commune('62178')}> }}",
    )
    assert kind


def test_merged_communes_resolve_to_hesdin_la_foret(aula_out):
    store = load(aula_out)
    rows = select(
        store,
        """
        SELECT ?old ?label ?today ?merged WHERE {
          GRAPH <https://w3id.org/aula-kg/graph/opendata/cog> {
          ?f a aula:FormerCommune ; igeo:codeINSEE ?old ; dcterms:isReplacedBy ?t ;
             aula:mergedOn ?merged . OPTIONAL { ?f rdfs:label ?label }
          ?t igeo:codeINSEE ?today } } ORDER BY ?old""",
    )
    assert rows == [
        ("62461", "Huby-Saint-Leu", "62447", "2025-01-01"),
        ("62549", "Marconne", "62447", "2025-01-01"),
        ("62743", "Sainte-Austreberthe", "62447", "2025-01-01"),
    ]
    # Hesdin kept its code: its name is an alternative label of today's commune.
    assert select(
        store,
        'ASK { id:commune\\/62447 rdfs:label "Hesdin-la-Forêt" ; '
        '<http://www.w3.org/2004/02/skos/core#altLabel> "Hesdin" }',
    )
    # The ORT list names Huby-Saint-Leu: the laureateship is today's commune's.
    rows = select(
        store,
        """SELECT ?c ?as ?d WHERE { GRAPH ?g { id:laureateship\\/ort\\/62447
        aula:laureate ?c ; aula:recordedAs ?as ; aula:signatureDate ?d } }""",
    )
    assert (str(vocab.commune("62447")), str(vocab.commune("62461")), "2022-07-12") in rows


def test_territory_resolves_former_codes():
    territory = Territory.from_cog(COG_DIR, "aula")
    assert territory.resolve("62461") == territory.resolve("62447") == "62447"
    assert territory.resolve("62549") == territory.resolve("62743") == "62447"
    assert territory.resolve("01053") is None
    assert territory.in_scope("62447") and not territory.in_scope("59350")


def test_populations_are_data_cube_observations(aula_out):
    store = load(aula_out)
    rows = select(
        store,
        """
        SELECT ?obs ?year ?pop ?kind WHERE { ?obs a qb:Observation ;
          sdmx-dimension:refArea id:commune\\/62498 ; sdmx-dimension:refPeriod ?year ;
          aula:population ?pop ; aula:populationKind ?kind ;
          qb:dataSet id:dataset\\/cog-population ;
          prov:wasDerivedFrom id:dataset\\/cog }""",
    )
    assert rows == [
        (
            str(vocab.ID["observation/population-municipale/62498/2023"]),
            "2023",
            "32618",
            str(vocab.ID["population-kind/municipale"]),
        )
    ]
    kinds = select(
        store,
        f"""SELECT ?kind WHERE {{ ?o sdmx-dimension:refArea
        <{vocab.epci("246200364")}> ; aula:populationKind ?kind }} ORDER BY ?kind""",
    )
    assert len(kinds) == 2


# ---------------------------------------------------------------- programmes


def test_acv_conventions_are_shared_by_the_pair_with_the_2018_date(aula_out):
    store = load(aula_out)
    rows = select(
        store,
        """
        SELECT ?id ?date ?name WHERE { GRAPH <https://w3id.org/aula-kg/graph/opendata/acv> {
          ?c a aula:Convention ; aula:conventionId ?id ; aula:signatureDate ?date ;
             aula:signatory ?s ; aula:programme id:programme\\/acv } ?s rdfs:label ?name }
        ORDER BY ?id ?name""",
    )
    assert rows == [
        ("acv-031", "2018-09-24", "Bruay-la-Buissière"),
        ("acv-031", "2018-09-24", "Béthune"),
        ("acv-113", "2018-09-20", "Lens"),
        ("acv-113", "2018-09-20", "Liévin"),
    ]


def test_acv2_date_is_another_convention_not_the_2018_one(aula_out):
    store = load(aula_out)
    dates = select(
        store,
        """SELECT ?g ?d WHERE { GRAPH ?g {
        id:laureateship\\/acv\\/62119 aula:signatureDate ?d } }""",
    )
    assert dates == [("https://w3id.org/aula-kg/graph/opendata/acv", "2018-09-24")]
    acv2 = select(
        store,
        """SELECT DISTINCT ?d WHERE { id:laureateship\\/acv\\/62119 aula:convention ?c .
        ?c aula:signatureDate ?d }""",
    )
    assert sorted(d for (d,) in acv2) == ["2018-09-24", "2024-01-03"]


def test_pvd_laureates_of_january_2021_with_gazetteer_dates(aula_out):
    store = load(aula_out)
    rows = select(
        store,
        """
        SELECT ?code ?date WHERE { GRAPH <https://w3id.org/aula-kg/graph/opendata/pvd> {
          ?l a aula:Laureateship ; aula:programme id:programme\\/pvd ; aula:laureate ?c ;
             aula:signatureDate ?date ; prov:wasDerivedFrom id:dataset\\/pvd }
          ?c igeo:codeINSEE ?code } ORDER BY ?code""",
    )
    assert rows == [("62361", "2021-04-19"), ("62447", "2021-04-15"), ("62907", "2021-07-23")]
    assert select(store, "ASK { id:commune\\/62907 aula:laureateOf id:programme\\/pvd }")


def test_ngeo_programmes_and_multiple_ids(aula_out):
    store = load(aula_out)
    ids = select(
        store,
        """SELECT ?id WHERE {
        id:laureateship\\/france-services\\/62119 dcterms:identifier ?id } ORDER BY ?id""",
    )
    assert [i for (i,) in ids] == ["2462", "371", "372"]
    # Huby-Saint-Leu's Villages d'avenir (COG 2023 code) lands on Hesdin-la-Forêt.
    assert select(
        store, "ASK { id:commune\\/62447 aula:laureateOf id:programme\\/villages-d-avenir }"
    )
    assert select(
        store, "ASK { id:programme\\/territoires-d-industrie a aula:Programme ; rdfs:label ?l }"
    )
    assert not select(store, "ASK { ?l aula:programme ?p FILTER(CONTAINS(STR(?p), 'crte')) }")


def test_ort_only_signed_operations(aula_out):
    store = load(aula_out)
    rows = select(
        store,
        """SELECT ?c WHERE { GRAPH <https://w3id.org/aula-kg/graph/opendata/ort> {
        ?l aula:programme id:programme\\/ort ; aula:laureate ?c } } ORDER BY ?c""",
    )
    assert rows == [(str(vocab.commune("62119")),), (str(vocab.commune("62447")),)]


def test_unknown_and_out_of_scope_codes_are_skipped_with_reasons(tmp_path):
    report = run("acv", FIXTURES, tmp_path, scope="aula", quiet=True)
    assert report.kept == 4
    assert report.skipped == {"INSEE code unknown to the COG": 1, "commune outside the scope": 1}
    report = run("pvd", FIXTURES, tmp_path, scope="france", quiet=True)
    assert report.kept == 4 and sum(report.skipped.values()) == 1  # the template row
    assert "Trifouilly" in next(iter(report.skipped))


def test_acv_2025_edition_is_optional_and_has_its_own_graph(tmp_path):
    report = run("acv", FIXTURES / "acv_communes_anct-carto_2025-04.csv", tmp_path, quiet=True)
    assert report.output.name == "acv-2025-04.trig"
    store = load(tmp_path)
    assert [g.value for g in store.named_graphs()] == [str(vocab.opendata_graph("acv-2025-04"))]
    assert not select(store, "ASK { ?l aula:signatureDate ?d }")


# ---------------------------------------------------------------- provenance


def test_dataset_description_tells_the_edition_and_file(aula_out):
    store = load(aula_out)
    rows = select(
        store,
        """
        SELECT ?edition ?file ?sum ?licence ?started WHERE {
          GRAPH <https://w3id.org/aula-kg/graph/opendata/cog> {
            <https://w3id.org/aula-kg/graph/opendata/cog> prov:wasDerivedFrom ?ds ;
               prov:wasGeneratedBy ?act .
            ?act prov:startedAtTime ?started .
            ?ds aula:edition ?edition ; dcterms:license ?licence ;
                <http://www.w3.org/ns/dcat#distribution> ?dist .
            ?dist dcterms:title ?file ; <http://spdx.org/rdf/terms#checksum> ?c .
            ?c <http://spdx.org/rdf/terms#checksumValue> ?sum } } ORDER BY ?file""",
    )
    assert [r[1] for r in rows] == [
        "communes.json.gz",
        "departements.json.gz",
        "epci.json.gz",
        "regions.json.gz",
    ]
    assert {r[0] for r in rows} == {"2026"}
    assert all(len(r[2]) == 64 for r in rows)


def test_which_edition_a_fact_comes_from(aula_out):
    """The PVD laureateship of Hesdin-la-Forêt is stated by two sources of two editions."""
    store = load(aula_out)
    rows = select(
        store,
        """SELECT ?edition WHERE { GRAPH ?g {
        id:laureateship\\/pvd\\/62447 aula:laureate ?c } ?g prov:wasDerivedFrom ?ds .
        ?ds aula:edition ?edition } ORDER BY ?edition""",
    )
    assert rows == [("2021-01-22",), ("2023",)]


# ---------------------------------------------------------------- idempotence, atomicity


def test_reimport_is_byte_identical(tmp_path):
    run_all(FIXTURES, tmp_path, quiet=True)
    before = {p.name: p.read_bytes() for p in tmp_path.glob("*.trig")}
    reports = run_all(FIXTURES, tmp_path, quiet=True)
    after = {p.name: p.read_bytes() for p in tmp_path.glob("*.trig")}
    assert before == after
    assert not any(r.changed for r in reports)
    # A fresh directory gives the same text, the import time aside.
    other = tmp_path / "again"
    run_all(FIXTURES, other, quiet=True)
    strip = lambda b: b"\n".join(x for x in b.splitlines() if b"startedAtTime" not in x)  # noqa: E731
    assert {n: strip(b) for n, b in before.items()} == {
        p.name: strip(p.read_bytes()) for p in other.glob("*.trig")
    }


@pytest.mark.parametrize(
    ("source", "from_name", "where", "words"),
    [
        ("acv", "acv_communes_anct-carto_2024-09.csv", ":4:", "not a date"),
        ("pvd", "pvd_communes_anct-carto_2021-01-22.csv", ":3:", "not an INSEE commune code"),
        ("ort", "ort_dgaln_grist_zlv.csv", ":4:", "expected 19 fields, found 18"),
        ("programmes", "anct_programmes_gazetteer.csv", ":3:", "expected 0 or 1"),
        ("cog", "decoupage-administratif-6.0.0", "communes.json.gz:4:", "'nom'"),
    ],
)
def test_malformed_row_names_file_and_line_and_leaves_previous_file(
    tmp_path, source, from_name, where, words
):
    run_all(FIXTURES, tmp_path, quiet=True)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(InputError) as error:
        run(source, MALFORMED / from_name, tmp_path, cog=COG_DIR, quiet=True)
    assert from_name.split("/")[-1] in error.value.message.split(":")[0] or source == "cog"
    assert where in error.value.message and words in error.value.message
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no temp file left


def test_truncated_json_is_reported_with_its_line(tmp_path):
    with pytest.raises(InputError, match=r"communes\.json\.gz:\d+: invalid JSON"):
        run("cog", MALFORMED / "truncated", tmp_path, quiet=True)
    assert list(tmp_path.iterdir()) == []


def test_missing_input_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        run("acv", tmp_path / "nowhere", tmp_path, quiet=True)


# ---------------------------------------------------------------- command line


def _command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="aula-kg")
    import_command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.handler(args)


def test_command_writes_the_slice_and_prints_a_summary(tmp_path, capsys):
    assert (
        _command(
            ["import", "all", "--scope", "aula", "--from", str(FIXTURES), "--out", str(tmp_path)]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "cog:" in err and "records read" in err and "triples" in err
    assert "skipped 1: INSEE code unknown to the COG" in err


def test_command_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    from aula_kg import cli

    shutil.copy(MALFORMED / "acv_communes_anct-carto_2024-09.csv", tmp_path)
    (tmp_path / "decoupage-administratif-6.0.0").symlink_to(COG_DIR)
    modules = cli.COMMAND_MODULES
    cli.COMMAND_MODULES = ["aula_kg.commands.imports"]
    try:
        code = cli.main(["import", "acv", "--from", str(tmp_path), "--out", str(tmp_path / "o")])
    finally:
        cli.COMMAND_MODULES = modules
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert (
        len(err) == 1 and err[0].startswith("aula-kg: ") and ":4: column date_signature" in err[0]
    )
    assert not (tmp_path / "o").exists()


# ---------------------------------------------------------------- shapes and ontology


ROOT = Path(__file__).resolve().parents[1]


def _union(out: Path):
    """The union of the imported graphs as one rdflib graph (parsed by pyoxigraph)."""
    import rdflib

    from aula_kg.store.terms import to_rdflib

    graph = rdflib.Graph()
    for quad in load(out):
        graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    return graph


def test_imported_graphs_conform_to_the_opendata_shapes(france_out):
    import pyshacl
    import rdflib

    shapes = rdflib.Graph().parse(ROOT / "shapes" / "opendata.ttl")
    conforms, _, text = pyshacl.validate(_union(france_out), shacl_graph=shapes)
    assert conforms, text


def test_a_laureateship_without_commune_is_reported_by_its_shape(aula_out):
    import pyshacl
    import rdflib
    from rdflib.namespace import RDF, SH

    shapes = rdflib.Graph().parse(ROOT / "shapes" / "opendata.ttl")
    data = _union(aula_out)
    lau = vocab.ID["laureateship/ort/62119"]
    data.remove((lau, vocab.AULA.laureate, None))
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes)
    assert not conforms
    results = [
        (report.value(r, SH.focusNode), report.value(r, SH.sourceShape))
        for r in report.subjects(RDF.type, SH.ValidationResult)
    ]
    assert results == [(lau, vocab.AULASH["LaureateshipShape-laureate"])]


def test_opendata_ontology_terms_are_fully_described():
    import rdflib
    from rdflib.namespace import RDFS, SKOS

    graph = rdflib.Graph().parse(ROOT / "ontology" / "opendata.ttl")
    terms = set(graph.subjects(RDFS.isDefinedBy, None))
    assert {vocab.AULA.edition, vocab.AULA.importScope, vocab.AULA.recordedAs} <= terms
    for term in terms:
        for prop in (RDFS.label, SKOS.definition):
            langs = sorted(o.language for o in graph.objects(term, prop))
            assert langs == ["en", "fr"], (term, prop)
        assert graph.value(term, RDFS.isDefinedBy) == vocab.ONTOLOGY_IRI
