"""``aula-kg ask "QUESTION"``: a planner's question answered with the stored queries.

Prints how the question was understood (the stored query, each value and what it
resolved to, the other readings), then the answer as ``aula-kg query`` prints it. With
``--format json``: one object (question, query, parameters, confidence, alternatives,
results). Exit 0 answered, 1 abstained (no stored query fits), 2 a bad question.
The handler imports the question answering when it runs (start-up time, issue 17).
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "ask",
        help="answer a question in French or English with the stored queries "
             "(exit 0 answered, 1 no stored query fits, 2 bad question)",
    )
    p.add_argument("question", help='the question, e.g. "préconisations inexplorées à Lens"')
    p.add_argument("--format", choices=["table", "csv", "json", "md"], default="table")
    p.add_argument("--lang", choices=["fr", "en"], default="fr",
                   help="the language of the explanation (the question may be in either)")
    p.set_defaults(handler=cmd_ask)


def cmd_ask(args: argparse.Namespace) -> int:
    import json

    from ..answering import StoredQueries
    from ..ask import ask_sync, understood
    from ..ask.answer import to_json
    from ..config import Settings
    from ..errors import InputError
    from ..messages import render
    from ..output import write_table
    from ..store import open_store

    settings = Settings.from_env()
    service = StoredQueries.in_process(open_store(settings), settings)
    try:
        asked = ask_sync(service, args.question, args.lang)
    except InputError as exc:  # a bad question: said in the reader's language
        print(f"aula-kg: {exc.text(args.lang)}", file=sys.stderr)
        return exc.exit_code
    interpretation, answer = asked.interpretation, asked.answer
    if args.format == "json":
        json.dump(to_json(interpretation, answer), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0 if answer is not None else 1
    lang = args.lang
    out = sys.stderr if args.format == "csv" else sys.stdout
    print(understood(interpretation, lang), file=out)
    choice = interpretation.choice
    if choice is None or answer is None:  # the one is None when the other is (ask.answer)
        print(render("ask.nearest", {}, lang), file=out)
        for query, question in interpretation.nearest:
            print(f"  {question}    [{query.name}]", file=out)
        return 1
    for value in choice.values.values():
        print(f"  {value.parameter} = {value.value}    (« {value.typed} »)", file=out)
        if value.ambiguous or value.others:
            print("  " + render("ask.ambiguous", {"typed": value.typed, "chosen": value.label},
                                lang), file=out)
    if interpretation.alternatives:
        print(render("ask.alternatives", {}, lang), file=out)
        for alternative in interpretation.alternatives:
            given = ", ".join(f"{k}={v.label}" for k, v in alternative.values.items())
            print(f"  {alternative.query.name}" + (f" ({given})" if given else ""), file=out)
    print(f"  confidence {interpretation.confidence:.2f}", file=out)
    print(file=out)
    for note in answer.notes + answer.warnings:
        print(f"aula-kg: note: {note.render(lang)}", file=sys.stderr)
    result = answer.table
    if isinstance(result, bool):
        print("true" if result else "false")
    else:
        write_table(result, args.format, sys.stdout)
    return 0
