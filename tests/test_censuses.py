"""Censuses of actions (issue 12): three states, never two, on every face; a second census
compared with the first; the census sheet of the planners' spreadsheet; no lost update when
two planners import from the same export.

Tests that write work on a copy of the project home (ontology/, shapes/, data/, queries/),
so the real data/ is never modified.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aula_kg import cli
from aula_kg.answering import run_query
from aula_kg.build import build
from aula_kg.catalog import Catalog
from aula_kg.config import Settings
from aula_kg.imports import actions as entry
from aula_kg.store import open_store
from aula_kg.territories import NameIndex
from aula_kg.web import create_app

REPO = Path(__file__).resolve().parents[1]
SECOND_CENSUS = Path(__file__).resolve().parent / "fixtures" / "censuses" / "acv-2026.ttl"
CATALOG = Catalog.load(Settings.from_env().queries_dir)
ACV_2021 = "https://w3id.org/aula-kg/id/census/acv-2021-10"


def answer(store, name, **params):
    result = run_query(store, CATALOG.get(name), params, NameIndex(store))
    return [{v: (None if t is None else str(t)) for v, t in zip(result.variables, row, strict=True)}
            for row in result.rows]


def states(store, territory):
    return [(r["label"], r["state"]) for r in
            answer(store, "unexplored_recommendations", territory=territory)]


# --------------------------------------------------------------------------- the seed


def test_seed_answers_stay_with_their_census_and_date(store):
    """Lens-Liévin: Organisation and Régulation unexplored, from the October 2021 census."""
    rows = answer(store, "unexplored_recommendations", territory="Lens-Liévin")
    assert [(r["label"], r["state"], r["upstream_documents"]) for r in rows] == [
        ("Organisation", "unexplored", "SCoT de Lens-Liévin-Hénin-Carvin"),
        ("Régulation", "unexplored", "SCoT de Lens-Liévin-Hénin-Carvin"),
    ]
    assert {(r["census"], r["census_date"], r["coverage"], r["covered_communes"])
            for r in rows} == {(ACV_2021, "2021-10", "complete", "Lens, Liévin")}
    assert states(store, "Béthune-Bruay") == [("Usages", "unexplored"),
                                              ("Régulation", "unexplored")]
    assert states(store, "Lens") == [("Organisation", "unexplored"),
                                     ("Régulation", "unexplored")]


@pytest.mark.parametrize("territory", [
    "Auxi-le-Château",      # a PVD commune: nobody inventoried its actions
    "CC du Ternois",        # an EPCI without an ACV commune
    "CA d'Hénin-Carvin",    # another one, with Carvin
    "Hesdin-la-Forêt",      # a commune merged since 2018 (Hesdin, Marconne, Huby-Saint-Leu)
    "Carvin",
])
def test_territory_no_census_covers_is_not_assessed(store, territory):
    rows = answer(store, "unexplored_recommendations", territory=territory)
    assert [r["notation"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert {(r["state"], r["coverage"], r["census"], r["census_date"]) for r in rows} == {
        ("not-assessed", "none", None, None)}


def test_partly_covered_epci_names_its_covered_communes(store):
    """The CABBALR was assessed through Béthune and Bruay-La-Buissière only."""
    rows = answer(store, "unexplored_recommendations", territory="CABBALR")
    assert [(r["label"], r["state"]) for r in rows] == [("Usages", "unexplored"),
                                                       ("Régulation", "unexplored")]
    assert {(r["coverage"], r["covered_communes"]) for r in rows} == {
        ("partial", "Béthune, Bruay-la-Buissière")}


def test_coverage_matrix_has_three_states(store):
    rows = answer(store, "coverage_matrix")
    by = {(r["territory_label"], r["notation"]): r for r in rows}
    for epci in ("CC du Ternois", "CC des 7 Vallées", "CA d'Hénin-Carvin"):
        assert {by[(epci, n)]["state"] for n in "12345"} == {"not-assessed"}
        assert by[(epci, "1")]["coverage"] == "none"
    assert by[("Lens-Liévin", "2")]["state"] == "unexplored"
    assert by[("Lens-Liévin", "1")]["state"] == "explored"
    cabbalr = by[("CA de Béthune-Bruay, Artois-Lys Romane", "3")]
    # In the names' code-point order, the one order Virtuoso gives too (see the query).
    assert (cabbalr["state"], cabbalr["coverage"], cabbalr["covered_communes"]) == (
        "unexplored", "partial", "Bruay-la-Buissière, Béthune")
    # "unexplored" only where a census looked
    assert all(r["coverage"] != "none" for r in rows if r["state"] == "unexplored")


def test_dossier_lists_the_census_covering_the_territory(store):
    lens = answer(store, "territory_dossier", territory="Lens")
    assert [(r["item"], r["detail"]) for r in lens if r["section"] == "7 recensement"] == [
        (ACV_2021, "2021-10")]
    auxi = answer(store, "territory_dossier", territory="Auxi-le-Château")
    assert not [r for r in auxi if r["section"] == "7 recensement"]


def test_cli_gives_the_three_states(cli_env, capsys):
    code = cli.main(["query", "unexplored_recommendations", "-p", "territory=Auxi-le-Château",
                     "--format", "json"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert {row["state"] for row in json.loads(out)["rows"]} == {"not-assessed"}


def test_api_gives_the_three_states(built_settings, store):
    with TestClient(create_app(built_settings, store, workers=1)) as client:
        def rows(territory):
            response = client.get("/api/queries/unexplored_recommendations",
                                  params={"territory": territory, "format": "csv"})
            assert response.status_code == 200
            return list(csv.DictReader(io.StringIO(response.text)))

        assert {r["state"] for r in rows("CC du Ternois")} == {"not-assessed"}
        lens = rows("Lens-Liévin")
        assert [(r["label"], r["state"], r["census_date"]) for r in lens] == [
            ("Organisation", "unexplored", "2021-10"), ("Régulation", "unexplored", "2021-10")]
        assert {r["coverage"] for r in rows("CALL")} == {"partial"}


# --------------------------------------------------------------------------- time


@pytest.fixture(scope="module")
def two_censuses(tmp_path_factory):
    """The shipped graph plus a second census (2026) of Lens-Liévin, from a test fixture."""
    settings = replace(Settings.from_env(), home=REPO,
                       build_dir=tmp_path_factory.mktemp("two-censuses"))
    build(settings, extra_data=[SECOND_CENSUS])
    return open_store(settings)


def test_comparison_of_two_censuses(two_censuses):
    rows = answer(two_censuses, "census_comparison", territory="Lens-Liévin",
                  earlier="acv-2021-10", later="acv-2026-03")
    assert [(r["change"], r["item"].rsplit("/", 1)[-1], r["status_before"], r["status_after"])
            for r in rows] == [
        ("1 préconisation devenue explorée", "organisation", None, None),
        ("2 action apparue", "lievin-schema-organisation", None, None),
        ("3 état changé", "lens-etude-flux-orange-2026", "Lancée", "Réalisée"),
    ]
    # Béthune-Bruay was not in the 2026 census: nothing changed there.
    assert answer(two_censuses, "census_comparison", territory="Béthune-Bruay",
                  earlier="acv-2021-10", later="acv-2026-03") == []


def test_latest_census_is_named_and_organisation_is_now_explored(two_censuses):
    rows = answer(two_censuses, "unexplored_recommendations", territory="Lens-Liévin")
    assert [(r["label"], r["state"], r["census_date"]) for r in rows] == [
        ("Régulation", "unexplored", "2026-03")]
    assert rows[0]["census"].split(" ; ") == [ACV_2021, ACV_2021.replace("2021-10", "2026-03")]
    dossier = answer(two_censuses, "territory_dossier", territory="Lens")
    assert sorted(r["detail"] for r in dossier if r["section"] == "7 recensement") == [
        "2021-10", "2026-03"]


# --------------------------------------------------------------------------- spreadsheet


@pytest.fixture
def home(tmp_path, monkeypatch) -> Settings:
    root = tmp_path / "home"
    for name in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(REPO / name, root / name)
    settings = replace(Settings.from_env(), home=root, build_dir=root / "build")
    monkeypatch.setenv("AULA_KG_HOME", str(root))
    monkeypatch.setenv("AULA_KG_BUILD_DIR", str(root / "build"))
    return settings


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def write_csv(path: Path, table: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(table)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def edit(table, row_id, header, value):
    column = table[0].index(header)
    for row in table[1:]:
        if row and row[0] == row_id:
            row[column] = value
            return
    raise AssertionError(row_id)


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_export_names_the_census_of_each_row_and_records_its_version(home, tmp_path, capsys):
    out = tmp_path / "actions.csv"
    assert run(capsys, "export", "actions", "--out", out)[0] == 0
    table = read_csv(out)
    census = table[0].index("recensement(s)")
    assert {row[census] for row in table[1:] if row[0] != "#version"} == {"acv-2021-10"}
    assert table[-1][0] == "#version" and len(table[-1][1]) == 16
    censuses = read_csv(tmp_path / "actions-recensements.csv")
    assert censuses[0][:6] == ["identifiant", "libellé", "libellé (en)", "date", "programme",
                               "périmètre"]
    assert censuses[1][0] == "acv-2021-10" and censuses[1][3] == "2021-10"
    assert "Béthune-Bruay-La-Buissière" in censuses[1][5] and "Lens-Liévin" in censuses[1][5]


def test_xlsx_export_has_a_census_sheet_and_the_version(home, tmp_path, capsys):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "actions.xlsx"
    assert run(capsys, "export", "actions", "--out", out)[0] == 0
    book = openpyxl.load_workbook(out)
    assert book["recensements"]["A2"].value == "acv-2021-10"
    help_rows = {r[0]: r[1] for r in book["aide"].iter_rows(values_only=True)}
    assert len(help_rows["version"]) == 16
    # The workbook round-trips: nothing changes.
    result = entry.import_actions(out, home, rebuild=False)
    assert result.diff.empty and result.censuses.empty and not result.written


def test_two_planners_disjoint_edits_merge(home, tmp_path, capsys):
    """A changes the Flux Orange status, B the title of Béthune's electric bikes: both stay."""
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert run(capsys, "export", "actions", "--out", a)[0] == 0
    assert run(capsys, "export", "actions", "--out", b)[0] == 0
    table_a, table_b = read_csv(a), read_csv(b)
    edit(table_a, "lens-etude-flux-orange", "état", "Réalisée")
    edit(table_b, "bethune-velos-electriques", "titre", "Vélos à assistance électrique à Béthune")
    write_csv(a, table_a)
    write_csv(b, table_b)
    assert run(capsys, "import", "actions", a, "--no-build")[0] == 0
    code, out, _ = run(capsys, "import", "actions", b, "--dry-run")
    assert code == 0
    assert "↔ gardé de la version actuelle : lens-etude-flux-orange (état)" in out
    assert "rien n'est écrit" in out
    code, out, _ = run(capsys, "import", "actions", b, "--no-build")
    assert code == 0, out
    text = (home.data_dir / "actions.ttl").read_text()
    flux = text.split("<action/lens-etude-flux-orange>")[1].split("\n\n")[0]
    assert "action-status/realisee" in flux  # A's work is kept
    assert "Vélos à assistance électrique à Béthune" in text  # and B's


