"""A short run of benchmarks/load_test.py: correctness under load, not speed.

Mixed clients (stored queries, ad-hoc queries, bad requests, a timing-out query now and
then) against ``aula-kg serve`` on 127.0.0.1 for ``AULA_KG_LOAD_SECONDS`` (default 10 s):
no answer outside the expected ones (200, the bad requests' own 4xx, 504 for the
timing-out query, 503 busy), the server is alive and answers afterwards, and its memory
shows no growth trend (last third of the samples against the first).
"""

from __future__ import annotations

import importlib.util
import os
import sys

import httpx
import pytest
from reliability_support import QUERY_TIMEOUT, REPO

pytestmark = pytest.mark.server


def _load_test_module():
    spec = importlib.util.spec_from_file_location(
        "aula_kg_load_test", REPO / "benchmarks" / "load_test.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_mixed_load_gets_only_expected_answers(project, report):
    load_test = _load_test_module()
    seconds = float(os.environ.get("AULA_KG_LOAD_SECONDS", "10"))
    with load_test.started_server(project.build_dir, project.home, 2, QUERY_TIMEOUT) as (base, pid):
        result = load_test.run_load(base, pid, seconds=seconds, clients=6,
                                    timeout=QUERY_TIMEOUT, timeout_every=3.0)
        figures = result.as_dict()
        report.note(
            f"load: {figures['clients']} clients, {figures['seconds']} s, "
            f"{figures['requests']} requests ({figures['throughput_rps']} req/s), p50/p95/p99 "
            f"{figures['p50_ms']}/{figures['p95_ms']}/{figures['p99_ms']} ms, "
            f"unexpected {figures['unexpected']}, server RSS "
            f"{figures['memory']['server_before_mib']} -> {figures['memory']['server_after_mib']}"
            f" MiB (server+workers peak {figures['memory']['total_peak_mib']} MiB)"
        )
        print("\n" + result.table())
        assert result.requests > 50
        assert result.statuses.get(200, 0) > result.requests / 2
        assert result.latencies.get("timeout"), "the timing-out query was sent"
        assert not result.unexpected, result.unexpected[:10]
        assert result.trend_ok(), figures["memory"]
        # alive and whole afterwards
        response = httpx.get(f"{base}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
        assert response.status_code == 200 and response.json()["boolean"] is True
