"""aula-kg benchmarks: build, stored queries on three stores, HTTP serving, memory.

    make bench                      # AULA graph
    make bench BENCH_ARGS=--national  # and the national graph (needs ../shared/opendata)
    .venv/bin/python benchmarks/run.py [--national] [--repeat 20] [--http-seconds 5]

Prints a table and writes benchmarks/results/latest.json. Everything runs on 127.0.0.1 in
temporary directories; every server started here is stopped here. Targets of issue 6 are
reported as met or not.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO / "src"))

from aula_kg import federation  # noqa: E402
from aula_kg.answering import run_query  # noqa: E402
from aula_kg.catalog import Catalog  # noqa: E402
from aula_kg.config import Settings  # noqa: E402
from aula_kg.store import EmbeddedStore, open_store  # noqa: E402

#: The server as configured by default, and without its answer cache.
OURS = "aula-kg serve"
OURS_NO_CACHE = "aula-kg serve, no answer cache"
#: The store the command line and the server use, and the in-memory alternative.
DEFAULT_STORE = "pyoxigraph prebuilt (on disk, default)"
IN_MEMORY_STORE = "pyoxigraph in memory"
from aula_kg.store.base import SelectResult  # noqa: E402
from aula_kg.store.remote import RemoteStore, publish  # noqa: E402
from aula_kg.territories import NameIndex  # noqa: E402

# -- helpers ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_measured(args: list[str], env=None, timeout=900) -> tuple[float, int, str]:
    """Run a command; (seconds, peak RSS in MiB of it, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                            text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise RuntimeError(f"{' '.join(args)} failed:\n{out[-2000:]}")
    return seconds, usage.ru_maxrss // 1024, out


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
    return values[k]


def rss_tree_mib(pid: int) -> float:
    """Peak RSS (VmHWM) of a process and its children, MiB."""
    total = 0
    pids = [pid]
    try:
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                  text=True).stdout.split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def cpu_tree_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its live children: the
    cost of a request, which a busy machine inflates far less than its latency."""
    pids = [pid]
    try:
        pids += [int(c) for c in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                                text=True).stdout.split()]
    except OSError:
        pass
    total = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def wait_http(url: str, proc, timeout: float = 120) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}) before answering {url}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return time.perf_counter() - start
        except urllib.error.HTTPError:
            return time.perf_counter() - start
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


def stop(proc) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


# -- stores ----------------------------------------------------------------------------

class RdflibStore:
    """rdflib's memory store with the union of the named graphs as its default graph."""

    def __init__(self, path: Path):
        from rdflib import Dataset

        self.ds = Dataset(default_union=True)
        self.ds.parse(path, format="nquads")

    def select(self, query, bindings=None):
        result = self.ds.query(query)
        variables = [str(v) for v in result.vars]
        return SelectResult(variables, [tuple(row) for row in result])

    def ask(self, query, bindings=None):
        return bool(self.ds.query(query).askAnswer)

    # NameIndex only selects.


def progress(*parts) -> None:
    print(time.strftime("%H:%M:%S"), *parts, file=sys.stderr, flush=True)