def test_two_planners_same_cell_is_a_conflict_showing_both_values(home, tmp_path, capsys):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert run(capsys, "export", "actions", "--out", a)[0] == 0
    shutil.copy(a, b)
    shutil.copy(tmp_path / "a-recensements.csv", tmp_path / "b-recensements.csv")
    table_a, table_b = read_csv(a), read_csv(b)
    edit(table_a, "lens-etude-flux-orange", "état", "Réalisée")
    edit(table_b, "lens-etude-flux-orange", "état", "En cours de définition")
    write_csv(a, table_a)
    write_csv(b, table_b)
    assert run(capsys, "import", "actions", a, "--no-build")[0] == 0
    after_a = (home.data_dir / "actions.ttl").read_bytes()
    code, _, err = run(capsys, "import", "actions", b, "--no-build")
    assert code == 1
    assert "1 conflit(s)" in err
    assert ("colonne « état » : lens-etude-flux-orange : dans ce fichier « En cours de "
            "définition », dans les actions actuelles « Réalisée »") in err
    assert (home.data_dir / "actions.ttl").read_bytes() == after_a  # nothing written
    # --force is the explicit way to overwrite.
    assert run(capsys, "import", "actions", b, "--no-build", "--force")[0] == 0
    flux = (home.data_dir / "actions.ttl").read_text().split(
        "<action/lens-etude-flux-orange>")[1].split("\n\n")[0]
    assert "action-status/en-cours-de-definition" in flux


