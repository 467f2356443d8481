"""The planner's seven tasks (issue 16) in headless chromium at 1280 px and 390 px, and an
accessibility audit of every kind of page with axe-core (npm, tests/package.json, injected
by the test: never served by the site). Screenshots go to ``test-output/browser/``.

The tasks: unexplored recommendations for a pair; the actions of a commune; an XLSX
download; sharing a link; a misspelt or partial name; the back button after a form; where
a population figure comes from. Needs chromium and chromedriver, and axe-core installed by
``make browser`` (skipped with a message where they are absent).
"""

from __future__ import annotations

import io
import json
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from fixtures.browser import WAIT, chromium, wait_for
from fixtures.sparql.helpers import running_server

from aula_kg.web import create_app

pytestmark = [pytest.mark.browser, pytest.mark.server]

REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / "test-output" / "browser"
AXE = REPO / "tests" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"large": 1280, "narrow": 390}


@pytest.fixture(scope="module")
def base_url(built_settings, store):
    app = create_app(built_settings, store, workers=2)
    with running_server(app) as url:
        yield url.removesuffix("/sparql")


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with chromium(tmp_path_factory.mktemp("chromium-planner"), "--hide-scrollbars") as browser:
        yield browser


@pytest.fixture(params=sorted(WIDTHS))
def browser(request, driver):
    """The browser at a page width: 1280 px (a desk) or 390 px (a phone)."""
    width = WIDTHS[request.param]
    # The viewport, not the window, is what the page sees: set it through the DevTools.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600})
    driver.width_name = request.param
    yield driver
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def texts(driver, css: str) -> list[str]:
    return [e.text.strip() for e in driver.find_elements("css selector", css)]


def shot(driver, name: str) -> None:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    width = WIDTHS[driver.width_name]
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": min(max(int(height), 900), 6000), "deviceScaleFactor": 1,
        "mobile": width < 600})
    driver.save_screenshot(str(SHOTS / f"planner-{name}-{width}.png"))
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600})


def no_horizontal_overflow(driver) -> None:
    sizes = driver.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1], f"the page is {sizes[0]} px wide in a {sizes[1]} px window"


# -- the seven tasks ---------------------------------------------------------------------


def test_task_unexplored_recommendations_for_a_pair(browser, base_url):
    browser.get(base_url + "/requetes/unexplored_recommendations")
    field = wait_for(browser, "#unexplored_recommendations-territory")
    assert field.get_attribute("value") == ""  # a placeholder, not a pre-filled value
    field.send_keys("Béthune-Bruay")
    field.submit()
    wait_for(browser, "table.results")
    understood = texts(browser, ".understood")[0]
    assert understood.startswith("Territoire reconnu : Béthune-Bruay-La-Buissière")
    assert "CA de Béthune-Bruay" in understood  # the other reading, one click away
    assert texts(browser, "table.results thead th")[0] == "N°"
    no_horizontal_overflow(browser)
    shot(browser, "1-unexplored-pair")


def test_task_actions_of_a_commune(browser, base_url):
    browser.get(base_url + "/dossier")
    field = wait_for(browser, "#territoire")
    field.send_keys("bethune")
    field.submit()
    wait_for(browser, "ol.recs")
    assert texts(browser, "h1") == ["Béthune"]
    around = texts(browser, ".around")[0]
    assert "CA de Béthune-Bruay" in around and "Béthune-Bruay-La-Buissière" in around
    assert browser.find_elements("css selector", "table.actions-table tbody tr")
    no_horizontal_overflow(browser)
    shot(browser, "2-actions-commune")


def test_task_xlsx_download(browser, base_url):
    from openpyxl import load_workbook

    browser.get(base_url + "/requetes/unexplored_recommendations?territory="
                + quote("Lens-Liévin"))
    link = wait_for(browser, ".downloads a")
    assert link.text == "Excel (XLSX)"
    with urllib.request.urlopen(link.get_attribute("href"), timeout=30) as response:
        disposition = response.headers["Content-Disposition"]
        book = load_workbook(io.BytesIO(response.read()))
    assert "preconisations-inexplorees_lens-lievin_" in disposition
    assert book.sheetnames == ["Résultats", "À propos"]
    shot(browser, "3-xlsx")


