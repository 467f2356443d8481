"""How well the question box (aula_kg.ask) understands planners' questions.

Reads tests/ask/questions.toml (the tuning part) and tests/ask/heldout.toml (written
before the interpreter's examples and labels, never tuned on), interprets each question on
the built graph, and prints:

* exact accuracy: the right stored query with every parameter right (an expected
  abstention counts when it abstains), overall, on the tuning part and on the held-out part;
* the abstention rate on out-of-scope questions (query = "abstain");
* accuracy per stored query;
* the time per question in this process, interpretation only (the query is not run):
  median and 95th percentile.

    .venv/bin/python benchmarks/ask.py               # the graph in build/ (aula-kg build first)
    .venv/bin/python benchmarks/ask.py --failures    # also list the questions it gets wrong

Exit code 0 when every target holds (exact >= 95 % overall, >= 90 % held-out, every
out-of-scope question abstains, median <= 20 ms), 1 otherwise. tests/test_ask_questions.py
runs the same measure and asserts the same targets.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUESTIONS = HERE.parent / "tests" / "ask"
ID_BASE = "https://w3id.org/aula-kg/id/"
TARGETS = {"exact": 0.95, "heldout": 0.90, "out_of_scope": 1.0, "median_ms": 20.0}


@dataclass
class Case:
    text: str
    lang: str
    query: str
    params: dict[str, str]
    heldout: bool
    #: Held-out batch: 1 written before any tuning, 2 after it (never tuned on either).
    part: int = 0


@dataclass
class Measure:
    results: list[tuple[Case, bool, str]] = field(default_factory=list)
    times_ms: list[float] = field(default_factory=list)

    def share(self, keep) -> float:
        picked = [ok for case, ok, _ in self.results if keep(case)]
        return sum(picked) / len(picked) if picked else 1.0

    @property
    def exact(self) -> float:
        return self.share(lambda c: True)

    @property
    def heldout(self) -> float:
        return self.share(lambda c: c.heldout)

    @property
    def tuning(self) -> float:
        return self.share(lambda c: not c.heldout)

    @property
    def out_of_scope(self) -> float:
        return self.share(lambda c: c.query == "abstain")

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms) if self.times_ms else 0.0

    def per_query(self) -> dict[str, tuple[int, int]]:
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for case, ok, _ in self.results:
            counts[case.query][0] += ok
            counts[case.query][1] += 1
        return {name: (good, total) for name, (good, total) in sorted(counts.items())}

    def failures(self) -> list[tuple[Case, str]]:
        return [(case, got) for case, ok, got in self.results if not ok]

    def meets_targets(self) -> bool:
        return (self.exact >= TARGETS["exact"] and self.heldout >= TARGETS["heldout"]
                and self.out_of_scope >= TARGETS["out_of_scope"]
                and self.median_ms <= TARGETS["median_ms"])


def load_cases(folder: Path = QUESTIONS) -> list[Case]:
    cases = []
    for name, heldout in (("questions.toml", False), ("heldout.toml", True)):
        data = tomllib.loads((folder / name).read_text(encoding="utf-8"))
        for entry in data["question"]:
            cases.append(Case(entry["text"], entry.get("lang", "fr"), entry["query"],
                              {k: str(v) for k, v in entry.get("params", {}).items()}, heldout,
                              entry.get("part", 1) if heldout else 0))
    return cases


def expected_value(value: str) -> str:
    """'pair/lens-lievin' -> the full IRI; literals unchanged."""
    if "/" in value and not value.startswith("http") and " " not in value:
        return ID_BASE + value
    return value


def measure(interpreter, cases: list[Case]) -> Measure:
    from aula_kg.errors import InputError

    result = Measure()
    for case in cases:
        start = time.perf_counter()
        try:
            interpretation = interpreter.interpret(case.text, case.lang)
        except InputError:
            interpretation = None
        result.times_ms.append((time.perf_counter() - start) * 1000)
        choice = interpretation.choice if interpretation else None
        if choice is None:
            got = "abstain"
            ok = case.query == "abstain"
        else:
            given = {k: str(v) for k, v in choice.given.items()}
            got = f"{choice.query.name} {given}"
            expected = {k: expected_value(v) for k, v in case.params.items()}
            ok = choice.query.name == case.query and given == expected
        result.results.append((case, ok, got))
    return result


def report(result: Measure, out=sys.stdout, failures: bool = False) -> None:
    n = len(result.results)
    held = sum(1 for c, _, _ in result.results if c.heldout)
    oos = sum(1 for c, _, _ in result.results if c.query == "abstain")
    langs = defaultdict(int)
    for case, _, _ in result.results:
        langs[case.lang] += 1
    print(f"questions: {n} ({', '.join(f'{k} {v}' for k, v in sorted(langs.items()))}); "
          f"held-out {held}; out of scope {oos}", file=out)
    print(f"exact accuracy, all:      {result.exact:6.1%}  (target >= 95 %)", file=out)
    print(f"exact accuracy, tuning:   {result.tuning:6.1%}", file=out)
    print(f"exact accuracy, held-out: {result.heldout:6.1%}  (target >= 90 %)", file=out)
    for part in (1, 2):
        cases = [ok for case, ok, _ in result.results if case.heldout and case.part == part]
        if cases:
            print(f"  held-out part {part}:       {sum(cases) / len(cases):6.1%}  "
                  f"({sum(cases)}/{len(cases)})", file=out)
    print(f"out of scope abstained:   {result.out_of_scope:6.1%}  (target 100 %)", file=out)
    times = sorted(result.times_ms)
    p95 = times[int(0.95 * (len(times) - 1))] if times else 0.0
    print(f"time per question:        median {result.median_ms:.2f} ms, p95 {p95:.2f} ms "
          "(interpretation only; target median <= 20 ms)", file=out)
    print("per stored query:", file=out)
    for name, (good, total) in result.per_query().items():
        print(f"  {name:<32} {good:>3}/{total:<3}", file=out)
    if failures:
        for case, got in result.failures():
            part = "held-out" if case.heldout else "tuning"
            print(f"  MISS [{part}] {case.text!r}: expected {case.query} {case.params}, "
                  f"got {got}", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true", help="list the misses")
    args = parser.parse_args(argv)
    from aula_kg.ask import Interpreter
    from aula_kg.catalog import Catalog
    from aula_kg.config import Settings
    from aula_kg.store import open_store
    from aula_kg.territories import NameIndex

    settings = Settings.from_env()
    started = time.perf_counter()
    interpreter = Interpreter(Catalog.load(settings.queries_dir),
                              NameIndex(open_store(settings)))
    print(f"interpreter ready in {(time.perf_counter() - started) * 1000:.0f} ms")
    result = measure(interpreter, load_cases())
    report(result, failures=args.failures)
    return 0 if result.meets_targets() else 1


if __name__ == "__main__":
    sys.exit(main())