def census_table(tmp_path, capsys) -> tuple[Path, list[list[str]], list[list[str]]]:
    out = tmp_path / "actions.csv"
    assert run(capsys, "export", "actions", "--out", out)[0] == 0
    return out, read_csv(out), read_csv(tmp_path / "actions-recensements.csv")


@pytest.mark.parametrize("change, expected", [
    (lambda c: c.append(["pvd-2026", "Recensement PVD 2026", "", "2026-03", "PVD",
                         "Auxi-le-Chateau ; Atlantis", "Actions PVD.", "", "zoom-acv-2021/pvd"]),
     "recensements, ligne 3, colonne « périmètre » : « Atlantis » est inconnu"),
    (lambda c: c.append(["pvd-2026", "Recensement PVD 2026", "", "", "PVD",
                         "Auxi-le-Château", "Actions PVD.", "", "zoom-acv-2021/pvd"]),
     "recensements, ligne 3, colonne « date » : un recensement doit avoir une date : année, "
     "mois ou jour (par exemple 2021-10)"),
    (lambda c: c.append(["pvd-2026", "Recensement PVD 2026", "", "mars 2026", "PVD",
                         "Auxi-le-Château", "Actions PVD.", "", "zoom-acv-2021/pvd"]),
     "recensements, ligne 3, colonne « date » : « mars 2026 » n'est pas une date"),
])
def test_bad_census_rows_are_refused_and_nothing_is_written(home, tmp_path, capsys, change,
                                                            expected):
    out, _, censuses = census_table(tmp_path, capsys)
    change(censuses)
    write_csv(tmp_path / "actions-recensements.csv", censuses)
    before = {p.name: p.read_bytes() for p in home.data_dir.glob("*.ttl")}
    code, _, err = run(capsys, "import", "actions", out, "--no-build")
    assert code == 1
    assert expected in err, err
    assert {p.name: p.read_bytes() for p in home.data_dir.glob("*.ttl")} == before


