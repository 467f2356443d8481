"""The pages as a person sees them: Debian's headless chromium driven through the home page,
a territory dossier, a stored-query form, a resource page, the ontology, the map and the
SPARQL editor, against a real uvicorn server on 127.0.0.1: the app over the embedded store,
and ``aula-kg serve --endpoint`` over a real Oxigraph server and over a real Virtuoso
holding the published graph (each check runs on the three). Screenshots go to
``test-output/browser/`` (git-ignored; ``-oxigraph``/``-virtuoso`` for the remote runs).

Needs the ``chromium`` and ``chromium-driver`` packages (``make browser``); skipped with a
message where they are absent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fixtures.browser import WAIT, chromium, wait_for
from fixtures.sparql.helpers import running_server
from fixtures.sparql.servers import aula_kg_serve

from aula_kg.web import create_app

pytestmark = [pytest.mark.browser, pytest.mark.server]

REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / "test-output" / "browser"


#: Appended to the screenshots' names: which store the pages were served from.
_SHOT_SUFFIX = {"suffix": ""}


@pytest.fixture(scope="module", params=["embedded", "oxigraph", "virtuoso"])
def base_url(request, built_settings, store):
    kind = request.param
    _SHOT_SUFFIX["suffix"] = "" if kind == "embedded" else f"-{kind}"
    if kind == "embedded":
        app = create_app(built_settings, store, workers=2)
        with running_server(app) as url:
            yield url.removesuffix("/sparql")
        return
    remote = request.getfixturevalue(f"{kind}_server")
    env = {"AULA_KG_HOME": str(REPO), "AULA_KG_BUILD_DIR": str(built_settings.build_dir)}
    with aula_kg_serve(remote.config.endpoint, env) as url:
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


def screenshot(driver, name: str) -> Path:
    """A full-page screenshot: the window is stretched to the page's height first."""
    height = driver.execute_script(
        "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)"
    )
    driver.set_window_size(1280, min(max(int(height) + 40, 900), 6000))
    path = SHOTS / f"{name}{_SHOT_SUFFIX['suffix']}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 900)
    assert path.stat().st_size > 10_000
    return path


