"""Pictures served by the app: SVG/PNG endpoints, the map page, the dossier chart."""

from __future__ import annotations

import os
import signal
import time
from dataclasses import replace
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

from aula_kg import pictures
from aula_kg.store.workers import wait_until_ready
from aula_kg.web import create_app
from aula_kg.web.api import query_service


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


class CountingPool:
    """The app's real pool, with the queries it is asked to run written down."""

    def __init__(self, pool):
        self.pool = pool
        self.queries: list[str] = []

    def __getattr__(self, name):
        return getattr(self.pool, name)

    async def run(self, request, timeout=None):
        self.queries.append(request.query)
        return await self.pool.run(request, timeout)


def test_the_pictures_of_the_map_page_go_through_the_query_pool(client):
    """/carte's map and heatmap are answered by the query pool (its workers, time limit and
    row cap), not by the server process."""
    service = query_service(client.app)
    counting = CountingPool(service.pool)
    service.pool = counting
    try:
        assert client.get("/carte").status_code == 200
    finally:
        service.pool = counting.pool
    ran = "\n".join(counting.queries)
    assert len(counting.queries) >= 3
    assert service.get("coverage_matrix").text in counting.queries
    assert service.internal.get("recommendations").text in counting.queries
    # The map's territory is bound into its slot as an IRI, not pasted as text.
    assert "VALUES ?territory { <https://w3id.org/aula-kg/id/territory/aula> }" in ran


def _stall_the_worker(app) -> None:
    """Stop the pool's only worker (SIGSTOP): it takes the next query and never answers."""
    pool = app.state.query_pool
    assert wait_until_ready(pool, 1, timeout=60)
    (pid,) = pool.pids()
    os.kill(pid, signal.SIGSTOP)


def test_a_picture_past_the_time_limit_answers_504(built_settings, store):
    """A picture's stored queries have the pool's deadline: a worker that hangs gives 504
    and a JSON error after the time limit (the server process is not held), and the page
    that shows the pictures says so."""
    hurried = replace(built_settings, query_timeout=1.0, answer_cache_bytes=0)
    with TestClient(create_app(hurried, store, workers=1)) as hurried_client:
        _stall_the_worker(hurried_client.app)
        started = time.monotonic()
        response = hurried_client.get("/images/couverture.svg")
        assert response.status_code == 504
        assert response.json()["error"] == "timeout"
        assert time.monotonic() - started < 10
        _stall_the_worker(hurried_client.app)  # the pool replaced the killed worker
        page = hurried_client.get("/carte")
        assert page.status_code == 504 and "Carte indisponible" in page.text
