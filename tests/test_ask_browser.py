"""The question box as a person uses it: headless chromium types the mission's question in
the header box of the home page, reads how it was understood and the answer, then opens
the stored query's form pre-filled to correct it. Against a real uvicorn server on
127.0.0.1; skipped where chromium is absent (as tests/test_browser.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.sparql.helpers import running_server

from aula_kg.web import create_app

pytestmark = [pytest.mark.browser, pytest.mark.server]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT = 30


@pytest.fixture(scope="module")
def base_url(built_settings, store):
    app = create_app(built_settings, store, workers=2)
    with running_server(app) as url:
        yield url.removesuffix("/sparql")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip(f"headless chromium is absent ({CHROMIUM}, {CHROMEDRIVER})")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--disable-background-networking",
                     "--no-first-run", "--disable-extensions", "--lang=fr-FR",
                     "--window-size=1280,900",
                     f"--user-data-dir={tmp_path_factory.mktemp('chromium-ask')}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver, css: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, css)))


def test_ask_from_the_header_box_and_correct_in_the_form(browser, base_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(base_url + "/")
    box = wait_for(browser, "header .ask-box input[name=q]")
    box.send_keys("quelles préconisations restent inexplorées à lens lievin ?", Keys.ENTER)
    heading = wait_for(browser, "#compris")
    assert heading.text.startswith("J'ai compris : Préconisations inexplorées d'un territoire")
    assert "Lens-Liévin (binôme)" in heading.text
    cells = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "table.results td")]
    assert "Régulation" in cells
    details = browser.find_element(By.CSS_SELECTOR, "details.sparql")
    assert details.get_attribute("open") is None  # the SPARQL is folded
    link = heading.find_element(By.LINK_TEXT, "Lens-Liévin (binôme)")
    link.click()
    wait_for(browser, "form.query-form")
    assert "/requetes/unexplored_recommendations?territory=" in browser.current_url


def test_abstention_offers_three_questions(browser, base_url):
    from selenium.webdriver.common.by import By

    browser.get(base_url + "/question?q=" + "quel temps fera-t-il demain ?")
    heading = wait_for(browser, "#abstention")
    assert heading.text == "Je ne sais pas répondre à cette question avec le graphe."
    links = browser.find_elements(By.CSS_SELECTOR, ".ask-abstain li a")
    assert len(links) == 3
    links[0].click()
    wait_for(browser, "#compris")