def test_task_sharing_a_link(browser, base_url):
    query = "SELECT ?s WHERE { ?s a <https://w3id.org/aula-kg/ontology#CommunePair> }"
    browser.get(base_url + "/editeur")
    wait_for(browser, ".cm-editor")
    browser.execute_script("window.aulaEditor.set(arguments[0])", query)
    browser.find_element("css selector", "#run").click()
    wait_for(browser, "#results table")
    shared = browser.current_url
    assert "/editeur?query=" in shared
    browser.get("about:blank")
    browser.get(shared)  # the shared link reruns the query
    wait_for(browser, "#results table")
    assert browser.find_element("css selector", "#query").get_attribute("value") == query
    assert browser.execute_script("return window.aulaEditor.view.state.doc.toString()") == query
    no_horizontal_overflow(browser)
    shot(browser, "4-shared-editor")


def test_task_a_partial_name(browser, base_url):
    browser.get(base_url + "/dossier?territoire=Henin-Beamont")
    wait_for(browser, ".error-box")
    link = browser.find_element("css selector", "ul.candidates a")
    assert link.text == "Hénin-Beaumont"
    shot(browser, "5-partial-name")
    link.click()
    wait_for(browser, "ol.recs")
    assert texts(browser, "h1") == ["Hénin-Beaumont"]
    browser.get(base_url + "/carte?territoire=ternos")
    wait_for(browser, "#carte svg")  # the map stays on screen
    assert "CC du Ternois" in texts(browser, "ul.candidates a")
    no_horizontal_overflow(browser)


def test_task_back_button_after_a_form(browser, base_url):
    browser.get(base_url + "/requetes/laureate_communes?programme=pvd")
    wait_for(browser, "table.results")
    from selenium.webdriver.support.ui import Select

    select = Select(browser.find_element("css selector", "#laureate_communes-programme"))
    assert select.first_selected_option.text == "Petites Villes de Demain"
    select.select_by_visible_text("Action Cœur de Ville")
    browser.find_element("css selector", "form.query-form button").click()
    wait_for(browser, "table.results")
    browser.back()
    wait_for(browser, "table.results")
    select = Select(browser.find_element("css selector", "#laureate_communes-programme"))
    assert select.first_selected_option.text == "Petites Villes de Demain"
    shot(browser, "6-back-button")


def test_task_where_a_population_comes_from(browser, base_url):
    browser.get(base_url + "/dossier/epci/246200364")
    figures = wait_for(browser, ".figures")
    assert "INSEE — Populations légales 2023 (COG 2026) · édition 2026" in figures.text
    assert "AULA — " in figures.text
    shot(browser, "7-population")
    browser.find_element("css selector", ".figures .source a").click()
    wait_for(browser, "h1")
    assert "Provenance" in browser.find_element("css selector", "main").text


# -- accessibility -----------------------------------------------------------------------

AUDITED = [
    "/", "/dossier", "/dossier/pair/lens-lievin", "/dossier/epci/246200364",
    "/dossier/commune/62498", "/dossier/territory/aula",
    "/requetes/unexplored_recommendations?territory=Lens-Li%C3%A9vin",
    "/requetes/jobs_by_commune?year=abcd", "/carte", "/id/commune/62498", "/ontology",
    "/docs", "/nulle-part",
    "/editeur?query="
    + quote("SELECT ?s WHERE { ?s a <https://w3id.org/aula-kg/ontology#Programme> }"),
]


def axe_violations(driver) -> list[dict]:
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    driver.set_script_timeout(60)
    found = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(function (r) { done(JSON.stringify(r.violations)); })"
        ".catch(function (e) { done(JSON.stringify([{id: 'axe-error', impact: 'critical',"
        " help: String(e), nodes: []}])); });")
    return [v for v in json.loads(found) if v.get("impact") in ("serious", "critical")]