def time_queries_isolated(store, catalog, names, repeat: int, budget: float,
                          hard_limit: float = 60) -> dict:
    """:func:`time_queries` one query at a time in a forked child, killed after
    ``hard_limit`` seconds: one rdflib query can run for many minutes."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    out = {}
    for query in catalog:
        receiver, sender = ctx.Pipe(duplex=False)

        def child(q=query, conn=sender):
            conn.send(time_queries(store, [q], names, repeat, budget, quiet=True))

        process = ctx.Process(target=child)
        process.start()
        progress("  query", query.name)
        if receiver.poll(hard_limit):
            out.update(receiver.recv())
        else:
            out[query.name] = {"error": f"over {hard_limit:g} s (stopped)"}
        process.kill()
        process.join()
    return out


def time_queries(store, catalog, names, repeat: int, budget: float, quiet=False) -> dict:
    out = {}
    for query in catalog:
        if not quiet:
            progress("  query", query.name)
        samples = []
        try:
            for _ in range(2):  # warm-up
                run_query(store, query, query.examples, names)
            deadline = time.perf_counter() + budget
            for _ in range(repeat):
                start = time.perf_counter()
                run_query(store, query, query.examples, names)
                samples.append(time.perf_counter() - start)
                if time.perf_counter() > deadline and len(samples) >= 3:
                    break
        except Exception as exc:  # noqa: BLE001 - reported, not fatal
            out[query.name] = {"error": f"{type(exc).__name__}: {str(exc)[:120]}"}
            continue
        out[query.name] = {
            "median_ms": statistics.median(samples) * 1000,
            "p95_ms": percentile(samples, 95) * 1000,
            "runs": len(samples),
        }
    return out


# -- HTTP load -------------------------------------------------------------------------

def load(port: int, path: str, queries: list[str], clients: int, seconds: float,
         distinct: bool = False) -> dict:
    """``clients`` threads POST ``queries`` round-robin for ``seconds``; with ``distinct``
    every request's text is new (a numbered comment is appended), so no answer cache, of
    the server or of its query checker, can help."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        i = offset
        while time.perf_counter() < stop_at:
            text = queries[i % len(queries)]
            if distinct:
                text = f"{text}\n# request {offset}-{i}"
            body = urllib.parse.urlencode({"query": text})
            i += 1
            start = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/sparql-results+json"})
                response = conn.getresponse()
                response.read()
                if response.status != 200:  # a fast error must not count as throughput
                    with lock:
                        errors[0] += 1
                    continue
                mine.append(time.perf_counter() - start)
            except (OSError, http.client.HTTPException):
                with lock:
                    errors[0] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    begin = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - begin
    return {
        "requests": len(latencies), "errors": errors[0],
        "req_per_s": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
    }


RDFLIB_ENDPOINT_APP = """
import sys, uvicorn
from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint
ds = Dataset(default_union=True)
ds.parse(sys.argv[1], format="nquads")
uvicorn.run(SparqlEndpoint(graph=ds), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def http_text(query, names) -> str:
    """What the server runs for a stored query: a federated one whose service is not
    configured runs its local part (web API, command line), so every server gets that."""
    text = query.render(query.bindings(query.examples, names))
    declared = federation.declared(query)
    return federation.split(text, declared).local if declared else text


def wait_warm(port: int, proc, timeout: float = 120) -> float:
    """Seconds until ``aula-kg serve`` says its indexes are built (GET /api/status): the
    load is measured on the steady state, as for the other servers."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=5) as r:
                if json.load(r).get("warm"):
                    break
        except OSError:
            pass
        time.sleep(0.05)
    return time.perf_counter() - start


