"""A question answered: the interpretation, then the stored query's answer through the one
stored-query path (:meth:`aula_kg.answering.StoredQueries.answer`: same name resolution,
checks, time limit and row cap as ``aula-kg query`` and ``/api/queries``), and the JSON
object every face gives (``aula-kg ask --format json``, ``GET /api/ask``)."""

from __future__ import annotations

import io
import json
import threading
import weakref
from dataclasses import dataclass
from typing import Any

from ..answering import Answer, StoredQueries
from ..messages import render
from ..output import write_table
from .interpret import Choice, Interpretation, Interpreter, Value

_INTERPRETERS: weakref.WeakKeyDictionary[StoredQueries, Interpreter] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def interpreter_for(service: StoredQueries) -> Interpreter:
    """The service's interpreter, made once (blocking: it reads the name index)."""
    with _LOCK:
        interpreter = _INTERPRETERS.get(service)
    if interpreter is None:
        interpreter = Interpreter(service.catalog, service.names())
        with _LOCK:
            interpreter = _INTERPRETERS.setdefault(service, interpreter)
    return interpreter


@dataclass
class Asked:
    interpretation: Interpretation
    answer: Answer | None

    def to_json(self) -> dict[str, Any]:
        return to_json(self.interpretation, self.answer)


async def ask(service: StoredQueries, question: str, lang: str = "fr") -> Asked:
    """Interpret ``question`` and, unless it abstains, answer it."""
    import anyio

    if service.inline:
        interpreter = interpreter_for(service)
    else:
        interpreter = await anyio.to_thread.run_sync(interpreter_for, service)
    interpretation = interpreter.interpret(question, lang)
    choice = interpretation.choice
    if choice is None:
        return Asked(interpretation, None)
    return Asked(interpretation, await service.answer(choice.query, choice.given))


def ask_sync(service: StoredQueries, question: str, lang: str = "fr") -> Asked:
    import asyncio

    return asyncio.run(ask(service, question, lang))


# -- what the faces show --------------------------------------------------------------------


def parameters_json(choice: Choice) -> dict[str, Any]:
    return {name: value.json_value for name, value in choice.values.items()}


def results_json(answer: Answer) -> dict[str, Any]:
    """What ``aula-kg query NAME --format json`` prints for this answer."""
    table = answer.table
    if isinstance(table, bool):
        return {"boolean": table}
    out = io.StringIO()
    write_table(table, "json", out)
    document: dict[str, Any] = json.loads(out.getvalue())  # write_table's JSON is an object
    return document


def understood(interpretation: Interpretation, lang: str | None = None) -> str:
    """"J'ai compris : <title> — territoire : Binôme Lens-Liévin", or the abstention."""
    lang = lang or interpretation.lang
    choice = interpretation.choice
    if choice is None:
        return render("ask.abstain", {}, lang)
    parts = [render("ask.understood", {"title": choice.query.title[lang]}, lang)]
    for value in choice.values.values():
        parts.append(f"{value_type(value, lang)}{' :' if lang == 'fr' else ':'} "
                     f"{value_label(value, lang)}")
    return " — ".join(parts)


#: What a territory value is, said after its label ("Lens-Liévin (binôme)").
KIND_NAMES = {"pair": {"fr": "binôme", "en": "pair"}, "epci": {"fr": "EPCI", "en": "EPCI"},
              "commune": {"fr": "commune", "en": "commune"},
              "territory": {"fr": "territoire", "en": "territory"}}
LITERAL_NAMES = {"year": {"fr": "année", "en": "year"}, "text": {"fr": "texte", "en": "text"}}


def value_type(value: Value, lang: str) -> str:
    from ..messages import PARAMETER_TYPES

    names = PARAMETER_TYPES.get(value.type) or LITERAL_NAMES.get(value.type)
    return names[lang] if names else value.parameter


def value_label(value: Value, lang: str) -> str:
    kind = KIND_NAMES.get(value.kind or "")
    if value.type == "territory" and kind:
        return f"{value.label} ({kind[lang]})"
    return value.label


def to_json(interpretation: Interpretation, answer: Answer | None) -> dict[str, Any]:
    choice = interpretation.choice
    lang = interpretation.lang
    notes = []
    if choice is not None:
        for value in choice.values.values():
            if value.ambiguous or value.others:
                chosen = value.label
                notes.append(render("ask.ambiguous", {"typed": value.typed, "chosen": chosen},
                                    lang))
    if answer is not None:
        notes += [note.render(lang) for note in answer.notes + answer.warnings]
    return {
        "question": interpretation.question,
        "query": choice.query.name if choice else None,
        "parameters": parameters_json(choice) if choice else {},
        "confidence": interpretation.confidence,
        "understood": understood(interpretation),
        "alternatives": [{"query": alt.query.name, "parameters": parameters_json(alt)}
                         for alt in interpretation.alternatives],
        "nearest": [{"query": q.name, "question": text} for q, text in interpretation.nearest],
        "notes": notes,
        "results": results_json(answer) if answer is not None else None,
    }
