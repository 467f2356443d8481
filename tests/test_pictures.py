"""Pictures: coverage heatmap, territory map (with and without outlines), dossier chart."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import require_shared

from aula_kg import cli, pictures
from aula_kg.answering import StoredQueries
from aula_kg.errors import ParameterError
from aula_kg.imports.boundaries import chain, dissolve, import_boundaries, outline

GEO = Path(__file__).resolve().parent / "fixtures" / "geo"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def service(store, built_settings) -> StoredQueries:
    """The stored queries answered in this process, as the command line answers them."""
    return StoredQueries.in_process(store, built_settings)


def picture(service: StoredQueries, kind: str, **kwargs) -> str:
    return pictures.draw_sync(service, kind, **kwargs)


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # well-formed, or this raises
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.find(f"{SVG}title").text and root.find(f"{SVG}desc").text
    return root


def texts(root: ET.Element) -> list[str]:
    return [t.text for t in root.iter(f"{SVG}text") if t.text]


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


@pytest.fixture(scope="module")
def mini_boundaries(store, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("geo") / "communes-aula.geojson"
    report = import_boundaries(GEO / "communes-mini.geojson", out=out, store=store)
    assert report.merged == {"62447": ["62447", "62461"]}
    return json.loads(out.read_text())


# --------------------------------------------------------------------------- coverage


def test_coverage_heatmap_has_a_cell_per_territory_and_recommendation(service):
    root = parse(picture(service, "coverage"))
    rows = by_class(root, "row")
    cells = by_class(root, "cell")
    assert len(rows) >= 11 and len(cells) == 5 * len(rows)
    labels = texts(root)
    for label in ("Lens-Liévin", "Béthune", "CA de Lens - Liévin", "1. Usages", "5. Innovation"):
        assert label in labels
    lens_lievin = next(r for r in rows if r.get("data-territory").endswith("/pair/lens-lievin")
                       or "lens" in r.get("data-territory"))
    assert lens_lievin is not None
    unexplored = by_class(root, "unexplored")
    not_assessed = by_class(root, "not-assessed")
    assert unexplored and all(c.get("data-count") == "0" for c in unexplored)
    assert not_assessed and all(c.get("data-count") == "0" for c in not_assessed)
    # A cell with no action is either unexplored (a census looked) or not assessed.
    assert all(c.get("data-count") != "0" for c in cells
               if c not in unexplored and c not in not_assessed)
    assert any("inexplorée" in (t or "") for t in labels)


def test_coverage_counts_match_the_stored_query(service):
    root = parse(picture(service, "coverage"))
    bethune = next(r for r in by_class(root, "row")
                   if r.get("data-territory").endswith("/commune/62119"))
    counts = {c.get("data-recommendation"): int(c.get("data-count"))
              for c in by_class(bethune, "cell")}
    assert counts == {"1": 0, "2": 1, "3": 0, "4": 2, "5": 2}


def cells_of(root, suffix):
    row = next(r for r in by_class(root, "row") if r.get("data-territory").endswith(suffix))
    return row, {c.get("data-recommendation"): c for c in by_class(row, "cell")}


def test_coverage_has_a_third_state_not_assessed(service):
    """Issue 12: the EPCI without an ACV commune are not assessed, not unexplored."""
    root = parse(picture(service, "coverage"))
    for siren in ("200069672", "246200299", "200044030"):  # Ternois, Hénin-Carvin, 7 Vallées
        _, cells = cells_of(root, f"/epci/{siren}")
        assert {c.get("data-state") for c in cells.values()} == {"not-assessed"}
        for cell in cells.values():
            assert "not-assessed" in cell.get("class") and "unexplored" not in cell.get("class")
            rect = cell.find(f"{SVG}rect")
            assert not rect.get("fill").startswith("url(")  # neutral, not the hatching
            assert "aucun recensement" in cell.find(f"{SVG}title").text
    _, lens = cells_of(root, "/pair/lens-lievin")
    assert lens["2"].get("data-state") == "unexplored"
    assert lens["2"].find(f"{SVG}rect").get("fill").startswith("url(")
    legend = by_class(root, "legend-not-assessed")
    assert legend and legend[0].get("fill") == pictures.svg.NEUTRAL
    assert "non évaluée (aucun recensement)" in texts(root)


def test_coverage_marks_a_partly_covered_epci(service):
    root = parse(picture(service, "coverage"))
    row, cells = cells_of(root, "/epci/200072460")
    assert row.get("data-coverage") == "partial"
    assert "CA de Béthune-Bruay, Artois-Lys Romane" in texts(row) and "◐" in texts(row)
    assert "Béthune, Bruay-la-Buissière" in row.find(f"{SVG}title").text
    assert cells["1"].get("data-state") == "unexplored"
    assert "◐ territoire couvert en partie" in texts(root)


def test_coverage_in_english(service):
    labels = texts(parse(picture(service, "coverage", lang="en")))
    assert "1. Uses" in labels and "EPCI" in labels


# --------------------------------------------------------------------------- dossier


def test_dossier_chart_counts_by_recommendation_and_status(service):
    root = parse(picture(service, "dossier", territory="Béthune-Bruay"))
    recommendation = {b.get("data-label"): int(b.get("data-count"))
                      for b in by_class(root, "recommendation")}
    status = {b.get("data-label"): int(b.get("data-count")) for b in by_class(root, "status")}
    assert recommendation == {"1. Usages": 0, "2. Organisation": 1, "3. Régulation": 0,
                              "4. Opérationnel": 2, "5. Innovation": 2}
    assert sum(status.values()) == 5 and status["Non précisé"] == 1
    assert "Actions de Béthune-Bruay-La-Buissière (5)" in texts(root)


def test_dossier_of_a_territory_without_actions(service):
    root = parse(picture(service, "dossier", territory="CC du Ternois"))
    assert all(b.get("data-count") == "0" for b in by_class(root, "bar"))
    assert "Aucune action rattachée à ce territoire." in texts(root)


def test_dossier_of_a_territory_no_census_covers_is_neutral(service):
    root = parse(picture(service, "dossier", territory="Auxi-le-Château"))
    bars = by_class(root, "recommendation")
    assert {b.get("data-state") for b in bars} == {"not-assessed"}
    assert all(not b.find(f"{SVG}rect").get("fill").startswith("url(") for b in bars)
    assert by_class(root, "census")[0].text == (
        "Aucun recensement des actions ne couvre ce territoire : ses préconisations ne sont "
        "pas évaluées.")


def test_dossier_names_its_census_and_partial_coverage(service):
    root = parse(picture(service, "dossier", territory="Lens-Liévin"))
    bars = {b.get("data-label"): b for b in by_class(root, "recommendation")}
    assert bars["2. Organisation"].get("data-state") == "unexplored"
    assert bars["2. Organisation"].find(f"{SVG}rect").get("fill").startswith("url(")
    assert by_class(root, "census")[0].text == "Recensement du 2021-10"
    cabbalr = parse(picture(service, "dossier", territory="CABBALR", lang="en"))
    assert by_class(cabbalr, "census")[0].text == (
        "Census of 2021-10, covering only: Béthune, Bruay-la-Buissière")


def test_dossier_unknown_territory_is_a_parameter_error(service):
    with pytest.raises(ParameterError, match="did you mean"):
        picture(service, "dossier", territory="Lenss")


# --------------------------------------------------------------------------- map


def test_map_without_boundaries_says_so_and_lists_laureates(service):
    root = parse(picture(service, "map"))
    message = by_class(root, "message")
    assert message and "Pas de contours de communes importés" in message[0].text
    assert any("aula-kg import boundaries" in t for t in texts(root))
    codes = {p.get("data-code") for p in by_class(root, "point")}
    assert {"62119", "62178", "62498", "62510"} <= codes  # the ACV laureates
    assert not by_class(root, "commune")


def test_map_with_boundaries_colours_programmes_and_labels_laureates(service, mini_boundaries):
    features = {f["properties"]["code"]: f for f in mini_boundaries["features"]}
    # The 2018 parts of Hesdin-la-Forêt are one feature, dissolved into one ring.
    assert features["62447"]["properties"]["codes_2018"] == ["62447", "62461"]
    assert features["62447"]["geometry"]["type"] == "Polygon"
    assert len(features["62447"]["geometry"]["coordinates"]) == 1
    assert "99999" not in features and "62461" not in features
    assert mini_boundaries["aula_kg"]["former_codes_mapped"] == {"62447": ["62447", "62461"]}

    root = parse(picture(service, "map", boundaries=mini_boundaries))
    communes = {p.get("data-code"): p for p in by_class(root, "commune")}
    assert set(communes) == set(features)
    assert communes["62498"].get("fill") == pictures.FILLS["acv"]
    assert communes["62447"].get("fill") == pictures.FILLS["pvd"]
    assert "acv" in communes["62119"].get("data-programmes")
    assert by_class(root, "ort")  # ORT hatching over ACV/PVD communes
    labels = {g.get("data-code") for g in by_class(root, "label")}
    assert {"62119", "62178", "62498", "62510", "62447"} <= labels
    assert "Hesdin-la-Forêt" in texts(root)
    assert [p for p in by_class(root, "epci")[0]]  # EPCI outlines drawn
    assert "Action Cœur de Ville" in texts(root)  # legend


def test_map_zooms_on_a_territory(service, mini_boundaries):
    root = parse(picture(service, "map", boundaries=mini_boundaries,
                         territory="CA de Lens-Liévin"))
    assert {p.get("data-code") for p in by_class(root, "commune")} == {"62001", "62498", "62510"}


def test_map_from_the_real_boundary_file(store, tmp_path, service):
    source = require_shared("opendata", "france-geojson-2018", "communes-62-pas-de-calais.geojson")
    out = tmp_path / "communes-aula.geojson"
    report = import_boundaries(source, out=out, store=store)
    assert report.merged["62447"] == ["62447", "62461", "62549", "62743"]
    assert report.communes >= 300
    first = out.read_bytes()
    assert not import_boundaries(source, out=out, store=store).written  # same bytes again
    assert out.read_bytes() == first
    data = json.loads(first)
    hesdin = next(f for f in data["features"] if f["properties"]["code"] == "62447")
    assert hesdin["properties"]["nom"] == "Hesdin-la-Forêt"
    root = parse(picture(service, "map", boundaries=data))
    assert len(by_class(root, "commune")) == report.communes
    assert {"Lens", "Liévin", "Béthune", "Bruay-la-Buissière"} <= set(texts(root))


def test_dissolve_two_squares_sharing_an_edge():
    a = [(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]
    b = [(1, 0), (2, 0), (2, 1), (1, 1), (1, 0)]
    assert len(outline([a, b])) == 6
    assert len(chain(outline([a, b]))) == 1
    geometry = dissolve([a, b])
    assert geometry["type"] == "Polygon" and len(geometry["coordinates"][0]) == 7


def test_bad_boundary_file_exits_2(tmp_path, capsys, cli_env):
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "Feature"}')
    assert cli.main(["import", "boundaries", str(bad)]) == 2
    assert "FeatureCollection" in capsys.readouterr().err


# --------------------------------------------------------------------------- output


def test_cli_writes_svg_and_png(cli_env, tmp_path, capsys):
    svg = tmp_path / "coverage.svg"
    assert cli.main(["picture", "coverage", "--out", str(svg)]) == 0
    parse(svg.read_text())
    assert cli.main(["picture", "dossier", "--out", str(tmp_path / "d.svg")]) == 2
    if not pictures.png_available():
        pytest.skip("cairosvg or the cairo library is not installed: PNG not tested")
    png = tmp_path / "dossier.png"
    assert cli.main(["picture", "dossier", "-t", "Lens-Liévin", "--out", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
