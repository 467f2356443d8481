"""The issue-15 speed mix: distinct queries, answer cache off, against oxigraph's server.

    .venv/bin/python benchmarks/distinct.py [--build-dir build] [--rounds 3] \\
        [--http-seconds 3] [--compare-src OTHER_CHECKOUT/src]

The stored-query mix POSTed to ``aula-kg serve`` with every request distinct (a numbered
comment appended: neither the answer cache nor the checker's memo can help) and the cache
off, against ``oxigraph serve-read-only`` on the same quads; also the cached server on the
repeated mix. The servers are measured in turns, ``--rounds`` times (median kept), with
the CPU time per request of each server and its workers. Helpers come from run.py.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from run import (
    BIN,
    HERE,
    OURS,
    OURS_NO_CACHE,
    Catalog,
    NameIndex,
    Settings,
    cpu_tree_seconds,
    free_port,
    http_text,
    load,
    open_store,
    progress,
    run_measured,
    stop,
    wait_http,
    wait_warm,
)

OXIGRAPH = "oxigraph serve-read-only"


def start_servers_for_distinct(build_dir: Path, work: Path, env,
                               compare_src: Path | None = None) -> dict:
    """``aula-kg serve`` on ``build_dir`` with and without its answer cache, and
    ``oxigraph serve-read-only`` on the same quads (the union as its default graph); with
    ``compare_src``, also the aula-kg of that source tree without its cache (before/after
    figures measured in the same rounds)."""
    servers = {}
    variants = [(OURS, None, None), (OURS_NO_CACHE, "0", None)]
    if compare_src:
        variants.append((f"{OURS_NO_CACHE} ({compare_src})", "0", str(compare_src)))
    for name, cache_mb, src in variants:
        port = free_port()
        server_env = dict(env, AULA_KG_BUILD_DIR=str(build_dir),
                          **({"AULA_KG_ANSWER_CACHE_MB": cache_mb} if cache_mb else {}),
                          **({"PYTHONPATH": src} if src else {}))
        proc = subprocess.Popen([str(BIN / "aula-kg"), "serve", "--port", str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=server_env)
        servers[name] = (proc, port, "/sparql")
    location = work / "oxigraph-ro-distinct"
    if not location.exists():
        subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(location), "--file",
                        str(build_dir / "aula-kg.nq")], check=True, capture_output=True)
        subprocess.run([str(BIN / "oxigraph"), "update", "--location", str(location),
                        "--update", "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"],
                       check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen([str(BIN / "oxigraph"), "serve-read-only", "--location",
                             str(location), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    servers[OXIGRAPH] = (proc, port, "/query")
    for proc, port, path in servers.values():
        wait_http(f"http://127.0.0.1:{port}{path}?query=ASK%7B%7D", proc)
        if path == "/sparql":
            wait_warm(port, proc)
    return servers


def distinct_bench(build_dir: Path, work: Path, queries: list[str], seconds: float,
                   rounds: int, env, compare_src: Path | None = None) -> dict:
    """The issue-15 speed mix: the stored queries with every request distinct, answer
    cache off, against ``oxigraph serve-read-only``; plus the cached server on the
    repeated mix (that figure must not drop). Servers are measured in turns, ``rounds``
    times, and the median of the rounds is kept: the machine may be shared."""
    servers = start_servers_for_distinct(build_dir, work, env, compare_src)
    plan = [(OURS_NO_CACHE, True), (OXIGRAPH, True), (OURS, False), (OXIGRAPH, False)]
    plan += [(name, True) for name in servers if compare_src and str(compare_src) in name]
    samples: dict[str, list[dict]] = {}
    try:
        for _, port, path in servers.values():  # warm-up
            load(port, path, queries, 8, min(1.0, seconds), distinct=True)
        for _ in range(rounds):
            for clients in (1, 8):
                for name, distinct in plan:
                    _, port, path = servers[name]
                    key = f"{name} | {'distinct' if distinct else 'repeated'} | c{clients}"
                    progress("distinct mix:", key)
                    pid = servers[name][0].pid
                    cpu = cpu_tree_seconds(pid)
                    run = load(port, path, queries, clients, seconds, distinct=distinct)
                    used = cpu_tree_seconds(pid) - cpu
                    run["cpu_ms_per_request"] = used * 1000 / max(run["requests"], 1)
                    samples.setdefault(key, []).append(run)
    finally:
        for proc, *_ in servers.values():
            stop(proc)
    out = {}
    for key, runs in samples.items():
        rates = sorted(r["req_per_s"] for r in runs)
        out[key] = {"req_per_s": statistics.median(rates), "runs": rates,
                    "p50_ms": statistics.median(r["p50_ms"] for r in runs),
                    "cpu_ms": statistics.median(r["cpu_ms_per_request"] for r in runs),
                    "errors": sum(r["errors"] for r in runs)}
    for clients in (1, 8):
        ours = out[f"{OURS_NO_CACHE} | distinct | c{clients}"]["req_per_s"]
        ox = out[f"{OXIGRAPH} | distinct | c{clients}"]["req_per_s"]
        out[f"ratio distinct c{clients}"] = ours / ox
        cached = out[f"{OURS} | repeated | c{clients}"]["req_per_s"]
        ox = out[f"{OXIGRAPH} | repeated | c{clients}"]["req_per_s"]
        out[f"ratio cached c{clients}"] = cached / ox
    ours = out[f"{OURS_NO_CACHE} | distinct | c1"]["cpu_ms"]
    out["ratio cpu per request"] = out[f"{OXIGRAPH} | distinct | c1"]["cpu_ms"] / ours
    return out


def print_distinct(result: dict) -> None:
    print("\n| server, mix, clients | req/s (median of rounds) | p50 ms | CPU ms/request "
          "| errors | rounds |")
    print("|---|---|---|---|---|---|")
    for key, r in result.items():
        if isinstance(r, dict):
            runs = ", ".join(f"{v:.0f}" for v in r["runs"])
            print(f"| {key} | {r['req_per_s']:.0f} | {r['p50_ms']:.1f} | {r['cpu_ms']:.2f} "
                  f"| {r['errors']} | {runs} |")
    print("\n| ratio to oxigraph serve-read-only | figure | target |\n|---|---|---|")
    for clients, target in ((1, 1.0), (8, 0.8)):
        figure = result[f"ratio distinct c{clients}"]
        print(f"| distinct queries, cache off, {clients} client(s) | {figure:.2f}x "
              f"| >= {target}x ({'met' if figure >= target else 'NOT met'}) |")
    print(f"| CPU per distinct request, oxigraph / ours (server and workers) "
          f"| {result['ratio cpu per request']:.2f}x | (what 8 clients on 2 cores are bound by) |")
    for clients in (1, 8):
        print(f"| repeated mix, cache on, {clients} client(s) "
              f"| {result[f'ratio cached c{clients}']:.2f}x | must not drop |")


def run_distinct(args) -> int:
    """The distinct-queries mix alone, on an existing build (or a fresh AULA build)."""
    work = Path(tempfile.mkdtemp(prefix="aula-kg-bench-"))
    env = dict(os.environ)
    try:
        build_dir = args.build_dir
        if build_dir is None:
            build_dir = work / "build-aula"
            run_measured([str(BIN / "aula-kg"), "build"],
                         dict(env, AULA_KG_BUILD_DIR=str(build_dir)))
        settings = replace(Settings.from_env(), build_dir=build_dir)
        store = open_store(settings)
        names = NameIndex(store)
        mix = [http_text(q, names) for q in Catalog.load(settings.queries_dir)]
        result = distinct_bench(build_dir, work, mix, args.http_seconds, args.rounds, env,
                                args.compare_src)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print_distinct(result)
    print(f"\nwrote {out}")
    return 0



def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", type=Path,
                        help="an existing build (default: a fresh build of the AULA graph)")
    parser.add_argument("--http-seconds", type=float, default=3.0, help="seconds per run")
    parser.add_argument("--rounds", type=int, default=3, help="measurement rounds (median)")
    parser.add_argument("--compare-src", type=Path, metavar="SRC",
                        help="also serve the aula_kg package found in SRC (another "
                             "checkout's src/), cache off, in the same rounds")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "distinct.json")
    return run_distinct(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
