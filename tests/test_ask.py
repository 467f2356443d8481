"""The question box's interpreter (aula_kg.ask): normalisation, values read through the
parameters' own name index, intent, abstention, ambiguity and bad input."""

from __future__ import annotations

import pytest

from aula_kg import vocab
from aula_kg.answering import StoredQueries
from aula_kg.ask import Interpreter, ask_sync
from aula_kg.ask.normalise import MAX_LENGTH, stems, words
from aula_kg.catalog import Catalog, parse_stored_query
from aula_kg.config import Settings
from aula_kg.errors import InputError
from aula_kg.territories import NameIndex

ID = str(vocab.ID)
CATALOG = Catalog.load(Settings.from_env().queries_dir)


@pytest.fixture(scope="module")
def interpreter(store):
    return Interpreter(CATALOG, NameIndex(store))


@pytest.fixture(scope="module")
def service(built_settings, store):
    return StoredQueries.in_process(store, built_settings)


# -- normalisation --------------------------------------------------------------------------


def test_words_fold_case_accents_elisions_and_punctuation():
    assert words("Qu'est-ce que l’agglo de Lens-Liévin a fait ?") == [
        "est", "ce", "que", "agglo", "de", "lens", "lievin", "a", "fait"]
    assert words("Cœur de ville, 5 %") == ["coeur", "de", "ville", "5", "%"]


def test_stems_meet_plural_and_feminine_forms():
    assert stems("préconisations inexplorées") == stems("preconisation inexplore")
    assert stems("actions réalisées") == stems("action realise")


# -- metadata -------------------------------------------------------------------------------


def test_every_planners_query_declares_example_questions_in_both_languages():
    for query in CATALOG:
        if query.name.endswith("-violation"):
            continue
        assert len(query.questions.get("fr", [])) >= 3, query.name
        assert query.questions.get("en"), query.name