def test_unknown_census_in_an_action_row_gets_a_suggestion(home, tmp_path, capsys):
    out, table, _ = census_table(tmp_path, capsys)
    edit(table, "lens-startup-de-territoire", "recensement(s)", "acv-2021-1")
    write_csv(out, table)
    code, _, err = run(capsys, "import", "actions", out, "--no-build")
    assert code == 1
    line = next(i for i, row in enumerate(table, start=1) if row[0] == "lens-startup-de-territoire")
    assert (f"ligne {line}, colonne « recensement(s) » : le recensement « acv-2021-1 » n'existe "
            "pas ; vouliez-vous dire « acv-2021-10 » ?") in err


def test_removing_a_census_actions_refer_to_is_refused_naming_them(home, tmp_path, capsys):
    out, _, censuses = census_table(tmp_path, capsys)
    write_csv(tmp_path / "actions-recensements.csv", censuses[:1])
    code, _, err = run(capsys, "import", "actions", out, "--no-build")
    assert code == 1
    assert "le recensement « acv-2021-10 » ne peut pas être retiré" in err
    assert "action/lens-etude-flux-orange" in err and "action/bethune-velos-electriques" in err


def test_a_census_outside_its_scope_is_refused(home, tmp_path, capsys):
    out, table, _ = census_table(tmp_path, capsys)
    edit(table, "lens-startup-de-territoire", "commune(s)", "Auxi-le-Château")
    write_csv(out, table)
    code, _, err = run(capsys, "import", "actions", out, "--no-build")
    assert code == 1
    line = next(i for i, row in enumerate(table, start=1) if row[0] == "lens-startup-de-territoire")
    assert (f"ligne {line}, colonne « recensement(s) » : l'action concerne une commune hors du "
            "périmètre du recensement qui la relève") in err


def test_a_second_census_imported_from_the_spreadsheet_is_compared(home, tmp_path, capsys):
    """A PVD census of the CC du Ternois, then its dossier is assessed and comparable."""
    out, table, censuses = census_table(tmp_path, capsys)
    censuses.append(["pvd-ternois-2026", "Recensement des actions PVD du Ternois, 2026", "",
                     "2026-03-15", "PVD", "CC du Ternois",
                     "Actions inscrites dans les conventions PVD.", "", "zoom-acv-2021/pvd"])
    write_csv(tmp_path / "actions-recensements.csv", censuses)
    header = table[0]
    row = [""] * len(header)
    for column, value in (("commune(s)", "Saint-Pol-sur-Ternoise"), ("programme", "PVD"),
                          ("titre", "Étude des usages du centre de Saint-Pol"),
                          ("type", "Étude"), ("préconisation(s)", "Usages"),
                          ("source", "zoom-acv-2021/pvd"),
                          ("recensement(s)", "pvd-ternois-2026")):
        row[header.index(column)] = value
    table.insert(len(table) - 1, row)  # before the #version line
    write_csv(out, table)
    code, stdout, err = run(capsys, "import", "actions", out)
    assert code == 0, err
    assert "+ ajoutée : census/pvd-ternois-2026" in stdout
    store = open_store(home)
    rows = answer(store, "unexplored_recommendations", territory="CC du Ternois")
    assert [r["label"] for r in rows] == ["Organisation", "Régulation", "Opérationnel",
                                          "Innovation"]
    assert {(r["state"], r["coverage"], r["census_date"]) for r in rows} == {
        ("unexplored", "complete", "2026-03-15")}
    changes = answer(store, "census_comparison", territory="CC du Ternois",
                     earlier="acv-2021-10", later="pvd-ternois-2026")
    assert [r["change"] for r in changes] == ["1 préconisation devenue explorée",
                                              "2 action apparue"]


def test_census_messages_do_not_shadow_the_export_warning():
    """Regression: the census sheet's missing-column message once reused the code
    actions.no_column, which the export's warnings render with other values."""
    from aula_kg.imports.actions.problems import bilingual

    text = bilingual("actions.no_column", action="action/x", predicate="p", value="v")
    assert text.startswith("action/x : p v n'a pas de colonne")
