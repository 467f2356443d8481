"""The question box on every face: ``aula-kg ask``, ``GET /api/ask`` and the ``/question``
page, with good and bad questions."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from aula_kg import vocab
from aula_kg.cli import main
from aula_kg.web import create_app

ID = str(vocab.ID)
MISSION = "quelles préconisations restent inexplorées à lens lievin ?"
BAD = ["", "x" * 10_000, "actions\x00 à Lens"]
HOSTILE = ['" } DROP ALL {', "<script>alert(1)</script>"]


def run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def client(built_settings, store):
    app = create_app(built_settings, store, workers=2)
    with TestClient(app) as client:
        yield client


# -- the command line -----------------------------------------------------------------------


def test_cli_says_how_it_understood_then_answers(cli_env, capsys):
    code, out, _ = run(capsys, "ask", MISSION)
    assert code == 0
    first = out.splitlines()[0]
    assert first.startswith("J'ai compris : Préconisations inexplorées d'un territoire")
    assert "territoire : Lens-Liévin (binôme)" in first
    assert "Régulation" in out and "(2 rows)" in out


def test_cli_json_is_the_query_json(cli_env, capsys):
    code, out, _ = run(capsys, "ask", MISSION, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["question"] == MISSION
    assert data["query"] == "unexplored_recommendations"
    assert data["parameters"] == {"territory": ID + "pair/lens-lievin"}
    assert 0 < data["confidence"] <= 1
    assert {"query": "unexplored_recommendations",
            "parameters": {"territory": ID + "epci/246200364"}} in data["alternatives"]
    code, direct, _ = run(capsys, "query", "unexplored_recommendations", "-p",
                          f"territory={ID}pair/lens-lievin", "--format", "json")
    assert code == 0 and data["results"] == json.loads(direct)


def test_cli_english(cli_env, capsys):
    code, out, _ = run(capsys, "ask", "innovation actions in bethune", "--lang", "en")
    assert code == 0
    assert out.startswith("Understood as: Actions by recommendation")


def test_cli_abstains_with_nearest_questions(cli_env, capsys):
    code, out, _ = run(capsys, "ask", "quel temps fera-t-il demain ?", "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert data["query"] is None and data["results"] is None and data["parameters"] == {}
    assert len(data["nearest"]) == 3
    code, out, _ = run(capsys, "ask", "quel temps fera-t-il demain ?")
    assert code == 1
    assert out.startswith("Je ne sais pas répondre à cette question avec le graphe")


@pytest.mark.parametrize("question", BAD)
def test_cli_bad_question_is_a_clear_error(cli_env, capsys, question):
    code, out, err = run(capsys, "ask", question)
    assert code == 2 and out == ""
    assert err.startswith("aula-kg: La question") and "Traceback" not in err
    code, _, err = run(capsys, "ask", question, "--lang", "en")
    assert code == 2 and err.startswith("aula-kg: the question")


@pytest.mark.parametrize("question", HOSTILE)
def test_cli_hostile_question_abstains(cli_env, capsys, question):
    code, out, _ = run(capsys, "ask", question, "--format", "json")
    assert code == 1 and json.loads(out)["query"] is None


# -- the API --------------------------------------------------------------------------------


def test_api_ask(client):
    response = client.get("/api/ask", params={"q": "actions d'innovation à Béthune Bruay"})
    assert response.status_code == 200
    data = response.json()
    assert data["query"] == "actions_by_recommendation"
    assert data["parameters"] == {"recommendation": ID + "recommendation/innovation",
                                  "territory": ID + "pair/bethune-bruay"}
    assert data["alternatives"][0]["parameters"]["territory"] == ID + "epci/200072460"
    assert data["results"]["variables"] and data["results"]["rows"]


def test_api_ask_is_in_the_openapi_document(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/ask" in paths
    names = [p["name"] for p in paths["/api/ask"]["get"]["parameters"]]
    assert "q" in names


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "x" * 10_000},
                                    {"q": "actions\x01 à Lens"}])
def test_api_bad_question_is_a_400_json_error(client, params):
    response = client.get("/api/ask", params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "bad_request" and body["message"]


@pytest.mark.parametrize("question", HOSTILE)
def test_api_hostile_question_abstains(client, question):
    response = client.get("/api/ask", params={"q": question})
    assert response.status_code == 200
    assert response.json()["query"] is None


# -- the page -------------------------------------------------------------------------------


def test_page_shows_understanding_answer_sparql_sources_and_alternatives(client):
    response = client.get("/question", params={"q": MISSION})
    assert response.status_code == 200
    html = response.text
    assert "J'ai compris : <a href=\"/requetes/unexplored_recommendations?territory=" in html
    assert "Lens-Liévin (binôme)" in html
    assert "<table class=\"results\">" in html and "Régulation" in html
    assert "<details class=\"sparql\">" in html and "VALUES ?territory" in html
    assert "id=\"sources\"" in html and "/id/query/unexplored_recommendations" in html
    assert "CA de Lens - Liévin" in html  # the other reading, as a link
    assert "href=\"/requetes/unexplored_recommendations?territory=https%3A%2F%2Fw3id.org" \
        "%2Faula-kg%2Fid%2Fepci%2F246200364\"" in html


def test_page_abstains_with_links_to_the_nearest_questions(client):
    response = client.get("/question", params={"q": "qui a gagné la coupe du monde ?"})
    assert response.status_code == 200
    assert "Je ne sais pas répondre à cette question avec le graphe" in response.text
    assert response.text.count('href="/question?q=') == 3


def test_page_without_question_shows_the_box(client):
    response = client.get("/question")
    assert response.status_code == 200 and 'name="q"' in response.text


@pytest.mark.parametrize("question", BAD[1:])
def test_page_bad_question_is_a_400_page(client, question):
    response = client.get("/question", params={"q": question})
    assert response.status_code == 400
    assert "error-box" in response.text


def test_page_escapes_what_it_echoes(client):
    response = client.get("/question", params={"q": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    response = client.get("/question", params={"q": '" } DROP ALL {'})
    assert response.status_code == 200
    assert 'value="&#34; } DROP ALL {"' in response.text


def test_every_page_has_the_question_box(client):
    for path in ("/", "/question", "/requetes/coverage_matrix"):
        html = client.get(path).text
        assert 'class="ask-box"' in html and 'action="/question"' in html, path
