"""Pictures served by the app: SVG/PNG endpoints, the map page, the dossier chart."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

from aula_kg import pictures
from aula_kg.web import create_app


@pytest.fixture(scope="module")
def client(built_settings, store):
    with TestClient(create_app(built_settings, store, workers=1)) as client:
        yield client


@pytest.mark.parametrize("url", [
    "/images/couverture.svg", "/images/carte.svg", "/images/carte.svg?territoire=CALL",
    "/images/dossier.svg?territoire=Lens-Liévin",
])
def test_svg_pictures_are_well_formed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag.endswith("svg")


def test_heatmap_marks_unexplored_cells(client):
    svg = client.get("/images/couverture.svg").text
    assert "Régulation" in svg and "inexplorée" in svg


def test_png_when_available(client):
    response = client.get("/images/couverture.png")
    if not pictures.png_available():
        assert response.status_code == 406
        return
    assert response.status_code == 200 and response.content[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("url, status", [
    ("/images/dossier.svg", 400), ("/images/dossier.svg?territoire=Atlantis", 400),
    ("/images/inconnue.svg", 404), ("/images/carte.gif", 404),
])
def test_picture_errors(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert response.json()["error"]


def test_map_page_embeds_map_and_heatmap(client):
    page = client.get("/carte")
    assert page.status_code == 200
    assert page.text.count("<svg") >= 2
    assert "Carte du territoire de l'AULA" in page.text


def test_dossier_page_embeds_its_chart(client):
    page = client.get("/dossier/pair/lens-lievin")
    assert "/images/dossier.svg?territoire=https%3A//w3id.org/aula-kg/id/pair/lens-lievin" in page.text \
        or "/images/dossier.svg?territoire=https%3A%2F%2Fw3id.org" in page.text