def http_bench(nq: Path, work: Path, queries: list[str], seconds: float, env) -> dict:
    results = {}
    servers = {}
    # aula-kg serve as a planner starts it: the build's prebuilt store, all checks on,
    # worker processes.
    # Once as configured by default, once without its answer cache (every request then
    # goes to a worker, as it does in oxigraph's server).
    for name, cache_mb in ((OURS, None), (OURS_NO_CACHE, "0")):
        port = free_port()
        server_env = dict(env, **({"AULA_KG_ANSWER_CACHE_MB": cache_mb} if cache_mb else {}))
        proc = subprocess.Popen([str(BIN / "aula-kg"), "serve", "--port", str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=server_env)
        ready = wait_http(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", proc)
        warm = wait_warm(port, proc) + ready
        servers[name] = (proc, port, "/sparql", {"ready_s": ready, "warm_s": warm})
    # oxigraph serve-read-only on the same data, the union loaded as its default graph.
    location = work / "oxigraph-ro"
    subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(location), "--file",
                    str(nq)], check=True, capture_output=True)
    subprocess.run([str(BIN / "oxigraph"), "update", "--location", str(location), "--update",
                    "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"], check=True,
                   capture_output=True)
    port = free_port()
    proc = subprocess.Popen([str(BIN / "oxigraph"), "serve-read-only", "--location",
                             str(location), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ready = wait_http(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", proc)
    servers["oxigraph serve-read-only"] = (proc, port, "/query", {"ready_s": ready})
    try:
        import rdflib_endpoint  # noqa: F401

        port = free_port()
        proc = subprocess.Popen([sys.executable, "-c", RDFLIB_ENDPOINT_APP, str(nq), str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ready = wait_http(f"http://127.0.0.1:{port}/?query=ASK%7B%7D", proc, 600)
        servers["rdflib-endpoint"] = (proc, port, "/", {"ready_s": ready})
    except ImportError:
        results["rdflib-endpoint"] = {"skipped": "pip install -e '.[bench]'"}
    try:
        for name, (proc, port, path, info) in servers.items():
            progress("HTTP load on", name)
            entry = dict(info)
            for clients in (1, 8):
                load(port, path, queries, clients, min(1.0, seconds))  # warm-up
                entry[f"c{clients}"] = load(port, path, queries, clients, seconds)
            entry["rss_mib"] = rss_tree_mib(proc.pid)
            results[name] = entry
    finally:
        for proc, *_ in servers.values():
            stop(proc)
    return results


# -- one graph -------------------------------------------------------------------------

def bench_graph(label: str, extra: list[Path], args, work: Path) -> dict:
    env = dict(os.environ)
    build_dir = work / f"build-{label}"
    env["AULA_KG_BUILD_DIR"] = str(build_dir)
    cmd = [str(BIN / "aula-kg"), "build"]
    for path in extra:
        cmd += ["--with", str(path)]
    progress(label, "build")
    seconds, rss, out = run_measured(cmd, env)
    timings = dict(re.findall(r"(\w+) ([\d.]+)s", out.split("timings:")[1].splitlines()[0]))
    quads = int(re.search(r"\((\d+) quads, (\d+) inferred", out).group(1))
    inferred = int(re.search(r"\((\d+) quads, (\d+) inferred", out).group(2))
    triples_in = sum(
        s["triples"] for s in json.loads((build_dir / "manifest.json").read_text())["sources"]
    )
    result = {"build": {"seconds": seconds, "rss_mib": rss, "steps": timings,
                        "triples_in": triples_in, "quads_out": quads, "inferred": inferred}}
    result["reasoning"] = {"rules": {"seconds": float(timings["reason"]), "inferred": inferred,
                                     "build_rss_mib": rss}}
    for engine in ("reasonable", "owlrl"):
        if engine == "owlrl" and label == "national" and not args.owlrl_national:
            result["reasoning"][engine] = {"skipped": "minutes on the national graph; "
                                                      "--owlrl-national to measure"}
            continue
        progress(label, "build with the", engine, "reasoner")
        engine_env = dict(env, AULA_KG_BUILD_DIR=str(work / f"build-{label}-{engine}"))
        try:
            _, engine_rss, engine_out = run_measured(cmd + ["--reasoner", engine], engine_env)
        except RuntimeError as exc:
            result["reasoning"][engine] = {"error": str(exc)[:200]}
            continue
        engine_steps = dict(re.findall(r"(\w+) ([\d.]+)s",
                                       engine_out.split("timings:")[1].splitlines()[0]))
        result["reasoning"][engine] = {
            "seconds": float(engine_steps["reason"]),
            "inferred": int(re.search(r"(\d+) inferred", engine_out).group(1)),
            "build_rss_mib": engine_rss,
        }
        shutil.rmtree(work / f"build-{label}-{engine}", ignore_errors=True)
    nq = build_dir / "aula-kg.nq"
    catalog = Catalog.load(Settings.from_env().queries_dir)

    stores = {}
    start = time.perf_counter()
    stores[DEFAULT_STORE] = open_store(replace(Settings.from_env(), build_dir=build_dir))
    result.setdefault("load_s", {})[DEFAULT_STORE] = time.perf_counter() - start
    start = time.perf_counter()
    stores[IN_MEMORY_STORE] = EmbeddedStore.from_file(nq)
    result["load_s"][IN_MEMORY_STORE] = time.perf_counter() - start
    if not args.no_rdflib:
        start = time.perf_counter()
        stores["rdflib memory"] = RdflibStore(nq)
        result["load_s"]["rdflib memory"] = time.perf_counter() - start
    port = free_port()
    location = work / f"oxigraph-{label}"
    server = subprocess.Popen([str(BIN / "oxigraph"), "serve", "--location", str(location),
                               "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", server)
        start = time.perf_counter()
        publish(nq, f"http://127.0.0.1:{port}/query")
        result["load_s"]["oxigraph serve (remote)"] = time.perf_counter() - start
        stores["oxigraph serve (remote)"] = RemoteStore(f"http://127.0.0.1:{port}/query",
                                                        timeout=120)
        names = NameIndex(stores[DEFAULT_STORE])
        result["queries"] = {}
        for name, store in stores.items():
            progress(label, "stored queries on", name)
            # Each query in a forked child stopped after a hard limit: one query on a slow
            # path (rdflib, or a plan trap) must not hold the whole benchmark.
            limit = args.rdflib_limit if name == "rdflib memory" else args.query_limit
            result["queries"][name] = time_queries_isolated(
                store, catalog, names, args.repeat, 10, limit)
    finally:
        stop(server)

    mix = [http_text(q, names) for q in catalog]
    stores.clear()
    if not args.no_http:
        result["http"] = http_bench(nq, work, mix, args.http_seconds, env)
    return result


# -- report ----------------------------------------------------------------------------

def targets(results: dict) -> list[tuple[str, bool | None, str]]:
    out = []
    national = results["graphs"].get("national")
    if national:
        build = national["build"]["seconds"]
        with_import = build + national.get("import_s", 0)
        out.append(("national build <= 60 s (import excluded)", build <= 60, f"{build:.1f} s"))
        out.append(("national build <= 60 s (import included)", with_import <= 60,
                    f"{with_import:.1f} s"))
    graph = national or results["graphs"]["aula"]
    label = "national" if national else "aula"
    q = graph["queries"]
    for store in (DEFAULT_STORE, IN_MEMORY_STORE):
        timed = q[store]
        slow = [n for n, r in timed.items() if r.get("median_ms", 1e9) > 50]
        out.append((f"every stored query median <= 50 ms in-process ({label}, {store})",
                    not slow,
                    f"slowest {max(r.get('median_ms', 0) for r in timed.values()):.1f} ms"
                    + (f"; over: {', '.join(slow)}" if slow else "")))
    emb = q[DEFAULT_STORE]
    rd = q.get("rdflib memory")
    if rd:
        slower = [n for n, r in emb.items()
                  if "median_ms" in r and "median_ms" in rd.get(n, {})
                  and r["median_ms"] > rd[n]["median_ms"]]
        out.append(("never slower than rdflib memory", not slower,
                    ", ".join(slower) or "none slower"))
    http = graph.get("http")
    if http and OURS in http:
        ox = http["oxigraph serve-read-only"]
        rdf = http.get("rdflib-endpoint", {})
        for name in (OURS, OURS_NO_CACHE):
            ours = http.get(name)
            if not ours or "c1" not in ours:
                continue
            tag = "" if name == OURS else " (no answer cache)"
            seq = ours["c1"]["req_per_s"] / ox["c1"]["req_per_s"]
            par = ours["c8"]["req_per_s"] / ox["c8"]["req_per_s"]
            out.append((f"serve >= oxigraph sequential{tag}", seq >= 1, f"{seq:.2f}x"))
            out.append((f"serve >= 80 % of oxigraph, 8 clients{tag}", par >= 0.8,
                        f"{par:.2f}x"))
            if "c1" in rdf:
                ratio = min(ours["c1"]["req_per_s"] / max(rdf["c1"]["req_per_s"], 1e-9),
                            ours["c8"]["req_per_s"] / max(rdf["c8"]["req_per_s"], 1e-9))
                out.append((f"serve >= 10x rdflib-endpoint{tag}", ratio >= 10,
                            f"{ratio:.1f}x"))
            out.append((f"serve ready <= 2 s{tag}", ours["ready_s"] <= 2,
                        f"{ours['ready_s']:.2f} s"))
            out.append((f"serving RSS <= 1.5 GB{tag}", ours["rss_mib"] <= 1536,
                        f"{ours['rss_mib']:.0f} MiB"))
    return out


def print_report(results: dict) -> None:
    print(f"# aula-kg benchmarks, {results['date']}, {results['machine']}")
    for label, graph in results["graphs"].items():
        b = graph["build"]
        print(f"\n## {label}: build {b['seconds']:.1f} s, {b['triples_in']} triples in, "
              f"{b['quads_out']} quads out ({b['inferred']} inferred), peak RSS "
              f"{b['rss_mib']} MiB; steps: "
              + ", ".join(f"{k} {v}s" for k, v in b["steps"].items())
              + (f"; import {graph['import_s']:.1f} s" if "import_s" in graph else ""))
        if graph.get("reasoning"):
            print("\n| OWL 2 RL engine | reasoning s | inferred triples kept "
                  "| build peak RSS MiB |")
            print("|---|---|---|---|")
            for engine, r in graph["reasoning"].items():
                if "seconds" in r:
                    print(f"| {engine} | {r['seconds']:.2f} | {r['inferred']} | "
                          f"{r['build_rss_mib']} |")
                else:
                    print(f"| {engine} | {r.get('skipped') or r.get('error')} | | |")
        stores = list(graph["queries"])
        print("\n| query | " + " | ".join(f"{s} median / p95 ms" for s in stores) + " |")
        print("|---|" + "---|" * len(stores))
        for name in graph["queries"][stores[0]]:
            cells = []
            for s in stores:
                r = graph["queries"][s].get(name, {})
                cells.append(f"{r['median_ms']:.2f} / {r['p95_ms']:.2f}" if "median_ms" in r
                             else r.get("error", "-")[:40])
            print(f"| {name} | " + " | ".join(cells) + " |")
        if graph.get("http"):
            print("\n| server | ready s (warm s) | req/s 1 client (p50/p95/p99 ms) | "
                  "req/s 8 clients (p50/p95/p99 ms) | RSS MiB |")
            print("|---|---|---|---|---|")
            for name, r in graph["http"].items():
                if "c1" not in r:
                    print(f"| {name} | {r} | | | |")
                    continue
                c1, c8 = r["c1"], r["c8"]
                ready = f"{r['ready_s']:.2f}" + (f" ({r['warm_s']:.2f})" if "warm_s" in r else "")
                print(f"| {name} | {ready} | {c1['req_per_s']:.0f} ({c1['p50_ms']:.1f}/"
                      f"{c1['p95_ms']:.1f}/{c1['p99_ms']:.1f}) | {c8['req_per_s']:.0f} "
                      f"({c8['p50_ms']:.1f}/{c8['p95_ms']:.1f}/{c8['p99_ms']:.1f}) | "
                      f"{r['rss_mib']:.0f} |")
    print("\n| target | met | figure |\n|---|---|---|")
    for name, met, figure in results["targets"]:
        print(f"| {name} | {'yes' if met else 'NO'} | {figure} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--national", action="store_true",
                        help="also the national graph (imports ../shared/opendata, France)")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per query")
    parser.add_argument("--http-seconds", type=float, default=5.0)
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--no-rdflib", action="store_true", help="skip rdflib's memory store")
    parser.add_argument("--owlrl-national", action="store_true",
                        help="also reason the national graph with owlrl (minutes)")
    parser.add_argument("--query-limit", type=float, default=60,
                        help="seconds one stored query may take on pyoxigraph (default 60)")
    parser.add_argument("--rdflib-limit", type=float, default=30,
                        help="seconds one stored query may take on rdflib (default 30)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.json")
    args = parser.parse_args(argv)
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    results = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} CPUs ({cpu}), "
                   f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
                   f"Python {platform.python_version()}, {platform.system()}",
        "graphs": {},
    }
    work = Path(tempfile.mkdtemp(prefix="aula-kg-bench-"))
    try:
        results["graphs"]["aula"] = bench_graph("aula", [], args, work)
        shared = Settings.from_env().opendata_dir
        if args.national:
            if not shared.is_dir():
                print(f"no {shared}: national benchmark skipped", file=sys.stderr)
            else:
                out = work / "opendata"
                seconds, rss, _ = run_measured([str(BIN / "aula-kg"), "import", "all", "--scope",
                                                "france", "--from", str(shared), "--out",
                                                str(out)])
                files = sorted(out.glob("*.trig"))
                national = bench_graph("national", files, args, work)
                national["import_s"] = seconds
                national["import_rss_mib"] = rss
                results["graphs"]["national"] = national
        results["targets"] = targets(results)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print_report(results)
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
