"""The planner's experience (issue 16): French headings declared with each stored query,
French error pages for browsers, Excel-ready downloads, forgiving territory search, forms
that show the URL's values, and "Territoire reconnu" on every answer."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.plugins.sparql import prepareQuery

from aula_kg import exports
from aula_kg.catalog import Catalog, parse_stored_query
from aula_kg.errors import InputError
from aula_kg.store import SelectResult
from aula_kg.territories import TERRITORY_KINDS, NameIndex, collation_key
from aula_kg.web import create_app

REPO = Path(__file__).resolve().parents[1]
HTML = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture(scope="module")
def client(built_settings, store):
    with TestClient(create_app(built_settings, store, workers=2)) as client:
        yield client


@pytest.fixture(scope="module")
def names(store):
    return NameIndex(store)


def main_text(html: str) -> str:
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<details class=\"sparql\">.*?</details>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


# -- headings declared with each stored query ------------------------------------------


def test_every_answer_column_has_french_and_english_headings():
    catalog = Catalog.load(REPO / "queries")
    for query in catalog:
        if query.form != "SELECT":
            continue
        variables = [str(v) for v in prepareQuery(query.text).algebra["PV"]]
        for variable in variables:
            assert set(query.columns.get(variable, {})) >= {"fr", "en"}, (query.name, variable)


def test_a_column_without_both_languages_is_refused(tmp_path):
    path = tmp_path / "one.rq"
    path.write_text('#+ title.fr = "a"\n#+ title.en = "a"\n#+ description.fr = "a"\n'
                    '#+ description.en = "a"\n#+ [columns.x]\n#+ fr = "X"\n'
                    "SELECT ?x WHERE { ?x ?p ?o }\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        parse_stored_query(path)
    assert caught.value.code == "catalog.column_languages"
    path.write_text(path.read_text().replace('#+ [columns.x]\n#+ fr = "X"\n', ""))
    assert parse_stored_query(path).heading("x_y") == "X y"  # old files still load


def test_query_page_headings_are_french_and_the_api_keeps_variables(client):
    page = client.get("/requetes/laureate_communes?programme=PVD", headers=HTML)
    assert page.status_code == 200
    headings = re.findall(r'<th scope="col">([^<]*)</th>', page.text)
    assert headings == ["Programme", "Code INSEE", "Commune", "EPCI", "Date de signature",
                        "Sources"]
    api = client.get("/api/queries/laureate_communes?programme=PVD&format=json").json()
    assert api["head"]["vars"][-2:] == ["signature_date", "sources"]


def test_a_drop_down_shows_the_value_the_url_carries(client):
    page = client.get("/requetes/laureate_communes?programme=pvd", headers=HTML).text
    selected = re.findall(r'<option value="([^"]*)" selected>', page)
    assert selected == ["Petites Villes de Demain"]
    empty = client.get("/requetes/laureate_communes", headers=HTML).text
    assert re.findall(r'<option value="([^"]*)" selected>', empty) == [""]


def test_forms_are_not_prefilled_with_examples(client):
    page = client.get("/requetes/unexplored_recommendations", headers=HTML).text
    field = re.search(r'<input id="unexplored_recommendations-territory"[^>]*>', page).group(0)
    assert 'value=""' in field and 'placeholder="ex. Lens-Liévin"' in field


def test_a_field_in_error_is_marked_invalid_in_french(client):
    page = client.get("/requetes/jobs_by_commune?year=abcd", headers=HTML)
    assert page.status_code == 400
    field = re.search(r'<input id="jobs_by_commune-year"[^>]*>', page.text).group(0)
    assert 'aria-invalid="true"' in field and 'value="abcd"' in field
    text = main_text(page.text).replace("&#39;", "'")
    assert "une année, par exemple 2021" in text and "expected" not in text
    assert "« L'année des chiffres »" in text and "« year »" not in text


# -- error pages -------------------------------------------------------------------------


def test_an_unknown_page_is_french_html_for_a_browser_and_json_for_a_client(client):
    page = client.get("/nulle-part", headers=HTML)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in page.text and "<title>Page introuvable" in page.text
    assert "Cette page n'existe pas" in page.text.replace("&#39;", "'")
    api = client.get("/nulle-part", headers={"accept": "application/json"})
    assert api.status_code == 404 and api.json()["error"] == "not_found"
    machine = client.get("/api/queries/nope", headers=HTML)
    assert machine.status_code == 404 and machine.headers["content-type"].startswith(
        "application/json")


# -- downloads ---------------------------------------------------------------------------


def test_csv_for_excel_has_a_bom_semicolons_french_headings_and_a_telling_name(client):
    response = client.get("/telecharger/unexplored_recommendations?territory=Lens-Li%C3%A9vin"
                          "&format=csv")
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == ("N°;Préconisation;Libellé;Traitée en amont par;État;"
                                    "Couverture du recensement;Communes recensées;"
                                    "Recensement;Date du recensement")
    day = dt.date.today().isoformat()
    assert f'filename="preconisations-inexplorees_lens-lievin_{day}.csv"' in \
        response.headers["content-disposition"]


def test_xlsx_has_french_headings_typed_cells_and_an_about_sheet(client):
    response = client.get("/telecharger/jobs_by_commune?year=2014&format=xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"] == exports.XLSX_TYPE
    assert 'filename="emplois-par-commune' in response.headers["content-disposition"]
    assert "_2014_" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    results, about = book["Résultats"], book["À propos"]
    rows = list(results.values)
    assert rows[0] == ("Rang", "Code INSEE", "Commune", "Emplois", "Année")
    assert isinstance(rows[1][0], int) and isinstance(rows[1][3], int)
    assert rows[1][4] == 2014
    facts = {row[0]: row[1] for row in about.values}
    assert facts["Question"] == "Emplois par commune, classés"
    assert facts["Paramètre : L'année des chiffres"] == "2014"
    assert isinstance(facts["Date de la réponse"], dt.datetime)
    assert "CC BY 4.0" in facts["Licence des données de l'agence"]
    assert any(str(k) == "Source" for k in facts)


def test_the_query_page_offers_the_spreadsheets(client):
    page = client.get("/requetes/unexplored_recommendations?territory=Lens-Li%C3%A9vin",
                      headers=HTML).text
    assert "/telecharger/unexplored_recommendations?territory=Lens-Li%C3%A9vin&amp;format=xlsx" \
        in page


def test_spreadsheet_cells_are_typed_and_formulas_stay_text(store):
    catalog = Catalog.load(REPO / "queries")
    query = catalog.get("workshops_in_date_order")
    table = SelectResult(["number", "date", "title"], [
        (Literal(3, datatype=XSD.integer), Literal("2021-05-04", datatype=XSD.date),
         Literal("=HYPERLINK(\"http://x\")")),
        (Literal("2.5", datatype=XSD.decimal), None, URIRef("https://w3id.org/aula-kg/id/x")),
    ])
    sheet = exports.sheet_for(query, table, {}, label=lambda iri: "Libellé de x")
    assert sheet.rows[0][:2] == [3, dt.date(2021, 5, 4)] and sheet.rows[1][0] == 2.5
    assert sheet.rows[1][2] == "Libellé de x"
    book = load_workbook(io.BytesIO(exports.to_xlsx(sheet)))
    cell = book["Résultats"]["C2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    csv_text = exports.to_csv(sheet).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "2,5;" in csv_text and "04/05/2021" in csv_text


# -- forgiving search --------------------------------------------------------------------


@pytest.mark.parametrize("typed, first", [
    ("Auxi", "Auxi-le-Château"), ("bruay", "Bruay-la-Buissière"), ("Henin", "Hénin-Beaumont"),
    ("saint-pol", "Saint-Pol-sur-Ternoise"), ("CA Lens", "CA de Lens - Liévin"),
    ("ternois", "CC du Ternois"),
])
def test_search_finds_partial_names_without_accents_or_case(names, typed, first):
    found = names.search(typed, TERRITORY_KINDS)
    assert found and found[0].label == first


def test_readings_give_the_reading_resolve_takes_first(names):
    readings = names.readings("Lens-Liévin", TERRITORY_KINDS)
    assert readings[0] == names.resolve("Lens-Liévin", TERRITORY_KINDS, "t")


def test_french_collation_sorts_accents_with_their_letter():
    words = ["Écoivres", "Busnes", "Béthune", "Bully", "Estrée"]
    assert sorted(words, key=collation_key) == ["Béthune", "Bully", "Busnes", "Écoivres",
                                                "Estrée"]


def test_dossier_search_offers_clickable_candidates_or_goes_straight(client):
    # A misspelt name asks first ("Hénin" alone is a planner's short name for the
    # commune, a hidden label, and opens it).
    page = client.get("/dossier?territoire=Henin-Beamont", headers=HTML)
    assert page.status_code == 400
    assert 'href="/dossier/commune/62427"' in page.text
    assert "Vouliez-vous dire" in page.text
    straight = client.get("/dossier?territoire=saint-pol", headers=HTML,
                          follow_redirects=False)
    assert straight.status_code == 303 and straight.headers["location"].startswith(
        "/dossier/commune/")


def test_the_map_stays_on_screen_for_an_unknown_name(client):
    page = client.get("/carte?territoire=ternos", headers=HTML)
    assert page.status_code == 400
    assert "<svg" in page.text and "CC du Ternois" in page.text
    assert 'href="/carte?territoire=CC+du+Ternois"' in page.text


def test_the_autocomplete_offers_every_commune_epci_and_pair(client, names):
    page = client.get("/dossier", headers=HTML).text
    options = re.findall(r'<option value="([^"]*)">', page.split('<datalist id="territoires">')[1])
    expected = {c.label for c in names.all({"commune", "epci", "pair"})}
    assert expected <= {o.replace("&#39;", "'") for o in options}


def test_query_page_candidates_rerun_the_question(client):
    page = client.get("/requetes/unexplored_recommendations?territory=Henin-Beaumon",
                      headers=HTML)
    assert page.status_code == 400
    assert "territory=H%C3%A9nin-Beaumont" in page.text


def test_every_answer_says_which_territory_was_understood(client):
    page = client.get("/requetes/unexplored_recommendations?territory=B%C3%A9thune-Bruay",
                      headers=HTML).text
    text = main_text(page).replace("&#39;", "'")
    assert "Territoire reconnu : Béthune-Bruay-La-Buissière (binôme Action Cœur de Ville)" \
        in text
    assert "CA de Béthune-Bruay, Artois-Lys Romane (EPCI)" in text


def test_action_search_ignores_accents_and_matches_word_starts(client):
    def titles(text):
        body = client.get("/api/queries/search_actions", params={"text": text, "format": "json"})
        return [b["title"]["value"] for b in body.json()["results"]["bindings"]]

    assert titles("velo") == ["Vélos électriques à Béthune"]
    assert "Vélos électriques à Béthune" in titles("BETHUNE")
    assert not any("développement" in t for t in titles("velo"))
    assert titles("a.b") == [] and titles("(") == []


# -- connected pages and figures ---------------------------------------------------------


def test_a_commune_dossier_links_to_its_epci_pair_and_agency_territory(client):
    page = client.get("/dossier/commune/62498", headers=HTML).text  # Lens
    around = re.search(r'<p class="around">(.*?)</p>', page, re.S).group(1)
    for href in ("/dossier/epci/246200364", "/dossier/pair/lens-lievin",
                 "/dossier/territory/aula"):
        assert f'href="{href}"' in around


def test_epci_members_open_their_dossiers(client):
    page = client.get("/dossier/epci/246200364", headers=HTML).text
    members = page.split('id="membres"', 1)[1]
    assert 'href="/dossier/commune/62498"' in members
    assert 'href="/id/commune/62498"' not in members


def test_dossiers_show_the_official_population_beside_the_agencys(client):
    epci = main_text(client.get("/dossier/epci/246200364", headers=HTML).text)
    assert "242 591 habitants — population municipale 2023" in epci
    assert "INSEE — Populations légales 2023 (COG 2026) · édition 2026" in epci
    assert "242 000 habitants" in epci and "AULA — " in epci
    commune = main_text(client.get("/dossier/commune/62498", headers=HTML).text)
    assert "32 920 habitants" in commune
    assert "Aucun indicateur pour ce territoire" not in commune


def test_the_editor_reruns_a_shared_query_and_speaks_french(client):
    page = client.get("/editeur", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"},
                      headers=HTML).text
    assert 'data-autorun="1"' in page and "LIMIT 1</textarea>" in page
    texts = json_between(page, '<script type="application/json" id="error-texts">')
    assert texts["bad_query"].startswith("La requête est refusée")
    assert 'data-autorun' not in client.get("/editeur", headers=HTML).text


def json_between(page: str, opening: str):
    import json

    return json.loads(page.split(opening, 1)[1].split("</script>", 1)[0])


def test_api_docs_are_a_french_page_of_the_site(client):
    page = client.get("/docs", headers=HTML).text
    assert '<html lang="fr">' in page and '<header class="site">' in page
    assert "API des questions enregistrées" in page and 'id="swagger-ui" lang="en"' in page
    assert client.get("/static/docs.js").status_code == 200


def test_pages_have_a_skip_link_and_no_graph_iris_in_answers(client):
    page = client.get("/requetes/laureate_communes?programme=pvd", headers=HTML).text
    assert '<a class="skip" href="#contenu">' in page
    table = page.split('<table class="results">', 1)[1].split("</table>", 1)[0]
    assert "w3id.org/aula-kg/graph/" not in table


def test_the_command_line_writes_the_same_spreadsheets(cli_env, capsys, tmp_path,
                                                       monkeypatch):
    from aula_kg.cli import main

    out = tmp_path / "emplois.xlsx"
    assert main(["query", "jobs_by_commune", "--format", "xlsx", "--out", str(out)]) == 0
    book = load_workbook(out)
    assert next(book["Résultats"].values) == ("Rang", "Code INSEE", "Commune", "Emplois",
                                              "Année")
    monkeypatch.chdir(tmp_path)
    assert main(["query", "unexplored_recommendations", "-p", "territory=Lens-Liévin",
                 "--format", "excel-csv"]) == 0
    written = tmp_path / f"preconisations-inexplorees_lens-lievin_{dt.date.today()}.csv"
    assert written.read_bytes().startswith(b"\xef\xbb\xbfN\xc2\xb0;")
    capsys.readouterr()


def test_the_editor_checks_a_query_without_running_it(client):
    fine = client.post("/editeur/analyse", data={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert fine.json() == {"error": None}
    broken = client.post("/editeur/analyse", data={"query": "SELECT ?s WHERE {\n ?s ?p }"})
    error = broken.json()["error"]
    assert error["line"] == 2 and error["message"].startswith("La requête ne se lit pas")
    update = client.post("/editeur/analyse", data={"query": "DROP ALL"}).json()["error"]
    assert "lecture seule" in update["message"]
    page = client.get("/editeur", headers=HTML).text
    terms = json_between(page, '<script type="application/json" id="terms">')
    labels = {t["label"] for t in terms}
    assert {"aula:", "aula:Action", "aula:concernsCommune", "SELECT"} <= labels
    assert "/static/sparql-editor.js" in page
    assert client.get("/static/sparql-editor.js").status_code == 200


def test_no_answer_table_shows_a_curie_or_a_graph_iri(client):
    from urllib.parse import urlencode

    catalog = Catalog.load(REPO / "queries")
    curie_like = re.compile(r"\b(?:id|aula|igeo|skos|rdfs|prov|dcterms|graph):[\w/.-]+")
    for query in catalog:
        params = dict(query.examples) or {"run": "1"}
        page = client.get(f"/requetes/{query.name}?{urlencode(params)}", headers=HTML).text
        if '<table class="results">' not in page:
            continue
        table = page.split('<table class="results">', 1)[1].split("</table>", 1)[0]
        text = re.sub(r"<[^>]+>", " ", table)
        assert not curie_like.findall(text), (query.name, curie_like.findall(text)[:3])
        assert "w3id.org/aula-kg/graph/" not in text, query.name


def test_a_dossier_reached_by_name_says_how_the_name_was_read(client):
    response = client.get("/dossier?territoire=B%C3%A9thune-Bruay", headers=HTML)
    assert response.status_code == 200
    assert str(response.url).endswith("/dossier/pair/bethune-bruay?lu=B%C3%A9thune-Bruay")
    text = main_text(response.text).replace("&#39;", "'")
    assert "Territoire reconnu pour « Béthune-Bruay » : Béthune-Bruay-La-Buissière" in text
    assert 'href="/dossier/epci/200072460"' in response.text.split('class="understood"')[1]


def test_asking_the_api_for_a_spreadsheet_leads_to_the_download(client):
    response = client.get("/api/queries/jobs_by_commune?year=2014&format=xlsx",
                          follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/telecharger/jobs_by_commune?year=2014&format=xlsx"
    assert client.get("/api/queries/jobs_by_commune?format=pdf").status_code == 406


def test_laureates_in_a_dossier_open_their_dossiers(client):
    page = client.get("/dossier/epci/200072460", headers=HTML).text
    programmes = page.split('id="programmes"', 1)[1].split("</section>", 1)[0]
    assert 'href="/dossier/commune/62119"' in programmes  # Béthune, ACV laureate
    assert "communes</summary>" in programmes or "<details" not in programmes
