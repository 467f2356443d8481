"""Planners' spreadsheet of actions: template, validated import, dry run, export round trip.

Every test that writes works on a copy of the project home (ontology/, shapes/, data/,
queries/ under tmp_path), so the real data/ is never modified.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from aula_kg import cli
from aula_kg.build import data_graph
from aula_kg.config import Settings
from aula_kg.errors import ValidationFailed
from aula_kg.imports import actions as entry
from aula_kg.sources import load_sources
from aula_kg.store import EmbeddedStore

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "actions"
ACTION = "https://w3id.org/aula-kg/id/action/"


@pytest.fixture
def home(tmp_path, monkeypatch) -> Settings:
    """A copy of the project home; the command line is pointed at it too."""
    root = tmp_path / "home"
    for name in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(REPO / name, root / name)
    settings = replace(Settings.from_env(), home=root, build_dir=root / "build")
    monkeypatch.setenv("AULA_KG_HOME", str(root))
    monkeypatch.setenv("AULA_KG_BUILD_DIR", str(root / "build"))
    return settings


def digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def tree_digest(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): digest(p) for p in sorted(directory.rglob("*"))
            if p.is_file()}


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- template


def test_template_csv_has_the_columns(tmp_path, capsys):
    out = tmp_path / "modele.csv"
    code, _, _ = run(capsys, "template", "actions", "--out", str(out))
    assert code == 0
    header = out.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert header[:4] == ["identifiant", "commune(s)", "programme", "titre"]
    for name in ("description", "type", "préconisation(s)", "fonction(s) urbaine(s)", "état",
                 "année", "source", "précision sur les communes"):
        assert name in header


def test_template_xlsx_lists_allowed_values(tmp_path, capsys):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "modele.xlsx"
    assert run(capsys, "template", "actions", "--out", str(out))[0] == 0
    workbook = openpyxl.load_workbook(out)
    assert [c.value for c in workbook["actions"][1]][:4] == [
        "identifiant", "commune(s)", "programme", "titre"]
    values = {row[0]: row[2] for row in workbook["aide"].iter_rows(min_row=2, values_only=True)}
    assert "Usages" in values["préconisation(s)"] and "Réalisée" in values["état"]


# --------------------------------------------------------------------------- valid rows


def test_valid_rows_are_written_canonically_and_built(home, capsys):
    target = home.data_dir / "actions.ttl"
    before = Graph().parse(target)
    result = entry.import_actions(FIXTURES / "valid.csv", home)
    assert result.written and result.build_lines
    # The file is the complete list: the two rows replace the twelve seeds.
    assert sorted(result.diff.added) == [
        "action/enquete-hesdin", "action/marche-couvert-de-lievin"]
    assert len(result.diff.removed) == len(set(before.subjects(predicate=None))) == 12
    text = target.read_text()
    assert text.startswith("@base <https://w3id.org/aula-kg/id/> .\n@prefix aula:")
    assert "# Actions of the ACV laureate communes" in text  # the header comment is kept
    store = EmbeddedStore.from_file(home.graph_file)
    rows = store.select("""
        PREFIX aula: <https://w3id.org/aula-kg/ontology#>
        SELECT ?commune ?rec ?year WHERE {
          <https://w3id.org/aula-kg/id/action/enquete-hesdin> aula:concernsCommune ?commune ;
             aula:servesRecommendation ?rec ; aula:year ?year } ORDER BY ?rec""").rows
    # 62461 (Huby-Saint-Leu, a 2018 code) is today's Hesdin-la-Forêt (62447).
    assert {str(r[0]) for r in rows} == {"https://w3id.org/aula-kg/id/commune/62447"}
    assert [str(r[1]).rsplit("/", 1)[-1] for r in rows] == ["innovation", "usages"]
    citation = store.select("""
        PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?text WHERE { <https://w3id.org/aula-kg/id/action/enquete-hesdin>
          prov:wasDerivedFrom/dcterms:bibliographicCitation ?text }""").rows
    assert str(citation[0][0]).startswith("Compte rendu du comité de pilotage PVD")

    # Importing the same file again changes nothing, byte for byte.
    written = target.read_bytes()
    again = entry.import_actions(FIXTURES / "valid.csv", home)
    assert not again.written and again.diff.empty
    assert target.read_bytes() == written


def test_xlsx_import_reads_the_same_rows(home, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    import csv

    rows = list(csv.reader((FIXTURES / "valid.csv").read_text(encoding="utf-8").splitlines(),
                           delimiter=";"))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "actions"
    for row in rows:
        sheet.append([int(v) if v.isdigit() and len(v) == 4 else v for v in row])
    path = tmp_path / "actions.xlsx"
    workbook.save(path)
    from_xlsx = entry.import_actions(path, home, dry_run=True)
    from_csv = entry.import_actions(FIXTURES / "valid.csv", home, dry_run=True)
    assert from_xlsx.diff == from_csv.diff and from_xlsx.rows == 2


# --------------------------------------------------------------------------- errors

EXPECTED_FR = [
    "ligne 3, colonne « préconisation(s) » : « Usags » est inconnu ; vouliez-vous dire "
    "« Usages » ?",
    "ligne 4, colonne « commune(s) » : « Lensss » est inconnu ; vouliez-vous dire « Lens » ?",
    "ligne 5, colonne « titre » : doit avoir un titre en français (dcterms:title @fr)",
    "ligne 6, colonne « année » : « 20x1 » n'est pas une année (quatre chiffres, par exemple "
    "2021)",
    "ligne 7, colonne « état » : « Clôturée » est inconnu (valeurs possibles : ",
    "ligne 8, colonne « programme » : une action doit relever d'exactement un programme",
    "ligne 9, colonne « commune(s) » : une action sans commune doit dire ce que la source dit "
    "des communes (aula:communesNote)",
    "ligne 10, colonne « identifiant » : « Mon Action » n'est pas un identifiant (minuscules, "
    "chiffres et tirets) ; vouliez-vous dire « mon-action » ?",
    "ligne 10, colonne « source » : « zoom-acv-2021/innovatio » est inconnu ; vouliez-vous "
    "dire « zoom-acv-2021/innovation »",
]


def test_bad_file_is_reported_per_row_and_column_and_nothing_changes(home, capsys):
    data_before = tree_digest(home.data_dir)
    build_before = tree_digest(home.build_dir) if home.build_dir.exists() else {}
    code, out, err = run(capsys, "import", "actions", str(FIXTURES / "invalid.csv"))
    assert code == 1
    assert "rien n'est importé, 9 erreur(s)" in err
    lines = [line.strip() for line in err.splitlines()[1:]]
    assert len(lines) == len(EXPECTED_FR)
    for line, expected in zip(lines, EXPECTED_FR, strict=True):
        assert line.startswith(expected), (line, expected)
    assert "ligne 2" not in err  # the good row is not reported
    assert tree_digest(home.data_dir) == data_before
    assert (tree_digest(home.build_dir) if home.build_dir.exists() else {}) == build_before


def test_errors_in_english(home, capsys):
    code, _, err = run(capsys, "import", "actions", str(FIXTURES / "invalid.csv"), "--lang", "en")
    assert code == 1
    assert "nothing imported, 9 error(s)" in err
    assert "line 3, column 'recommendation(s)': 'Usags' is unknown; did you mean 'Usages'?" in err
    assert "line 5, column 'title': must have a French title (dcterms:title @fr)" in err
    assert "line 6, column 'year': '20x1' is not a year" in err


def test_errors_carry_row_and_column(home):
    with pytest.raises(ValidationFailed) as info:
        entry.import_actions(FIXTURES / "invalid.csv", home)
    errors = info.value.errors
    assert {(e.line, e.column) for e in errors} >= {
        (3, "recommendations"), (4, "communes"), (5, "title"), (6, "year"), (7, "status"),
        (8, "programme"), (9, "communes"), (10, "id"), (10, "source")}


def test_duplicate_titles_and_identifiers(home, tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text(
        "identifiant,commune(s),programme,titre,type,préconisation(s),source\n"
        ",Lens,ACV,Même titre,Étude,Usages,zoom-acv-2021/usages\n"
        ",Lens,ACV,Même titre,Étude,Usages,zoom-acv-2021/usages\n"
        "x,Lens,ACV,Un,Étude,Usages,zoom-acv-2021/usages\n"
        "x,Lens,ACV,Deux,Étude,Usages,zoom-acv-2021/usages\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as info:
        entry.import_actions(path, home)
    texts = [e.text("fr") for e in info.value.errors]
    assert texts == [
        "ligne 3, colonne « titre » : même titre que la ligne 2 : donnez un identifiant à "
        "l'une des deux",
        "ligne 5, colonne « identifiant » : l'identifiant « x » est déjà celui de la ligne 4",
    ]


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"),
    (b"nom,prenom\nDupont,Jean\n", "pas de colonne « titre »"),
    (b"\xff\xfe\x00\x00garbage\x81\x8d", "neither UTF-8 nor Windows-1252"),
])
def test_unreadable_file_exits_2(home, tmp_path, capsys, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    before = tree_digest(home.data_dir)
    code, _, err = run(capsys, "import", "actions", str(path))
    assert code == 2 and message in err
    assert tree_digest(home.data_dir) == before


def test_missing_file_and_bad_workbook_exit_2(home, tmp_path, capsys):
    assert run(capsys, "import", "actions", str(tmp_path / "absent.csv"))[0] == 2
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"not a zip")
    code, _, err = run(capsys, "import", "actions", str(fake))
    assert code == 2 and "unreadable workbook" in err


def test_failed_build_puts_the_previous_file_back(home, monkeypatch):
    target = home.data_dir / "actions.ttl"
    before = target.read_bytes()

    def failing_build(settings, extra=None):
        raise ValidationFailed("data-quality checks return rows")

    monkeypatch.setattr(entry, "build", failing_build)
    with pytest.raises(ValidationFailed, match="remis dans son état précédent"):
        entry.import_actions(FIXTURES / "valid.csv", home)
    assert target.read_bytes() == before


# --------------------------------------------------------------------------- dry run


def test_dry_run_lists_added_changed_removed_and_writes_nothing(home, tmp_path, capsys):
    exported = tmp_path / "export.csv"
    assert run(capsys, "export", "actions", "--out", str(exported))[0] == 0
    lines = exported.read_text(encoding="utf-8-sig").splitlines()
    # Change one status, drop one action, add one.
    lines = [line.replace(",Lancée,", ",Réalisée,") if line.startswith("lens-etude-flux-orange,")
             else line for line in lines if not line.startswith("bethune-velos-electriques,")]
    lines.append(",Liévin,ACV,Nouvelle action à Liévin,,,Étude,Usages,,,,zoom-acv-2021/usages"
                 ",,,,,,")
    edited = tmp_path / "edited.csv"
    edited.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = tree_digest(home.data_dir)
    code, out, _ = run(capsys, "import", "actions", str(edited), "--dry-run")
    assert code == 0
    assert "1 ajoutée(s), 1 modifiée(s), 1 supprimée(s)" in out
    assert "+ ajoutée : action/nouvelle-action-a-lievin" in out
    assert "~ modifiée : action/lens-etude-flux-orange (état)" in out
    assert "- supprimée : action/bethune-velos-electriques" in out
    assert "rien n'est écrit" in out
    assert tree_digest(home.data_dir) == before


# --------------------------------------------------------------------------- round trip


def test_seed_actions_round_trip(home, tmp_path, capsys):
    """Export the seeds, import the file: same triples; export again: same bytes."""
    target = home.data_dir / "actions.ttl"
    seeds = Graph().parse(target)
    curated_before = data_graph(load_sources(home))
    first = tmp_path / "first.csv"
    assert run(capsys, "export", "actions", "--out", str(first))[0] == 0
    result = entry.import_actions(first, home, rebuild=False)
    assert result.diff.empty
    assert isomorphic(Graph().parse(target), seeds)
    assert isomorphic(data_graph(load_sources(home)), curated_before)
    canonical = target.read_bytes()
    second = tmp_path / "second.csv"
    assert run(capsys, "export", "actions", "--out", str(second))[0] == 0
    assert second.read_bytes() == first.read_bytes()
    again = entry.import_actions(second, home, rebuild=False)
    assert not again.written and target.read_bytes() == canonical


def test_seed_actions_round_trip_through_xlsx(home, tmp_path, capsys):
    pytest.importorskip("openpyxl")
    target = home.data_dir / "actions.ttl"
    seeds = Graph().parse(target)
    book = tmp_path / "actions.xlsx"
    assert run(capsys, "export", "actions", "--out", str(book))[0] == 0
    entry.import_actions(book, home, rebuild=False)
    assert isomorphic(Graph().parse(target), seeds)


def test_shipped_actions_file_is_canonical(tmp_path):
    """data/actions.ttl is exactly what importing its own export writes (no reformat due)."""
    settings = replace(Settings.from_env(), home=REPO)
    rows, warnings = entry.current_rows(settings)
    assert not warnings
    exported = tmp_path / "shipped.csv"
    entry.write_table(rows, exported)
    result = entry.import_actions(exported, settings, dry_run=True)
    assert result.diff.empty and not result.changes_file and not result.written