def test_examples_key_is_optional_and_checked(tmp_path):
    plain = tmp_path / "plain.rq"
    plain.write_text('#+ title.fr = "t"\n#+ title.en = "t"\n#+ description.fr = "d"\n'
                     '#+ description.en = "d"\nSELECT * WHERE { ?s ?p ?o }\n', encoding="utf-8")
    assert parse_stored_query(plain).questions == {}
    bad = tmp_path / "bad.rq"
    bad.write_text(plain.read_text(encoding="utf-8").replace(
        "SELECT", '#+ examples.fr = "not a list"\nSELECT'), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        parse_stored_query(bad)
    assert caught.value.code == "catalog.bad_examples"


# -- values through the parameters' resolver ------------------------------------------------


def test_mission_question(interpreter):
    reading = interpreter.interpret("quelles préconisations restent inexplorées à lens lievin ?")
    assert reading.choice.query.name == "unexplored_recommendations"
    assert reading.choice.given == {"territory": ID + "pair/lens-lievin"}
    # The other reading of "Lens-Liévin", the CA, is offered.
    assert any(alt.given.get("territory") == ID + "epci/246200364"
               for alt in reading.alternatives)


def test_bethune_bruay_is_the_pair_and_the_ca_an_alternative(interpreter):
    reading = interpreter.interpret("actions d'innovation à Béthune Bruay")
    assert reading.choice.query.name == "actions_by_recommendation"
    assert reading.choice.given == {"recommendation": ID + "recommendation/innovation",
                                    "territory": ID + "pair/bethune-bruay"}
    value = reading.choice.values["territory"]
    assert ID + "epci/200072460" in [str(c.iri) for c in value.others]
    assert reading.alternatives[0].given["territory"] == ID + "epci/200072460"


@pytest.mark.parametrize("typed, iri", [
    ("CALL", "epci/246200364"), ("l'agglo de Lens", "epci/246200364"),
    ("CABBALR", "epci/200072460"), ("CAHC", "epci/246200299"), ("246200299", "epci/246200299"),
    ("62119", "commune/62119"), ("Lievn", "commune/62510"), ("bethun", "commune/62119"),
])
def test_names_codes_abbreviations_informal_names_and_near_misses(interpreter, typed, iri):
    reading = interpreter.interpret(f"préconisations inexplorées {typed}")
    assert reading.choice.query.name == "unexplored_recommendations"
    assert reading.choice.given == {"territory": ID + iri}


def test_hidden_labels_resolve_for_the_parameters_too(store):
    names = NameIndex(store)
    assert str(names.resolve("cœur de ville", {"programme"}, "p").iri) == ID + "programme/acv"
    assert str(names.resolve("terminée", {"action-status"}, "s").iri) == \
        ID + "action-status/realisee"
    assert str(names.resolve("vélo", {"action-kind"}, "k").iri) == \
        ID + "action-kind/velo-electrique"


def test_a_status_goes_to_the_query_with_a_status_parameter(interpreter):
    reading = interpreter.interpret("actions deja terminees")
    assert reading.choice.query.name == "actions_by_status"
    assert reading.choice.given == {"status": ID + "action-status/realisee"}


def test_year_and_percentage(interpreter):
    assert interpreter.interpret("emplois par commune en 2014").choice.given == {"year": "2014"}
    reading = interpreter.interpret("écart de population avec une tolérance de 3 %")
    assert reading.choice.query.name == "reconcile_populations"
    assert reading.choice.given == {"tolerance": "3"}


# -- abstention -----------------------------------------------------------------------------


@pytest.mark.parametrize("question", [
    "quel temps fera-t-il demain à Lens ?", "prix de l'immobilier à Béthune",
    "résultat du match du RC Lens", "bonjour",
])
def test_out_of_scope_abstains_with_three_nearest_questions(interpreter, question):
    reading = interpreter.interpret(question)
    assert reading.choice is None
    assert len(reading.nearest) == 3
    assert all(text for _query, text in reading.nearest)


def test_a_required_value_missing_is_never_guessed(interpreter):
    for question in ("dossier du territoire", "préconisations inexplorées"):
        reading = interpreter.interpret(question)
        assert reading.choice is None or not reading.choice.missing
        assert reading.choice is None or reading.choice.query.name not in (
            "territory_dossier", "unexplored_recommendations")


def test_the_same_question_gives_the_same_reading(interpreter):
    first = interpreter.interpret("actions a lens lievin")
    again = interpreter.interpret("actions a lens lievin")
    assert (first.choice.query.name, first.choice.given, first.confidence) == \
        (again.choice.query.name, again.choice.given, again.confidence)


# -- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("question, code", [
    ("", "ask.empty"), ("   ", "ask.empty"), ("x" * 10_000, "ask.too_long"),
    ("actions\x00 à Lens", "ask.control_characters"), ("a\x1b[31m", "ask.control_characters"),
])
def test_bad_questions_get_a_clear_message(interpreter, question, code):
    with pytest.raises(InputError) as caught:
        interpreter.interpret(question)
    assert caught.value.code == code
    assert caught.value.text("fr") and caught.value.text("en")
    assert MAX_LENGTH == 500


@pytest.mark.parametrize("question", ['" } DROP ALL {', "<script>alert(1)</script>",
                                      "SELECT * WHERE { ?s ?p ?o }"])
def test_query_syntax_or_html_abstains(interpreter, question):
    assert interpreter.interpret(question).choice is None


def test_a_question_s_text_never_becomes_query_syntax(service):
    """A searched text is a typed value: it reaches the query as one escaped literal."""
    asked = ask_sync(service, 'actions qui parlent de « x" } DROP ALL { »')
    assert asked.interpretation.choice.query.name == "search_actions"
    assert asked.interpretation.choice.given == {"text": 'x" } DROP ALL {'}
    assert 'VALUES ?text { "x\\" } DROP ALL {" }' in asked.answer.text
    assert asked.answer.rows() == []


def test_answer_is_the_stored_query_s_answer(service):
    asked = ask_sync(service, "préconisations inexplorées à Lens-Liévin")
    direct = service.answer_sync("unexplored_recommendations",
                                 {"territory": ID + "pair/lens-lievin"})
    assert asked.answer.rows() == direct.rows()
    assert asked.answer.text == direct.text
