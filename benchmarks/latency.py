"""What a planner feels (issue 17): the command line, the server's first pages, the France
import and build, the slowest stored queries. Each figure runs --runs times: median, spread
(min-max) and the load average before and after; each target is printed met or not.

    .venv/bin/python benchmarks/latency.py [--runs 3] [--query-runs 10]
        [--national-home DIR | --shared PATH | --skip-build] [--aula-home DIR]
        [--src [LABEL=]CHECKOUT/src ...] [--out benchmarks/results/latency.json]

The code measured is the installed entry point (`aula-kg` beside this Python), or each
`--src` checkout (`python -m aula_kg.cli` with that PYTHONPATH), one after the other in
the same run (before and after on the same machine and day). Every command is a fresh
subprocess; every server started here is stopped here; temporary homes are removed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE))

from latency_report import (  # noqa: E402
    parse_build_timings,
    print_report,
    status_ready,
    summarise,
    targets,
)

TERRITORY = "Lens-Liévin"
DOSSIER = "/dossier/pair/lens-lievin"


# -- figures ---------------------------------------------------------------------------

def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def measure(fn, runs: int) -> dict:
    """``fn()`` returns seconds (or None when it failed: the figure is then not met)."""
    before = load_average()
    samples, errors = [], []
    for _ in range(runs):
        try:
            samples.append(fn())
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            errors.append(str(exc)[-300:])
    figure = summarise(samples)
    figure["load_before"], figure["load_after"] = before, load_average()
    if errors:
        figure["errors"] = errors
    return figure


# -- the code under test ---------------------------------------------------------------

@dataclass
class Code:
    """One version of aula-kg: its command line and the environment it runs in."""

    label: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def installed(cls) -> Code:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        return cls("installed", [str(BIN / "aula-kg")], env)

    @classmethod
    def checkout(cls, given: str) -> Code:
        """``[LABEL=]CHECKOUT/src``: that checkout's package, named LABEL (else its path)."""
        label, _, path = given.rpartition("=")
        src = Path(path).resolve()
        env = dict(os.environ, PYTHONPATH=str(src))
        return cls(label or str(src), [sys.executable, "-m", "aula_kg.cli"], env)

    def run(self, args: list[str], timeout: float = 1800) -> tuple[float, int, str]:
        """(seconds, peak RSS MiB, output) of ``aula-kg ARGS``; RuntimeError if it fails."""
        start = time.perf_counter()
        proc = subprocess.Popen(self.argv + args, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, env=self.env, text=True)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            out = proc.stdout.read() if proc.stdout else ""
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # stopped meanwhile: no command outlives the benchmark
            proc.kill()
            proc.wait()
            raise
        finally:
            killer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            raise RuntimeError(f"aula-kg {' '.join(args)} failed ({proc.returncode}): "
                               f"{out[-1500:]}")
        return seconds, usage.ru_maxrss // 1024, out

    def seconds(self, args: list[str]) -> float:
        return self.run(args)[0]


# -- command line ----------------------------------------------------------------------

def bench_cli(code: Code, home: Path, graph: str, runs: int) -> dict:
    base = ["--home", str(home)]
    commands = {
        "--version": ["--version"],
        "sparql ASK": base + ["sparql", "ASK {}"],
        "stored query": base + ["query", "unexplored_recommendations", "-p",
                                f"territory={TERRITORY}"],
        "queries": base + ["queries"],
    }
    out = {}
    for name, args in commands.items():
        progress(code.label, graph, name)
        code.run(args)  # warm the page cache: a planner's second command, not a cold disk
        out[name] = measure(lambda a=args: code.seconds(a), runs)
        out[name]["command"] = "aula-kg " + " ".join(args).replace(str(home), "HOME")
        out[name]["home"] = str(home)
    return out


# -- serve -----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, timeout: float) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""
    except (urllib.error.URLError, OSError, ValueError):
        return 0, b""


def _ready_body(body: bytes) -> bool:
    try:
        return status_ready(json.loads(body))
    except (ValueError, TypeError, KeyError):
        return False


