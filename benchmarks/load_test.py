"""A bounded load test of the served graph on 127.0.0.1.

N client threads, for a fixed time, mix stored queries (``/api/queries/{name}`` with their
example parameters), ad-hoc SELECT/ASK/CONSTRUCT queries on ``/sparql``, a few bad requests
(expected 4xx) and, from one client, a query that runs past the time limit now and then
(expected 504). The server runs as ``aula-kg serve`` in a process of its own, so that its
memory (the server and its query workers, read from /proc) is measured before, during and
after the run.

Reported: requests and throughput, latency p50/p95/p99 per kind, the status counts, the
*unexpected* answers (anything but 200 for a normal request, its own 4xx for a bad one,
504 for a timing-out one; 503 "busy" is allowed for all), and the memory: server and
workers at the start, the end, the peak, and the mean of the first and last thirds of the
samples (no growth trend: the last third should not be well above the first).

    .venv/bin/python benchmarks/load_test.py                      # 60 s, 8 clients, build/
    .venv/bin/python benchmarks/load_test.py --seconds 10 --clients 4 --json out.json
    .venv/bin/python benchmarks/load_test.py --url http://127.0.0.1:8000   # a running server

Exit code: 0 when there was no unexpected answer and no growth trend, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]

ADHOC = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?class }",
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "SELECT ?p ?label WHERE { ?p a <https://w3id.org/aula-kg/ontology#Programme> ; "
    "rdfs:label ?label } ORDER BY ?label",
    "PREFIX igeo: <http://rdf.insee.fr/def/geo#> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "SELECT ?c ?name WHERE { ?c a igeo:Commune ; rdfs:label ?name } ORDER BY ?name LIMIT 50",
    "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class "
    "ORDER BY DESC(?n) LIMIT 20",
    "ASK { ?s a <https://w3id.org/aula-kg/ontology#Action> }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s a <https://w3id.org/aula-kg/ontology#Programme> ; ?p ?o } "
    "LIMIT 100",
]
#: Bad requests and the status each must get.
BAD = [
    ({"query": "DROP ALL"}, 403),
    ({"query": "SELECT * WHERE { SERVICE <http://169.254.169.254/> { ?s ?p ?o } }"}, 400),
    ({"query": "SELEC * WHERE {"}, 400),
]
TIMING_OUT = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
    "FILTER(STR(?a) != STR(?l)) }"
)


# ----------------------------------------------------------------------------- memory


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            for line in status.read_text().splitlines():
                if line.startswith("PPid:"):
                    if line.split()[1] == str(pid):
                        found.append(int(status.parent.name))
                    break
        except OSError:
            continue
    return found


@dataclasses.dataclass
class MemorySample:
    at: float
    server_kib: int
    workers_kib: int

    @property
    def total_kib(self) -> int:
        return self.server_kib + self.workers_kib


class MemoryWatch:
    def __init__(self, pid: int | None, every: float = 0.5):
        self.pid = pid
        self.every = every
        self.samples: list[MemorySample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> MemorySample | None:
        if self.pid is None:
            return None
        workers = sum(rss_kib(child) for child in children(self.pid))
        return MemorySample(time.monotonic(), rss_kib(self.pid), workers)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            sample = self.sample()
            if sample is not None:
                self.samples.append(sample)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def thirds(self, attribute: str) -> tuple[float, float]:
        values = [getattr(s, attribute) for s in self.samples]
        if len(values) < 3:
            return (float(values[0]) if values else 0.0, float(values[-1]) if values else 0.0)
        third = len(values) // 3
        return statistics.fmean(values[:third]), statistics.fmean(values[-third:])


# ----------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def started_server(build_dir: Path, home: Path, workers: int, timeout: float):
    """``aula-kg serve`` on 127.0.0.1 over ``build_dir``; yields (base URL, pid)."""
    port = free_port()
    env = dict(os.environ, AULA_KG_HOME=str(home), AULA_KG_BUILD_DIR=str(build_dir))
    command = [sys.executable, "-m", "aula_kg.cli", "serve", "--port", str(port),
               "--workers", str(workers), "--timeout", str(timeout)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError("the server exited: " + process.stderr.read().decode()[-2000:])
            try:
                answer = httpx.get(f"{base}/sparql", params={"query": "ASK {}"}, timeout=5)
                if answer.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start within 120 s")
            time.sleep(0.2)
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


# ----------------------------------------------------------------------------- requests


@dataclasses.dataclass
class Request:
    kind: str  # stored | adhoc | bad | timeout
    path: str
    params: dict
    expected: tuple[int, ...]
    accept: str = "application/sparql-results+json"


def stored_requests(base: str, timeout: float) -> tuple[list[Request], list[str]]:
    """The stored queries with their example parameters, kept when they answer 200 once."""
    catalogue = httpx.get(f"{base}/api/queries", timeout=30)
    if catalogue.status_code != 200:
        return [], [f"no stored-query API ({catalogue.status_code})"]
    kept, left_out = [], []
    for query in catalogue.json()["queries"]:
        params = {p["name"]: p["example"] for p in query["parameters"] if p.get("example")}
        if any(p["required"] and p["name"] not in params for p in query["parameters"]):
            left_out.append(f"{query['name']}: a required parameter has no example")
            continue
        path = f"/api/queries/{query['name']}"
        accept = "text/turtle" if query.get("form") in ("CONSTRUCT", "DESCRIBE") else (
            "application/sparql-results+json")
        start = time.perf_counter()
        response = httpx.get(base + path, params=params, headers={"Accept": accept},
                             timeout=timeout * 3 + 10)
        seconds = time.perf_counter() - start
        if response.status_code != 200 or seconds > timeout / 2:
            left_out.append(f"{query['name']}: {response.status_code} in {seconds:.2f} s")
            continue
        kept.append(Request("stored", path, params, (200, 503), accept))
    return kept, left_out


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclasses.dataclass
class Result:
    seconds: float
    clients: int
    latencies: dict[str, list[float]]
    statuses: Counter
    unexpected: list[str]
    memory: MemoryWatch
    before: MemorySample | None
    after: MemorySample | None
    left_out: list[str]

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def growth(self) -> dict[str, float]:
        first, last = self.memory.thirds("server_kib")
        first_total, last_total = self.memory.thirds("total_kib")
        return {"server_first_third_mib": first / 1024, "server_last_third_mib": last / 1024,
                "total_first_third_mib": first_total / 1024,
                "total_last_third_mib": last_total / 1024}

    def trend_ok(self, ratio: float = 1.3, slack_mib: float = 64) -> bool:
        """No growth trend: the server's RSS in the last third of the samples is at most
        ``ratio`` times its first third plus ``slack_mib`` (workers are respawned after
        each timeout, so the server process is the one that could leak)."""
        g = self.growth()
        if not self.memory.samples:
            return True
        return g["server_last_third_mib"] <= g["server_first_third_mib"] * ratio + slack_mib

    def as_dict(self) -> dict:
        kinds = {
            kind: {
                "requests": len(values),
                "p50_ms": round(percentile(values, 50) * 1000, 1),
                "p95_ms": round(percentile(values, 95) * 1000, 1),
                "p99_ms": round(percentile(values, 99) * 1000, 1),
            }
            for kind, values in sorted(self.latencies.items())
        }
        every = [v for values in self.latencies.values() for v in values]
        def mib(sample, attr):
            return round(getattr(sample, attr) / 1024, 1) if sample else None

        peak = max(self.memory.samples, key=lambda s: s.total_kib, default=None)
        return {
            "seconds": round(self.seconds, 1),
            "clients": self.clients,
            "requests": self.requests,
            "throughput_rps": round(self.requests / self.seconds, 1) if self.seconds else 0,
            "p50_ms": round(percentile(every, 50) * 1000, 1),
            "p95_ms": round(percentile(every, 95) * 1000, 1),
            "p99_ms": round(percentile(every, 99) * 1000, 1),
            "kinds": kinds,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items(), key=str)},
            "unexpected": len(self.unexpected),
            "unexpected_examples": self.unexpected[:10],
            "memory": {
                "server_before_mib": mib(self.before, "server_kib"),
                "server_after_mib": mib(self.after, "server_kib"),
                "total_before_mib": mib(self.before, "total_kib"),
                "total_after_mib": mib(self.after, "total_kib"),
                "total_peak_mib": mib(peak, "total_kib"),
                "samples": len(self.memory.samples),
                **{k: round(v, 1) for k, v in self.growth().items()},
                "trend_ok": self.trend_ok(),
            },
            "left_out_stored_queries": self.left_out,
        }

    def table(self) -> str:
        d = self.as_dict()
        lines = [
            f"load test: {d['clients']} clients, {d['seconds']} s, {d['requests']} requests, "
            f"{d['throughput_rps']} req/s; latency p50 {d['p50_ms']} ms, p95 {d['p95_ms']} ms, "
            f"p99 {d['p99_ms']} ms",
            f"  {'kind':<8} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}",
        ]
        for kind, k in d["kinds"].items():
            lines.append(f"  {kind:<8} {k['requests']:>8} {k['p50_ms']:>8} {k['p95_ms']:>8} "
                         f"{k['p99_ms']:>8}")
        lines.append(f"  statuses: {d['statuses']}; unexpected: {d['unexpected']}")
        m = d["memory"]
        lines.append(
            f"  memory (MiB): server {m['server_before_mib']} -> {m['server_after_mib']}, "
            f"server+workers {m['total_before_mib']} -> {m['total_after_mib']} "
            f"(peak {m['total_peak_mib']}); server first/last third "
            f"{m['server_first_third_mib']}/{m['server_last_third_mib']}: "
            f"{'no growth trend' if m['trend_ok'] else 'GROWTH TREND'}"
        )
        for example in d["unexpected_examples"]:
            lines.append(f"  unexpected: {example}")
        return "\n".join(lines)


def run_load(base: str, pid: int | None, *, seconds: float = 60.0, clients: int = 8,
             timeout: float = 2.0, timeout_every: float = 5.0, seed: int = 7) -> Result:
    """Run the mix against ``base`` for ``seconds``; ``pid`` is the server's (or None)."""
    stored, left_out = stored_requests(base, timeout)
    adhoc = [Request("adhoc", "/sparql", {"query": q}, (200, 503),
                     "text/turtle" if q.startswith("CONSTRUCT") else
                     "application/sparql-results+json") for q in ADHOC]
    bad = [Request("bad", "/sparql", params, (status, 503)) for params, status in BAD]
    slow = Request("timeout", "/sparql", {"query": TIMING_OUT}, (504, 503))
    watch = MemoryWatch(pid)
    before = watch.sample()
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: Counter = Counter()
    unexpected: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(index: int) -> None:
        rng = random.Random(seed + index)
        next_slow = time.monotonic() + timeout_every / 2
        with httpx.Client(base_url=base, timeout=timeout * 3 + 30) as http:
            while time.monotonic() < stop_at:
                if index == 0 and time.monotonic() >= next_slow:
                    request = slow
                    next_slow = time.monotonic() + timeout_every
                else:
                    roll = rng.random()
                    pool = stored if (roll < 0.5 and stored) else bad if roll > 0.95 else adhoc
                    request = rng.choice(pool)
                start = time.perf_counter()
                try:
                    response = http.get(request.path, params=request.params,
                                        headers={"Accept": request.accept})
                    status: int | str = response.status_code
                    body = response.text[:200]
                except httpx.HTTPError as exc:
                    status, body = type(exc).__name__, str(exc)[:200]
                elapsed = time.perf_counter() - start
                with lock:
                    latencies[request.kind].append(elapsed)
                    statuses[status] += 1
                    if status not in request.expected:
                        unexpected.append(f"{request.kind} {request.path} -> {status}: {body}")

    watch.start()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    time.sleep(min(2.0, timeout))  # let the workers killed at their deadline be replaced
    watch.stop()
    after = watch.sample()
    return Result(elapsed, clients, dict(latencies), statuses, unexpected, watch, before,
                  after, left_out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="query workers of the server")
    parser.add_argument("--timeout", type=float, default=2.0, help="query time limit (s)")
    parser.add_argument("--build-dir", type=Path, default=REPO / "build",
                        help="the built graph to serve (default: build/)")
    parser.add_argument("--home", type=Path, default=REPO, help="the project (queries/)")
    parser.add_argument("--url", default=None, help="load a running server instead")
    parser.add_argument("--pid", type=int, default=None, help="its pid, to read its memory")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args(argv)
    if args.url:
        result = run_load(args.url.rstrip("/"), args.pid, seconds=args.seconds,
                          clients=args.clients, timeout=args.timeout)
    else:
        with started_server(args.build_dir, args.home, args.workers, args.timeout) as (base, pid):
            result = run_load(base, pid, seconds=args.seconds, clients=args.clients,
                              timeout=args.timeout)
    print(result.table())
    if args.json:
        args.json.write_text(json.dumps(result.as_dict(), indent=2) + "\n")
    return 0 if not result.unexpected and result.trend_ok() else 1


if __name__ == "__main__":
    sys.exit(main())
