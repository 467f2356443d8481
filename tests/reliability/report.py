"""The reliability summary: cases tried and passed, load held, faults survived, data lost.

The suite's conftest records each test's outcome here and prints the table at the end of
any pytest run that includes ``tests/reliability``. Run directly, this file runs the suite
and prints the same table::

    .venv/bin/python tests/reliability/report.py                 # the whole suite (as CI)
    .venv/bin/python tests/reliability/report.py --kill-repeat 20  # kill tests, 20 rounds
    .venv/bin/python tests/reliability/report.py --load-seconds 60 # a longer load test

``--kill-repeat N`` sets ``AULA_KG_KILL_REPEAT``: each kill test then kills N times (at
random delays and at each kill point) instead of once per point.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


@dataclasses.dataclass
class Tally:
    tried: int = 0
    passed: int = 0
    skipped: int = 0
    by_family: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    passed_by_family: collections.Counter = dataclasses.field(default_factory=collections.Counter)


class Report:
    def __init__(self):
        self.cases = Tally()
        self.load = Tally()
        self.faults = Tally()
        self.regressions = Tally()
        self.kills = 0  # SIGKILLs delivered by the fault tests
        self.data_checks = 0  # comparisons of files / graphs with their previous version
        self.data_lost = 0  # comparisons that found a difference
        self.notes: list[str] = []

    # -- recording ----------------------------------------------------------------------

    def outcome(self, module: str, family: str | None, passed: bool, skipped: bool) -> None:
        tally = {"test_bad_inputs": self.cases, "test_load": self.load,
                 "test_regressions": self.regressions}.get(module, self.faults)
        if skipped:
            tally.skipped += 1
            return
        tally.tried += 1
        tally.passed += int(passed)
        if family:
            tally.by_family[family] += 1
            tally.passed_by_family[family] += int(passed)

    def data(self, same: bool, what: str = "") -> None:
        """One check that data on disk or served is the previous good version."""
        self.data_checks += 1
        if not same:
            self.data_lost += 1
            self.notes.append(f"data changed: {what}")

    def note(self, text: str) -> None:
        self.notes.append(text)

    @property
    def empty(self) -> bool:
        return not (self.cases.tried or self.cases.skipped or self.load.tried
                    or self.faults.tried or self.regressions.tried)

    # -- the table ------------------------------------------------------------------------

    def lines(self) -> list[str]:
        def row(name: str, value: str) -> str:
            return f"| {name:<34} | {value:<40} |"

        def ratio(t: Tally) -> str:
            skipped = f", {t.skipped} skipped" if t.skipped else ""
            return f"{t.passed}/{t.tried} passed{skipped}"

        rule = f"|{'-' * 36}|{'-' * 42}|"
        out = [row("reliability", "result"), rule]
        out.append(row("bad-input cases tried / passed", ratio(self.cases)))
        for family in sorted(self.cases.by_family):
            out.append(row(f"  {family}", f"{self.cases.passed_by_family[family]}/"
                                           f"{self.cases.by_family[family]}"))
        held = "yes" if self.load.tried and self.load.passed == self.load.tried else (
            "not run" if not self.load.tried else "NO")
        out.append(row("load held", f"{held} ({ratio(self.load)})"))
        out.append(row("faults survived", ratio(self.faults)))
        out.append(row("regression tests (bugs found)", ratio(self.regressions)))
        out.append(row("SIGKILLs delivered", str(self.kills)))
        out.append(row("data checks after faults and cases", str(self.data_checks)))
        out.append(row("data lost", str(self.data_lost)))
        return out + [f"  {note}" for note in self.notes]


REPORT = Report()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kill-repeat", type=int, default=None,
                        help="run only the kill tests, N rounds each")
    parser.add_argument("--load-seconds", type=float, default=None,
                        help="seconds of the load test (default 10 in the suite)")
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    target = [str(HERE)]
    if args.kill_repeat:
        env["AULA_KG_KILL_REPEAT"] = str(args.kill_repeat)
        target = [str(HERE / "test_faults.py"), "-k", "kill"]
    if args.load_seconds:
        env["AULA_KG_LOAD_SECONDS"] = str(args.load_seconds)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:warnings", *target,
               *args.pytest_args]
    return subprocess.call(command, cwd=REPO, env=env)


if __name__ == "__main__":
    sys.exit(main())
