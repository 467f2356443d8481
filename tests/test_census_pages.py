"""Issue 12 on the people's faces: a dossier calls a recommendation unexplored only where a
census of actions covered the territory; elsewhere it says "not assessed", in a neutral
style, and what the sources do cover. The API gives the same three states."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from aula_kg.web import create_app

LENS_LIEVIN = "pair/lens-lievin"
CABBALR = "epci/200072460"
AUXI = "commune/62060"  # Petites Villes de Demain only: no census covered it
CC_TERNOIS = "epci/200069672"  # no ACV commune
HESDIN_LA_FORET = "commune/62447"  # merged in 2025 from Hesdin and Marconne


@pytest.fixture(scope="module")
def client(built_settings, store):
    with TestClient(create_app(built_settings, store, workers=2)) as client:
        yield client


def tiles(html: str) -> dict[str, str]:
    """Notation -> the tile's state class, as the dossier draws the five tiles."""
    return {notation: state for state, notation
            in re.findall(r'<li class="rec ([\w-]+)" data-notation="(\d)"', html)}


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_seed_pair_keeps_its_two_unexplored_recommendations(client):
    page = client.get(f"/dossier/{LENS_LIEVIN}")
    assert page.status_code == 200
    assert tiles(page.text) == {"1": "explored", "2": "unexplored", "3": "unexplored",
                                "4": "explored", "5": "explored"}
    assert "Recensement pris en compte" in text(page.text)
    assert "2021-10" in text(page.text)


@pytest.mark.parametrize("territory", [AUXI, CC_TERNOIS, HESDIN_LA_FORET])
def test_a_territory_no_census_covered_is_not_assessed(client, territory):
    page = client.get(f"/dossier/{territory}")
    assert page.status_code == 200, territory
    assert set(tiles(page.text).values()) == {"not-assessed"}
    words = text(page.text)
    assert "Aucun recensement des actions ne couvre ce territoire" in words
    assert "inexplorée sur ce territoire" not in words and "badge warn" not in page.text
    # What the sources cover, read from the graph's censuses, not written in the template.
    assert "porte sur Béthune-Bruay-La-Buissière, Lens-Liévin" in words


def test_a_partly_covered_epci_names_the_communes_the_census_covered(client):
    page = client.get(f"/dossier/{CABBALR}")
    words = text(page.text)
    assert "qui ne couvre que Béthune, Bruay-la-Buissière" in words
    assert tiles(page.text) == {"1": "unexplored", "2": "explored", "3": "unexplored",
                                "4": "explored", "5": "explored"}


def test_the_api_gives_the_three_states_and_the_census(client):
    lens = client.get("/api/queries/unexplored_recommendations",
                      params={"territory": "Lens-Liévin"}).json()
    rows = lens["results"]["bindings"]
    assert [(r["label"]["value"], r["state"]["value"]) for r in rows] == [
        ("Organisation", "unexplored"), ("Régulation", "unexplored")]
    assert {r["census_date"]["value"] for r in rows} == {"2021-10"}
    auxi = client.get("/api/queries/unexplored_recommendations",
                      params={"territory": "Auxi-le-Château"}).json()
    assert {r["state"]["value"] for r in auxi["results"]["bindings"]} == {"not-assessed"}
    assert len(auxi["results"]["bindings"]) == 5