def serve_once(code: Code, home: Path, page: str, timeout: float = 120) -> dict:
    """Start ``aula-kg serve``; seconds until the port answers, until the first 200 on
    ``page`` (one request at a time, as a browser would, retried after a failure) and until
    ``/api/status`` says ready (polled beside it)."""
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    found: dict = {"page": None, "status ready": None, "port": None, "failures": 0}
    start = time.perf_counter()
    deadline = start + timeout
    proc = subprocess.Popen(code.argv + ["--home", str(home), "serve", "--host", "127.0.0.1",
                                         "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=code.env, start_new_session=True)

    def watch_status() -> None:
        while time.perf_counter() < deadline and proc.poll() is None:
            status, body = _get(root + "/api/status", 5)
            if status and found["port"] is None:
                found["port"] = time.perf_counter() - start
            if status == 200 and _ready_body(body):
                found["status ready"] = time.perf_counter() - start
                return
            time.sleep(0.1)

    watcher = threading.Thread(target=watch_status, daemon=True)
    watcher.start()
    try:
        while found["port"] is None and time.perf_counter() < deadline and proc.poll() is None:
            time.sleep(0.02)
        while time.perf_counter() < deadline and proc.poll() is None:
            status, _ = _get(root + page, max(1.0, deadline - time.perf_counter()))
            if status == 200:
                found["page"] = time.perf_counter() - start
                break
            found["failures"] += 1
            time.sleep(0.2)
        watcher.join(max(0.0, deadline - time.perf_counter()))
    finally:
        stop(proc)
    return found


def stop(proc: subprocess.Popen) -> None:
    """Stop a server and its workers (its own process group)."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def bench_serve(code: Code, home: Path, runs: int, timeout: float) -> dict:
    """A fresh server per page and run, so that one page's requests do not slow the
    other's."""
    out = {}
    ready = []
    for name, page in (("/", "/"), ("dossier", DOSSIER)):
        progress(code.label, "serve", home, page)
        before = load_average()
        found = [serve_once(code, home, page, timeout) for _ in range(runs)]
        samples = [f["page"] for f in found if f["page"] is not None]
        figure = summarise(samples)
        figure["load_before"], figure["load_after"] = before, load_average()
        figure["port"] = summarise([f["port"] for f in found if f["port"] is not None])
        figure["failed_requests"] = sum(f["failures"] for f in found)
        if len(samples) < runs:
            figure["errors"] = [f"no 200 within {timeout:g} s in {runs - len(samples)} run(s)"]
        out[name] = figure
        ready += [f["status ready"] for f in found if f["status ready"] is not None]
    out["status ready"] = summarise(ready)
    return out


# -- national import and build ---------------------------------------------------------

def import_and_build(code: Code, home: Path, shared: Path) -> dict:
    """One France import and national build into ``home``: seconds, steps, peak RSS."""
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    base = ["--home", str(home)]
    imported, import_rss, _ = code.run(base + ["import", "all", "--scope", "france", "--from",
                                               str(shared / "opendata"), "--quiet"])
    extra = []
    for path in sorted((home / "build" / "opendata").glob("*.trig")):
        extra += ["--with", str(path)]
    built, build_rss, out = code.run(base + ["build", *extra])
    return {"import_s": imported, "build_s": built, "total_s": imported + built,
            "steps": parse_build_timings(out), "peak_rss_mib": max(import_rss, build_rss)}


def bench_build(code: Code, home: Path, shared: Path, runs: int) -> dict:
    before = load_average()
    results = []
    for k in range(runs):
        progress(code.label, f"France import and build, run {k + 1}/{runs}")
        try:
            results.append(import_and_build(code, home, shared))
        except RuntimeError as exc:
            return {"error": str(exc)[-500:], "load_before": before}
    out = {key: summarise([r[key] for r in results])
           for key in ("import_s", "build_s", "total_s", "peak_rss_mib")}
    steps = sorted({s for r in results for s in r["steps"]},
                   key=lambda s: list(results[0]["steps"]).index(s)
                   if s in results[0]["steps"] else 99)
    out["steps"] = {s: summarise([r["steps"][s] for r in results if s in r["steps"]])
                    for s in steps}
    out["load_before"], out["load_after"] = before, load_average()
    return out


# -- stored queries, in process --------------------------------------------------------

def time_queries_here(home: Path, runs: int) -> dict:
    """In this process (the code on PYTHONPATH): every stored query on the home's prebuilt
    store and on its graph loaded in memory; median and spread in ms after two warm-ups."""
    os.environ["AULA_KG_HOME"] = str(home)
    from aula_kg.answering import run_query
    from aula_kg.catalog import Catalog
    from aula_kg.config import Settings
    from aula_kg.store import EmbeddedStore, open_store
    from aula_kg.territories import NameIndex

    settings = Settings.from_env()
    catalog = Catalog.load(settings.queries_dir)
    stores = {"prebuilt": open_store(settings),
              "memory": EmbeddedStore.from_file(settings.graph_file)}
    out: dict = {"load_before": load_average()}
    for label, store in stores.items():
        names = NameIndex(store)
        timed = {}
        for query in catalog:
            samples = []
            for k in range(runs + 2):
                start = time.perf_counter()
                run_query(store, query, query.examples, names)
                if k >= 2:
                    samples.append((time.perf_counter() - start) * 1000)
            timed[query.name] = summarise(samples)
        out[label] = timed
    out["load_after"] = load_average()
    return out


def bench_queries(code: Code, home: Path, runs: int) -> dict:
    """:func:`time_queries_here` in a child running ``code``'s package."""
    progress(code.label, "stored queries in process", home)
    env = dict(code.env)
    if code.label == "installed":
        env.pop("PYTHONPATH", None)
    proc = subprocess.run([sys.executable, __file__, "--time-queries", str(home),
                           "--query-runs", str(runs)], capture_output=True, text=True,
                          env=env, timeout=3600)
    if proc.returncode:
        return {"error": proc.stderr[-1500:]}
    return json.loads(proc.stdout)


def progress(*parts) -> None:
    print(time.strftime("%H:%M:%S"), *parts, file=sys.stderr, flush=True)


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"cpus": os.cpu_count(), "cpu_model": cpu, "python": platform.python_version(),
            "system": platform.system()}


def bench_code(code: Code, args, work: Path) -> dict:
    result: dict = {}
    aula_home = args.aula_home
    if aula_home is None:
        aula_home = work / f"aula-{len(list(work.iterdir()))}"
        progress(code.label, "AULA build into", aula_home)
        code.run(["--home", str(aula_home), "build"])
    result["cli"] = {"aula": bench_cli(code, aula_home, "AULA", args.runs)}
    national = args.national_home
    if not args.skip_build and national is None:
        shared = args.shared or Path(os.environ.get("AULA_KG_SHARED", HERE.parent.parent /
                                                    "shared"))
        if (shared / "opendata").is_dir():
            home = work / f"national-{len(list(work.iterdir()))}"
            result["build"] = bench_build(code, home, shared, args.build_runs or args.runs)
            national = home if "error" not in result["build"] else None
        else:
            result["build"] = {"skipped": f"no {shared / 'opendata'}: --shared PATH"}
    elif args.national_home is not None:
        result["build"] = {"skipped": f"--national-home {args.national_home}: built already"}
    if national is not None:
        result["cli"]["national"] = bench_cli(code, national, "national", args.runs)
    result["serve_graph"] = "national" if national is not None else "AULA"
    result["serve"] = bench_serve(code, national or aula_home, args.runs, args.serve_timeout)
    if national is not None and args.query_runs:
        result["queries"] = bench_queries(code, national, args.query_runs)
    result["targets"] = targets(result)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (at least 3)")
    parser.add_argument("--build-runs", type=int, default=None,
                        help="France import and build runs (default: --runs)")
    parser.add_argument("--query-runs", type=int, default=10,
                        help="timed runs per stored query, in process (0: skip them)")
    parser.add_argument("--national-home", type=Path, default=None,
                        help="an existing built national home (no import or build timed)")
    parser.add_argument("--aula-home", type=Path, default=None,
                        help="an existing built AULA home (default: built in a temporary one)")
    parser.add_argument("--shared", type=Path, default=None,
                        help="the shared directory holding opendata/ (default: AULA_KG_SHARED, "
                        "else ../shared)")
    parser.add_argument("--skip-build", action="store_true",
                        help="no France import and build (national figures need "
                        "--national-home)")
    parser.add_argument("--src", action="append", default=[], metavar="[LABEL=]SRC",
                        help="a checkout's src/ to measure instead of the installed entry "
                        "point; repeat to compare versions in the same run")
    parser.add_argument("--serve-timeout", type=float, default=60,
                        help="seconds a page may take to answer 200 after serve starts")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latency.json")
    parser.add_argument("--time-queries", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.time_queries:
        print(json.dumps(time_queries_here(args.time_queries, args.query_runs)))
        return 0
    if args.runs < 3:
        parser.error("--runs: at least 3 (a median needs them)")
    for option in ("national_home", "aula_home"):
        home = getattr(args, option)
        if home is not None and not (home / "build" / "manifest.json").is_file():
            parser.error(f"--{option.replace('_', '-')} {home}: no build/manifest.json")
    codes = [Code.checkout(src) for src in args.src] or [Code.installed()]
    results = {"date": datetime.now(UTC).isoformat(timespec="seconds"), **machine(),
               "runs": args.runs, "codes": {}}
    results["machine"] = f"{results['cpus']} CPUs ({results['cpu_model']})"
    work = Path(tempfile.mkdtemp(prefix="aula-kg-latency-"))
    # A stop (kill PID) unwinds like ^C: servers are stopped, temporary homes removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        for code in codes:
            results["codes"][code.label] = bench_code(code, args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print_report(results)
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
