"""The download page as a person sees it: headless chromium on a real uvicorn server lists
every dump in French, follows a link to a file the browser can fetch with the advertised
checksum, and switches to English. Screenshots go to ``test-output/browser/``."""

from __future__ import annotations

import hashlib
import urllib.request

import pytest
from fixtures.sparql.helpers import serve_app
from test_browser import browser, screenshot, texts, wait_for  # noqa: F401 (fixtures)
from test_publishing import publishing_app

from aula_kg.publishing import dumps

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.fixture(scope="module")
def base_url(built_settings, store):
    with serve_app(publishing_app(built_settings, store)) as (url, _thread):
        yield url


def test_the_download_page_in_french(browser, base_url, built_settings):  # noqa: F811
    index = dumps.read_index(built_settings.build_dir)
    # Headless chromium asks for English (Accept-Language: en-US) whatever --lang says.
    browser.get(base_url + "/telechargements?lang=fr")
    wait_for(browser, "#table-telechargements")
    assert texts(browser, "h1") == ["Télécharger le graphe"]
    assert browser.title.startswith("Téléchargements")
    rows = browser.find_elements("css selector", "#table-telechargements tbody tr")
    assert len(rows) == len(index.dumps)
    names = texts(browser, "#table-telechargements tbody td:first-child a")
    assert names == [d.name for d in index.dumps]
    whole = browser.find_element("css selector", "tr[id='aula-kg.nq.gz']").text
    assert "Le graphe entier" in whole and "N-Quads (gzip)" in whole
    assert " ko" in whole.replace("\u00a0", " ") and "," in whole  # French units and comma
    assert "Licence Ouverte 2.0" in whole
    assert "Construits le" in browser.find_element("css selector", "#date-construction").text
    cog = browser.find_element("css selector", "tr[id='graph-opendata-cog.ttl.gz']").text
    assert "Découpage administratif" in cog
    # The link the person clicks gives the advertised bytes.
    link = browser.find_element("css selector", "tr[id='aula-kg.trig.gz'] a")
    with urllib.request.urlopen(link.get_attribute("href"), timeout=30) as response:
        body = response.read()
    assert hashlib.sha256(body).hexdigest() == index.get("aula-kg.trig.gz").sha256
    assert index.get("aula-kg.trig.gz").sha256 in browser.find_element(
        "css selector", "tr[id='aula-kg.trig.gz']").text
    screenshot(browser, "20-telechargements")


def test_the_download_page_in_english(browser, base_url):  # noqa: F811
    browser.get(base_url + "/telechargements?lang=fr")
    wait_for(browser, "#table-telechargements")
    browser.find_element("css selector", "a[hreflang='en']").click()
    wait_for(browser, "#table-telechargements")
    assert texts(browser, "h1") == ["Download the graph"]
    whole = browser.find_element("css selector", "tr[id='aula-kg.nq.gz']").text
    assert "The whole graph" in whole and " kB" in whole.replace("\u00a0", " ")
    screenshot(browser, "21-downloads-english")
