"""Every message a person may read, in French and English, by code.

An error (errors.py) or a page names a code and passes its values; :func:`render` fills the
template of the language asked for. Values that are lists are joined the way each language
joins them. A code missing from the table is a bug that the tests catch
(tests/test_messages.py checks that every code used in the package is here, in both
languages, with the same placeholders).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

LANGUAGES = ("fr", "en")

#: code -> {lang: template}. Placeholders are ``str.format`` fields.
MESSAGES: dict[str, dict[str, str]] = {
    # -- stored-query parameters ------------------------------------------------------
    "parameter.missing": {
        "fr": "Le paramètre « {parameter} » est obligatoire pour la question « {query} » "
              "(attendu : {expected}).",
        "en": "missing parameter '{parameter}' for query '{query}': expected {expected}",
    },
    "parameter.unknown": {
        "fr": "La question « {query} » n'a pas de paramètre « {parameter} » "
              "(paramètres acceptés : {accepted}).",
        "en": "unknown parameter '{parameter}' for query '{query}' (accepted: {accepted})",
    },
    "parameter.twice": {
        "fr": "Le paramètre « {parameter} » est donné deux fois.",
        "en": "parameter '{parameter}' is given twice",
    },
    "parameter.not_key_value": {
        "fr": "--param attend CLÉ=VALEUR, reçu « {given} ».",
        "en": "--param expects KEY=VALUE, got {given!r}",
    },
    "parameter.expected": {
        "fr": "Valeur incorrecte pour le paramètre « {parameter} » (attendu : {expected}).",
        "en": "parameter '{parameter}': expected {expected}",
    },
    "parameter.expected_got": {
        "fr": "Valeur incorrecte pour le paramètre « {parameter} » (attendu : {expected} ; "
              "reçu : « {given} »).",
        "en": "parameter '{parameter}': expected {expected}, got {given!r}",
    },
    "parameter.too_long": {
        "fr": "Valeur incorrecte pour le paramètre « {parameter} » (attendu : {expected} ; "
              "{max_length} caractères au plus, sans caractère de contrôle).",
        "en": "parameter '{parameter}': expected {expected} "
              "(at most {max_length} characters, no control characters)",
    },
    "parameter.no_names": {
        "fr": "Le paramètre « {parameter} » désigne un lieu ou un concept, "
              "mais les noms ne peuvent pas être résolus ici.",
        "en": "parameter '{parameter}': names cannot be resolved here",
    },
    "parameter.unknown_iri": {
        "fr": "« {given} » n'est pas un élément connu du graphe (paramètre « {parameter} »).",
        "en": "parameter '{parameter}': {given} is not a known {kinds}",
    },
    "parameter.unknown_name": {
        "fr": "« {given} » : aucun élément de ce nom (paramètre « {parameter} »).",
        "en": "parameter '{parameter}': no {kinds} is named '{given}'",
    },
    "parameter.unknown_name_suggest": {
        "fr": "« {given} » : aucun élément de ce nom (paramètre « {parameter} »). "
              "Vouliez-vous dire {suggestions} ?",
        "en": "parameter '{parameter}': no {kinds} is named '{given}'; "
              "did you mean {suggestions}?",
    },
    "parameter.ambiguous": {
        "fr": "« {given} » désigne plusieurs éléments (paramètre « {parameter} ») ; "
              "précisez lequel : {candidates_text}",
        "en": "parameter '{parameter}': '{given}' is ambiguous; say which one: {candidates_text}",
    },
    # -- expectations, used inside the messages above -------------------------------
    "expect.resource": {
        "fr": "un nom, un code ou une IRI de {type}",
        "en": "a {type} name, code or IRI",
    },
    "expect.year": {"fr": "une année, par exemple 2021", "en": "a year such as 2021"},
    "expect.integer": {
        "fr": "un entier entre {low} et {high}",
        "en": "an integer between {low} and {high}",
    },
    "expect.text": {
        "fr": "un texte de {max_length} caractères au plus",
        "en": "a text of at most {max_length} characters",
    },
    # -- the catalogue ------------------------------------------------------------------
    "query.unknown": {
        "fr": "Aucune question enregistrée ne s'appelle « {name} ».",
        "en": "no stored query is named {name!r} (see 'aula-kg queries')",
    },
    # -- running queries ------------------------------------------------------------
    "query.timeout": {
        "fr": "La requête a dépassé sa limite de temps ({limit} s) et a été arrêtée.",
        "en": "the query ran past its time limit of {limit} s and was stopped",
    },
    "query.busy": {
        "fr": "Tous les exécuteurs de requêtes sont occupés depuis {wait} s ; "
              "réessayez dans un instant.",
        "en": "every query worker is busy; no worker became free in {wait} s, "
              "try again later",
    },
    # -- query execution (store.execution; the `sparql` command) ---------------------
    "query.truncated": {
        "fr": "Réponse tronquée à {rows} lignes (AULA_KG_MAX_ROWS).",
        "en": "answer truncated at {rows} rows (AULA_KG_MAX_ROWS)",
    },
}

#: How each language joins a list of alternatives ("« a » ou « b »", "'a' or 'b'").
_QUOTE = {"fr": "« {} »", "en": "'{}'"}
_OR = {"fr": " ou ", "en": " or "}

#: Type names of stored-query parameters, as each language says them.
PARAMETER_TYPES: dict[str, dict[str, str]] = {
    "territory": {"fr": "territoire", "en": "territory"},
    "commune": {"fr": "commune", "en": "commune"},
    "epci": {"fr": "EPCI", "en": "EPCI"},
    "programme": {"fr": "programme", "en": "programme"},
    "recommendation": {"fr": "préconisation", "en": "recommendation"},
    "urban-function": {"fr": "fonction urbaine", "en": "urban function"},
    "action-status": {"fr": "état d'avancement", "en": "action status"},
    "action-kind": {"fr": "type d'action", "en": "action kind"},
}


class Message:
    """A message code with its values, rendered later in the reader's language (for a
    message that is itself a value of another, such as an expectation)."""

    __slots__ = ("code", "params")

    def __init__(self, code: str, **params: Any):
        self.code = code
        self.params = params

    def render(self, lang: str) -> str:
        return render(self.code, self.params, lang)

    def __str__(self) -> str:
        return self.render("en")


def alternatives(values: list[str], lang: str) -> str:
    """``values`` quoted and joined with "or" in ``lang``."""
    return _OR[lang].join(_QUOTE[lang].format(v) for v in values)


def _value(value: Any, lang: str) -> Any:
    if isinstance(value, Message):
        return value.render(lang)
    if isinstance(value, list | tuple):
        return alternatives([str(_value(v, lang)) for v in value], lang)
    if isinstance(value, Mapping) and set(value) >= set(LANGUAGES):
        return value[lang]
    return value


def render(code: str, params: Mapping[str, Any], lang: str = "en") -> str:
    """The message ``code`` in ``lang`` with ``params`` filled in; KeyError for an unknown
    code (a bug)."""
    lang = lang if lang in LANGUAGES else "en"
    template = MESSAGES[code][lang]
    values = {name: _value(value, lang) for name, value in params.items()}
    return template.format(**values)


def placeholders(template: str) -> set[str]:
    """The field names a template uses (for the table's own test)."""
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}
