"""The latency benchmark's arithmetic (benchmarks/latency.py and latency_report.py):
medians, spreads, ratios, the build's step timings and the targets' verdicts. Nothing here
is timed."""

from __future__ import annotations

import importlib.util
import sys

from conftest import REPO


def _benchmark(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


LATENCY = _benchmark("latency_report")
BENCHMARK = _benchmark("latency")


def figure(*samples, load=(0.5, 0.5, 0.5)):
    out = LATENCY.summarise(list(samples))
    out["load_before"] = out["load_after"] = list(load)
    return out


def test_summary_is_the_median_and_the_spread():
    summary = LATENCY.summarise([0.9, 0.5, 0.7, 3.0])
    assert summary["median"] == 0.8
    assert (summary["min"], summary["max"], summary["runs"]) == (0.5, 3.0, 4)
    assert LATENCY.summarise([]) == {"runs": 0}


def test_measure_keeps_the_load_average_and_the_failures():
    answers = iter([0.2, RuntimeError("exit 1"), 0.4, 0.3])

    def run():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    result = BENCHMARK.measure(run, 4)
    assert result["median"] == 0.3 and result["runs"] == 3
    assert result["errors"] == ["exit 1"]
    assert len(result["load_before"]) == 3 and len(result["load_after"]) == 3


def test_ratio_needs_both_medians():
    assert LATENCY.ratio(figure(3.0), figure(2.0)) == 1.5
    assert LATENCY.ratio(figure(3.0), None) is None
    assert LATENCY.ratio(figure(3.0), {"runs": 0}) is None


def test_a_target_is_met_at_its_limit_not_above_and_never_when_unknown():
    assert LATENCY.verdict("t", 1.5, 1.5, "x")["met"]
    assert not LATENCY.verdict("t", 1.51, 1.5, "x")["met"]
    unknown = LATENCY.verdict("t", None, 1.5)
    assert not unknown["met"] and unknown["figure"] == "unknown"


def test_build_timings_are_read_from_the_summary_line():
    output = ("reading...\nbuilt build/aula-kg.nq (1148289 quads, 252890 inferred)\n"
              "  timings: read 7.30s, validate 11.40s, reason 16.10s, write 26.00s\n")
    assert LATENCY.parse_build_timings(output) == {
        "read": 7.3, "validate": 11.4, "reason": 16.1, "write": 26.0}
    assert LATENCY.parse_build_timings("no summary") == {}


def test_status_says_ready_by_its_ready_field_else_warm():
    assert LATENCY.status_ready({"warm": True})
    assert not LATENCY.status_ready({"warm": False})
    assert not LATENCY.status_ready({"ready": False, "warm": True})
    assert LATENCY.status_ready({"ready": True})
    assert not LATENCY.status_ready({})


def test_targets_from_figures():
    result = {
        "cli": {"aula": {"sparql ASK": figure(0.5), "stored query": figure(0.7, 0.8, 0.72),
                         "queries": figure(2.4)},
                "national": {"stored query": figure(6.5)}},
        "serve_graph": "national",
        "serve": {"/": figure(1.2), "dossier": figure(9.0)},
        "build": {"total_s": figure(67.7)},
        "queries": {"prebuilt": {"a": LATENCY.summarise([10, 12, 11]),
                                 "b": LATENCY.summarise([70, 80, 90])},
                    "memory": {"a": LATENCY.summarise([5, 6, 7])}},
    }
    verdicts = {t["target"]: t for t in LATENCY.targets(result)}
    met = {name: t["met"] for name, t in verdicts.items()}
    assert met == {
        "AULA: stored query <= 1.5x sparql ASK": True,
        "AULA: queries <= 1.5x sparql ASK": False,
        "national: stored query with a territory <= 1 s": False,
        "national: serve to the first 200 on / <= 2 s": True,
        "national: serve to the first 200 on dossier <= 2 s": False,
        "France import + build <= 60 s": False,
        "national: every stored query <= 50 ms median (prebuilt, slowest b)": False,
        "national: every stored query <= 50 ms median (memory, slowest a)": True,
    }
    assert verdicts["AULA: queries <= 1.5x sparql ASK"]["figure"] == "4.8 x"


def test_slowest_queries_first():
    timed = {"a": {"median": 3.0}, "b": {"median": 9.0}, "c": {"runs": 0}, "d": {"median": 5}}
    assert LATENCY.slowest(timed, 2) == [("b", 9.0), ("d", 5)]


def test_a_command_gives_its_output_and_a_failure_stops_the_figure():
    echo = BENCHMARK.Code("echo", ["echo"], {})
    seconds, rss, out = echo.run(["hello"])
    assert out == "hello\n" and seconds >= 0 and rss >= 0
    failing = BENCHMARK.Code("false", ["false"], {})
    result = BENCHMARK.measure(lambda: failing.seconds([]), 3)
    assert result["runs"] == 0 and len(result["errors"]) == 3


def test_a_checkout_is_named_by_its_label_or_its_path(tmp_path):
    labelled = BENCHMARK.Code.checkout(f"before={tmp_path}")
    assert labelled.label == "before" and labelled.env["PYTHONPATH"] == str(tmp_path)
    assert BENCHMARK.Code.checkout(str(tmp_path)).label == str(tmp_path)


def test_figures_are_printed_without_exponents():
    assert LATENCY.number(7040.4) == "7040"
    assert LATENCY.number(0.6721) == "0.672"
    assert LATENCY.verdict("t", 7040.4, 50, "ms")["figure"] == "7040 ms"
