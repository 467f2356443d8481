"""The latency benchmark's figures (benchmarks/latency.py): medians and spreads, ratios,
the build's step timings, the targets of issue 17 met or not, and the Markdown report."""

from __future__ import annotations

import re
import statistics

#: Targets of issue 17.
CLI_RATIO = 1.5          # a stored query, and the catalogue, within 1.5x an ASK (AULA graph)
NATIONAL_QUERY_S = 1.0   # a stored query with a territory on the national graph
PAGE_S = 2.0             # `/` and a dossier after `serve` starts (national graph)
IMPORT_BUILD_S = 60.0    # France imported and built
QUERY_MS = 50.0          # every stored query, median, national graph


def summarise(samples: list[float]) -> dict:
    """Median and spread of a figure's runs (seconds, or whatever unit they share)."""
    if not samples:
        return {"runs": 0}
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples),
            "runs": len(samples), "samples": list(samples)}


def number(value: float) -> str:
    """Three significant digits, without an exponent."""
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"


def verdict(name: str, value: float | None, limit: float, unit: str = "s") -> dict:
    """A target: met when the figure is known and at most ``limit``."""
    met = value is not None and value <= limit
    shown = "unknown" if value is None else f"{number(value)} {unit}".strip()
    return {"target": name, "met": met, "figure": shown, "limit": limit}


def ratio(a: dict | None, b: dict | None) -> float | None:
    """Median of ``a`` over median of ``b``, when both are known."""
    if not a or not b or "median" not in a or "median" not in b or not b["median"]:
        return None
    return a["median"] / b["median"]


def median_of(figure: dict | None) -> float | None:
    return figure.get("median") if figure else None


def parse_build_timings(output: str) -> dict[str, float]:
    """The build's per-step seconds from its summary line ``timings: read 7.30s, ...``."""
    for line in output.splitlines():
        if "timings:" in line:
            tail = line.split("timings:", 1)[1]
            return {step: float(secs) for step, secs in re.findall(r"(\w+) ([\d.]+)s", tail)}
    return {}


def status_ready(status: dict) -> bool:
    """Whether ``/api/status`` says the pages are ready: ``ready`` if it says, else ``warm``."""
    return bool(status["ready"] if "ready" in status else status.get("warm"))


def slowest(timed: dict, count: int = 5) -> list[tuple[str, float]]:
    medians = [(name, f["median"]) for name, f in timed.items() if "median" in f]
    return sorted(medians, key=lambda item: -item[1])[:count]


def targets(result: dict) -> list[dict]:
    out = []
    cli = result.get("cli", {})
    aula = cli.get("aula", {})
    if aula:
        out.append(verdict(f"AULA: stored query <= {CLI_RATIO}x sparql ASK",
                           ratio(aula.get("stored query"), aula.get("sparql ASK")), CLI_RATIO,
                           "x"))
        out.append(verdict(f"AULA: queries <= {CLI_RATIO}x sparql ASK",
                           ratio(aula.get("queries"), aula.get("sparql ASK")), CLI_RATIO, "x"))
    national = cli.get("national", {})
    if national:
        out.append(verdict(f"national: stored query with a territory <= {NATIONAL_QUERY_S:g} s",
                           median_of(national.get("stored query")), NATIONAL_QUERY_S))
    serve = result.get("serve")
    if serve:
        for page in ("/", "dossier"):
            out.append(verdict(f"{result['serve_graph']}: serve to the first 200 on {page} "
                               f"<= {PAGE_S:g} s", median_of(serve.get(page)), PAGE_S))
    build = result.get("build")
    if build and "total_s" in build:
        out.append(verdict(f"France import + build <= {IMPORT_BUILD_S:g} s",
                           median_of(build["total_s"]), IMPORT_BUILD_S))
    queries = result.get("queries")
    if queries and "error" not in queries:
        for store in ("prebuilt", "memory"):
            top = slowest(queries.get(store, {}), 1)
            out.append(verdict(f"national: every stored query <= {QUERY_MS:g} ms median "
                               f"({store}{'' if not top else ', slowest ' + top[0][0]})",
                               top[0][1] if top else None, QUERY_MS, "ms"))
    return out


def _cell(figure: dict | None, scale: float = 1, unit: str = "s") -> str:
    if not figure or "median" not in figure:
        return "failed" if figure and figure.get("errors") else "-"
    text = (f"{number(figure['median'] * scale)} {unit} ({number(figure['min'] * scale)}-"
            f"{number(figure['max'] * scale)}")
    if "load_before" in figure:
        text += f"; load {figure['load_before'][0]:.1f}->{figure['load_after'][0]:.1f}"
    return text + ")"


def print_report(results: dict) -> None:
    print(f"# aula-kg latency, {results['date']}, {results['machine']}")
    print("Median (min-max over the runs; 1-minute load average before->after).")
    for label, result in results["codes"].items():
        print(f"\n## {label}")
        for graph, figures in result.get("cli", {}).items():
            print(f"\n| command line, {graph} | seconds |\n|---|---|")
            for name, figure in figures.items():
                print(f"| `{figure.get('command', name)}` | {_cell(figure)} |")
        if result.get("serve"):
            print(f"\n| serve ({result['serve_graph']}), seconds from the start | first 200 "
                  "| port open | failed requests |\n|---|---|---|---|")
            for name in ("/", "dossier"):
                figure = result["serve"][name]
                print(f"| {name} | {_cell(figure)} | {_cell(figure['port'])} | "
                      f"{figure['failed_requests']} |")
            print(f"| /api/status ready | {_cell(result['serve']['status ready'])} | | |")
        build = result.get("build")
        if build and "total_s" in build:
            print("\n| France import and build | seconds |\n|---|---|")
            for key in ("import_s", "build_s", "total_s"):
                print(f"| {key[:-2]} | {_cell(build[key])} |")
            for step, figure in build["steps"].items():
                print(f"| build step: {step} | {_cell(figure)} |")
            print(f"| peak RSS | {build['peak_rss_mib']['median']:.0f} MiB |")
        elif build:
            print(f"\nFrance import and build: {build.get('error') or build.get('skipped')}")
        queries = result.get("queries")
        if queries and "error" not in queries:
            print(f"\n| slowest stored queries, national (ms; load "
                  f"{queries['load_before'][0]:.1f}->{queries['load_after'][0]:.1f}) "
                  f"| prebuilt | in memory |\n|---|---|---|")
            names = [n for n, _ in slowest(queries["prebuilt"], 6)]
            names += [n for n, _ in slowest(queries["memory"], 6) if n not in names]
            for name in names:
                print(f"| {name} | {_cell(queries['prebuilt'].get(name), 1, 'ms')} | "
                      f"{_cell(queries['memory'].get(name), 1, 'ms')} |")
        elif queries:
            print(f"\nstored queries: {queries['error'][-400:]}")
        print("\n| target | met | figure |\n|---|---|---|")
        for t in result["targets"]:
            print(f"| {t['target']} | {'met' if t['met'] else 'NOT MET'} | {t['figure']} |")
