"""The question box measured on tests/ask/questions.toml (tuning part) and
tests/ask/heldout.toml (held out: written before the examples and labels): the targets of
issue 13, asserted. Deterministic: the same questions always give the same figures."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from aula_kg.catalog import Catalog
from aula_kg.config import Settings
from aula_kg.territories import NameIndex

REPO = Path(__file__).resolve().parents[1]


def _benchmark():
    spec = importlib.util.spec_from_file_location("ask_benchmark", REPO / "benchmarks" / "ask.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


BENCH = _benchmark()
CASES = BENCH.load_cases()


@pytest.fixture(scope="module")
def measured(store):
    from aula_kg.ask import Interpreter

    interpreter = Interpreter(Catalog.load(Settings.from_env().queries_dir), NameIndex(store))
    return BENCH.measure(interpreter, CASES)


#: Stored queries the question box cannot fill yet, each with the reason. It abstains on
#: them (tested below) rather than guess.
NOT_YET_ASKABLE = {
    "census_comparison": "two census identifiers: the interpreter recognises resources "
                         "and one free text, and census identifiers are neither yet",
}


def test_the_question_set_is_as_large_as_asked():
    french = [c for c in CASES if c.lang == "fr"]
    english = [c for c in CASES if c.lang == "en"]
    assert len(french) >= 150 and len(english) >= 20
    assert sum(c.query == "abstain" for c in CASES) >= 15
    assert any(c.heldout for c in CASES)
    catalog = Catalog.load(Settings.from_env().queries_dir)
    asked = {c.query for c in CASES}
    for query in catalog:
        if not query.name.endswith("-violation") and query.name not in NOT_YET_ASKABLE:
            assert query.name in asked, f"no question for {query.name}"
    for case in CASES:
        assert case.query == "abstain" or case.query in catalog.queries, case.text


def test_a_query_not_yet_askable_gets_an_abstention_not_a_guess(built_settings, store):
    from aula_kg.answering import StoredQueries
    from aula_kg.ask import interpreter_for

    interpreter = interpreter_for(StoredQueries.in_process(store, built_settings))
    understood = interpreter.interpret(
        "qu'est-ce qui a changé à Lens-Liévin entre les recensements acv-2021-10 et acv-2026")
    assert understood.choice is None


def test_targets(measured, capsys):
    with capsys.disabled():
        BENCH.report(measured)
    misses = "\n".join(f"{c.text!r}: expected {c.query} {c.params}, got {got}"
                       for c, got in measured.failures())
    assert measured.exact >= 0.95, misses
    assert measured.heldout >= 0.90, misses
    assert measured.out_of_scope == 1.0, misses
    assert measured.median_ms <= 20.0


def test_measure_is_deterministic(store, measured):
    from aula_kg.ask import Interpreter

    again = BENCH.measure(Interpreter(Catalog.load(Settings.from_env().queries_dir),
                                      NameIndex(store)), CASES)
    assert [(c.text, ok, got) for c, ok, got in again.results] == \
        [(c.text, ok, got) for c, ok, got in measured.results]