def loaded(driver, image) -> None:
    """Wait until the browser has finished loading ``image`` (drawn by the server on
    request: a second or so on a remote store)."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, WAIT).until(
        lambda d: d.execute_script("return arguments[0].complete", image))


def texts(driver, css: str) -> list[str]:
    from selenium.webdriver.common.by import By

    return [e.text.strip() for e in driver.find_elements(By.CSS_SELECTOR, css)]


def test_home_page_says_what_the_graph_holds(browser, base_url):
    browser.get(base_url + "/")
    wait_for(browser, "h1")
    assert browser.title.endswith("aula-kg")
    stats = " ".join(texts(browser, ".stats li"))
    assert "communes" in stats and "EPCI" in stats and "actions" in stats
    assert "319" in stats.replace("\u202f", "")
    # Styled by the app's own style sheet (no CDN): the header has the brand colour.
    header = browser.find_element("css selector", "header.site")
    assert header.value_of_css_property("background-color") == "rgba(15, 76, 92, 1)"
    assert "Préconisations inexplorées d'un territoire" in " ".join(
        texts(browser, "details.query summary")
    )
    scripts = browser.execute_script(
        "return Array.from(document.querySelectorAll('link[href],script[src],img[src]'))"
        ".map(e => e.href || e.src)"
    )
    assert all(url.startswith(base_url) for url in scripts), scripts
    screenshot(browser, "01-home")


def test_dossier_from_the_home_page(browser, base_url):
    browser.get(base_url + "/")
    field = wait_for(browser, "#home-territoire")
    field.send_keys("lens lievin")
    field.submit()
    wait_for(browser, "ol.recs")
    assert browser.current_url.endswith("/dossier/pair/lens-lievin?lu=lens+lievin")
    assert texts(browser, "h1") == ["Lens-Liévin"]
    unexplored = texts(browser, ".rec.unexplored .rec-label")
    explored = texts(browser, ".rec.explored .rec-label")
    assert unexplored == ["Organisation", "Régulation"]
    assert explored == ["Usages", "Opérationnel", "Innovation"]
    # The unexplored ones stand out: a dashed amber frame.
    tile = browser.find_element("css selector", ".rec.unexplored")
    assert tile.value_of_css_property("border-top-style") == "dashed"
    page = browser.find_element("css selector", "main").text
    assert "PLUi de la CA de Lens-Liévin" in page and "En révision" in page
    assert "Action Cœur de Ville" in page
    # The dossier's bar chart (actions by recommendation and by status) has loaded.
    chart = browser.find_element("css selector", "figure.chart img")
    loaded(browser, chart)
    assert browser.execute_script("return arguments[0].naturalWidth", chart) > 100
    screenshot(browser, "02-dossier-lens-lievin")


def test_epci_dossier(browser, base_url):
    browser.get(base_url + "/dossier/epci/246200364")
    wait_for(browser, "ol.recs")
    assert texts(browser, "h1") == ["CA de Lens - Liévin"]
    assert len(texts(browser, ".rec")) == 5
    screenshot(browser, "03-dossier-epci")


def test_map_page(browser, base_url):
    browser.get(base_url + "/carte")
    wait_for(browser, "#carte svg")
    svg = browser.find_element("css selector", "#carte svg")
    assert svg.size["width"] > 500
    # Commune outlines were imported (data/opendata/communes-aula.geojson): one shape each.
    assert len(browser.find_elements("css selector", "#carte svg path")) > 300
    labels = {t.text for t in browser.find_elements("css selector", "#carte svg text")}
    assert {"Lens", "Liévin", "Béthune"} <= labels
    assert len(browser.find_elements("css selector", "figure.picture svg")) == 2  # + heatmap
    screenshot(browser, "09-map")


def test_stored_query_form(browser, base_url):
    browser.get(base_url + "/#q-unexplored_recommendations")
    summary = wait_for(browser, "#q-unexplored_recommendations summary")
    summary.click()
    field = wait_for(browser, "#unexplored_recommendations-territory")
    field.clear()
    field.send_keys("Béthune")
    field.submit()
    wait_for(browser, "table.results")
    assert "/requetes/unexplored_recommendations?territory=B" in browser.current_url
    headings = texts(browser, "table.results thead th")
    assert headings[:3] == ["N°", "Préconisation", "Libellé"]
    rows = [texts(browser, f"table.results tbody tr:nth-child({i}) td") for i in (1, 2)]
    assert [r[2] for r in rows] == ["Usages", "Régulation"]
    # Resources are shown by their label and link to their page.
    link = browser.find_element("css selector", "table.results tbody td a")
    assert link.get_attribute("href").startswith(base_url + "/id/recommendation/")
    screenshot(browser, "04-query-form-bethune")


def test_stored_query_form_explains_a_bad_name(browser, base_url):
    browser.get(base_url + "/requetes/unexplored_recommendations?territory=Lenz")
    box = wait_for(browser, ".error-box")
    assert "aucun élément de ce nom" in box.text
    assert "Lens" in box.text  # the suggestion
    screenshot(browser, "05-query-form-error")


def test_resource_page(browser, base_url):
    browser.get(base_url + "/id/commune/62498")
    wait_for(browser, "table.properties")
    assert texts(browser, "h1") == ["Lens"]
    page = browser.find_element("css selector", "main").text
    assert "Provenance" in page and "Liens entrants" in page
    screenshot(browser, "06-resource-lens")


def test_sparql_editor(browser, base_url):
    from selenium.webdriver.support.ui import Select

    browser.get(base_url + "/editeur")
    wait_for(browser, ".cm-editor")  # CodeMirror over the (hidden) textarea
    Select(browser.find_element("css selector", "#example")).select_by_value("coverage_matrix")
    browser.find_element("css selector", "#run").click()
    wait_for(browser, "#results table")
    assert "Terminé" in browser.find_element("css selector", "#status").text
    headings = texts(browser, "#results th")
    assert headings[:2] == ["territory", "territory_label"]
    screenshot(browser, "07-editor")


def test_ontology_page(browser, base_url):
    browser.get(base_url + "/ontology#Action")
    wait_for(browser, "article#Action")
    assert "action de revitalisation" in browser.find_element("css selector", "#Action").text
    screenshot(browser, "08-ontology")


def test_screenshots_are_kept():
    """The screenshots stay in test-output/browser for a person to look at."""
    if not SHOTS.exists() or shutil.which("chromium") is None:
        pytest.skip("no screenshots were taken (chromium absent)")
    assert len(list(SHOTS.glob("*.png"))) >= 5
