"""Progress of the long commands (issue 17): one plain line per step in logs and pipes, a
bar on a terminal, nothing on stdout."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from aula_kg.build import STEPS, build
from aula_kg.imports import registry, run_all
from aula_kg.progress import ENV, Steps, choose_mode

FIXTURES = Path(__file__).parent / "fixtures" / "opendata"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_mode_follows_the_stream_unless_the_environment_says():
    assert choose_mode(io.StringIO(), {}) == "lines"
    assert choose_mode(_Terminal(), {}) == "bar"
    assert choose_mode(_Terminal(), {"TERM": "dumb"}) == "lines"
    assert choose_mode(io.StringIO(), {ENV: "bar"}) == "bar"
    assert choose_mode(_Terminal(), {ENV: "off"}) == "off"
    closed = io.StringIO()
    closed.close()
    assert choose_mode(closed, {}) == "lines"


def test_lines_name_each_step_as_it_starts_and_time_it():
    out = io.StringIO()
    with Steps("job", ["one", "two"], stream=out, mode="lines") as steps:
        with steps.step("one"):
            steps.count(10)  # records go to a bar only
        with steps.step("two"):
            pass
        with steps.step("three"):  # a step added late still counts
            pass
    assert out.getvalue().splitlines() == ["job 1/2: one", "job 2/2: two", "job 3/3: three"]
    assert list(steps.seconds) == ["one", "two", "three"]
    assert all(seconds >= 0 for seconds in steps.seconds.values())


def test_quiet_or_off_writes_nothing():
    for kwargs in ({"quiet": True}, {"mode": "off"}):
        out = io.StringIO()
        with Steps("job", ["one"], stream=out, **kwargs) as steps, steps.step("one"):
            steps.count(5)
        assert out.getvalue() == ""


def test_a_build_tells_its_steps_in_order_on_stderr_only(built_settings, tmp_path, capsys):
    capsys.readouterr()
    build(replace(built_settings, build_dir=tmp_path / "build"))
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [f"build {i}/{len(STEPS)}: {step}"
                                for i, step in enumerate(STEPS, start=1)]


def test_import_all_tells_each_source_as_it_starts(tmp_path, capsys):
    run_all(FIXTURES, tmp_path, scope="aula")
    out, err = capsys.readouterr()
    assert out == ""
    names = ["territory", *registry.names()]
    steps = [line for line in err.splitlines() if line.startswith("import ")]
    assert steps == [f"import {i}/{len(names)}: {name}" for i, name in enumerate(names, start=1)]
    # Each source's summary follows its step line; no "records read..." line in between.
    assert err.index("import 2/") < err.index("cog: ") < err.index("import 3/")
    assert "records read..." not in err


def test_import_all_quiet_shows_no_progress(tmp_path, capsys):
    run_all(FIXTURES, tmp_path, scope="aula", quiet=True)
    assert capsys.readouterr().err == ""


_ON_A_TERMINAL = """
import sys, time
from aula_kg.progress import Steps
with Steps("job", ["first", "second"]) as steps:
    with steps.step("first"):
        steps.count(12345)
        time.sleep(0.5)  # the bar redraws itself ten times a second
        print("said while the bar runs", file=sys.stderr)
    with steps.step("second"):
        pass
print("stdout stays plain")
"""


@pytest.mark.skipif(not hasattr(pty, "openpty"), reason="needs a pseudo-terminal")
def test_on_a_terminal_a_bar_is_drawn(tmp_path):
    """stderr on a pseudo-terminal: rich draws the bar (terminal escapes), what the command
    prints on stderr meanwhile still shows, and stdout (a pipe here) stays plain."""
    primary, secondary = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != ENV}
    env.update(TERM="xterm", PYTHONPATH=str(Path(__file__).parents[1] / "src"))
    child = subprocess.Popen([sys.executable, "-c", _ON_A_TERMINAL], stdout=subprocess.PIPE,
                             stderr=secondary, env=env)
    os.close(secondary)
    screen = b""
    while True:
        ready, _, _ = select.select([primary], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        screen += chunk
    stdout = child.stdout.read() if child.stdout else b""
    assert child.wait(timeout=60) == 0
    os.close(primary)
    text = screen.decode("utf-8", "replace")
    assert "\x1b[" in text  # drawn, not plain lines
    assert "job: first" in text and "job: second" in text
    assert "12,345" in text
    assert "said while the bar runs" in text
    assert "job 1/2: first" not in text  # no plain step line on a terminal
    assert stdout == b"stdout stays plain\n"
