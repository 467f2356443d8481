"""The one fr/en message table (aula_kg.messages) and the errors that render from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import aula_kg
from aula_kg import messages
from aula_kg.catalog import Catalog
from aula_kg.config import Settings
from aula_kg.errors import ParameterError

PACKAGE = Path(aula_kg.__file__).parent
CODE_USE = re.compile(r"""(?:code=|Message\()\s*["'](\w+\.[\w.]+)["']""")


def codes_used() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        found |= set(CODE_USE.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_code_used_in_the_package_is_in_the_table():
    used = codes_used()
    assert used, "the scan found no message code: the pattern is out of date"
    assert sorted(used - set(messages.MESSAGES)) == []


@pytest.mark.parametrize("code", sorted(messages.MESSAGES))
def test_each_message_has_both_languages_and_renders_from_the_same_values(code):
    templates = messages.MESSAGES[code]
    assert set(templates) == set(messages.LANGUAGES)
    names = set().union(*(messages.placeholders(t) for t in templates.values()))
    for lang in messages.LANGUAGES:
        assert messages.render(code, {name: "x" for name in names}, lang)


def test_a_parameter_error_speaks_the_readers_language():
    """The pages used to translate the catalogue's English back to French with regexes, so
    rewording a message turned the page English without a failing test."""
    catalog = Catalog.load(Settings.from_env().queries_dir)
    query = catalog.get("unexplored_recommendations")
    with pytest.raises(ParameterError) as caught:
        query.bindings({"no_such_parameter": "x"}, None)
    assert caught.value.text("en").startswith("unknown parameter 'no_such_parameter'")
    assert "n'a pas de paramètre « no_such_parameter »" in caught.value.text("fr")
    assert caught.value.message == caught.value.text("en")


def test_expectations_render_inside_messages_in_each_language():
    message = messages.render(
        "parameter.expected_got",
        {"parameter": "year", "expected": messages.Message("expect.year"), "given": "abcd"},
        "fr",
    )
    assert message == (
        "Valeur incorrecte pour le paramètre « year » (attendu : une année, par exemple "
        "2021 ; reçu : « abcd »)."
    )


def test_suggestions_are_joined_the_way_each_language_joins_them():
    params = {"parameter": "territory", "given": "Ternois", "kinds": "epci",
              "suggestions": ["Ternas", "Ternois Com"]}
    assert messages.render("parameter.unknown_name_suggest", params, "fr").endswith(
        "Vouliez-vous dire « Ternas » ou « Ternois Com » ?")
    assert messages.render("parameter.unknown_name_suggest", params, "en").endswith(
        "did you mean 'Ternas' or 'Ternois Com'?")