@pytest.mark.parametrize("path", AUDITED)
def test_axe_finds_no_serious_violation(browser, base_url, path):
    if not AXE.exists():
        pytest.skip(f"axe-core is absent ({AXE}): run 'make browser'")
    browser.get(base_url + path)
    wait_for(browser, "h1")
    if path.startswith("/editeur"):
        wait_for(browser, "#results table")
    if path == "/docs":
        wait_for(browser, "#swagger-ui .opblock")
    violations = axe_violations(browser)
    summary = [(v["id"], v["impact"], len(v["nodes"]),
                [n.get("target") for n in v["nodes"][:3]]) for v in violations]
    assert not violations, summary
    no_horizontal_overflow(browser)


def test_the_skip_link_and_the_focus_ring(browser, base_url):
    from selenium.webdriver.common.keys import Keys

    browser.get(base_url + "/")
    wait_for(browser, "h1")
    browser.find_element("css selector", "body").send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused.get_attribute("class") == "skip" and focused.is_displayed()
    ring = browser.execute_script(
        "var s = getComputedStyle(arguments[0]); return [s.outlineColor, s.outlineWidth];",
        focused)
    assert ring == ["rgb(15, 76, 92)", "3px"]  # the brand colour: over 9:1 on white


def test_picture_text_is_readable_at_the_page_width(browser, base_url):
    """The map and heatmap (inline SVG) and the dossier's chart (an image; its smallest
    text is 11 px as drawn) show no text under 10 px at the page's width."""
    browser.get(base_url + "/carte")
    wait_for(browser, "figure.picture svg")
    smallest = browser.execute_script("""
        var sizes = [];
        document.querySelectorAll('figure.picture svg').forEach(function (svg) {
          var box = svg.viewBox && svg.viewBox.baseVal;
          if (!box || !box.width) return;
          var scale = svg.getBoundingClientRect().width / box.width;
          svg.querySelectorAll('text').forEach(function (t) {
            if (!t.textContent.trim()) return;
            sizes.push(parseFloat(getComputedStyle(t).fontSize) * scale);
          });
        });
        return Math.min.apply(null, sizes);""")
    assert smallest >= 10, f"smallest picture text is {smallest:.1f} px"
    no_horizontal_overflow(browser)
    browser.get(base_url + "/dossier/pair/lens-lievin")
    chart = wait_for(browser, "figure.chart img")
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, WAIT).until(
        lambda d: d.execute_script("return arguments[0].complete", chart))
    shown, drawn = browser.execute_script(
        "return [arguments[0].getBoundingClientRect().width, arguments[0].naturalWidth]",
        chart)
    assert 11 * shown / drawn >= 10, (shown, drawn)
    no_horizontal_overflow(browser)


# -- the editor ----------------------------------------------------------------------------


def test_the_editor_highlights_completes_and_marks_errors(browser, base_url):
    from selenium.webdriver.common.keys import Keys

    browser.get(base_url + "/editeur")
    wait_for(browser, ".cm-editor .cm-content")
    assert browser.find_elements("css selector", ".cm-content .tok-keyword")  # SELECT, WHERE
    content = browser.find_element("css selector", ".cm-content")
    content.click()
    content.send_keys(Keys.CONTROL, Keys.END)
    content.send_keys("\n# aula:Acti")
    tooltip = wait_for(browser, ".cm-tooltip-autocomplete")
    assert "aula:Action" in tooltip.text
    content.send_keys(Keys.ESCAPE)
    browser.execute_script("window.aulaEditor.set('SELECT ?s WHERE { ?s ?p }')")
    wait_for(browser, ".cm-lintRange-error")
    marker = wait_for(browser, ".cm-lint-marker-error")
    assert marker.is_displayed()
    # What runs is what the editor shows: the textarea follows it.
    assert browser.find_element("css selector", "#query").get_attribute("value") == \
        "SELECT ?s WHERE { ?s ?p }"
    shot(browser, "8-editor-error")


def test_a_commune_on_the_map_opens_its_dossier(browser, base_url):
    browser.get(base_url + "/carte")
    wait_for(browser, "#carte svg")
    browser.execute_script(
        "document.querySelector('#carte g.label[data-code=\"62498\"]')"
        ".dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    wait_for(browser, "ol.recs")
    assert browser.current_url.endswith("/dossier/commune/62498")
    assert texts(browser, "h1") == ["Lens"]
