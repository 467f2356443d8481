"""The question box as a person uses it: headless chromium types the mission's question in
the header box of the home page, reads how it was understood and the answer, then opens
the stored query's form pre-filled to correct it. Against a real uvicorn server on
127.0.0.1; skipped where chromium is absent (as tests/test_browser.py)."""

from __future__ import annotations


import pytest
from fixtures.browser import chromium, wait_for
from fixtures.sparql.helpers import running_server

from aula_kg.web import create_app

pytestmark = [pytest.mark.browser, pytest.mark.server]



@pytest.fixture(scope="module")
def base_url(built_settings, store):
    app = create_app(built_settings, store, workers=2)
    with running_server(app) as url:
        yield url.removesuffix("/sparql")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chromium(tmp_path_factory.mktemp("chromium-ask")) as driver:
        yield driver


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
