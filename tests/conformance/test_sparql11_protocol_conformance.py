"""The W3C SPARQL 1.1 Protocol tests, run against the app by a small runner of our own."""

from __future__ import annotations

import pytest
from sparql_protocol_runner import load_manifest, report, run_suite, suite_dir

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def outcomes():
    directory = suite_dir()
    if not (directory / "manifest.ttl").is_file():
        pytest.skip(
            f"the SPARQL 1.1 Protocol suite is absent at {directory}; set AULA_KG_CONFORMANCE "
            f"to its folder (or AULA_KG_SHARED to the shared folder) to run it"
        )
    return run_suite(directory)


def test_every_protocol_test_passes(outcomes, capsys):
    summary = report(outcomes)
    with capsys.disabled():
        print("\n" + summary)
    assert all(o.passed for o in outcomes), summary


def test_the_suite_is_complete(outcomes):
    kinds = {o.test.kind for o in outcomes}
    assert {"query", "bad_query", "update", "bad_update"} <= kinds
    assert len(outcomes) == len(load_manifest(suite_dir())) >= 34
    names = {o.test.name for o in outcomes}
    assert {
        "query_dataset_full",
        "query_multiple_dataset",
        "query_dataset_named_graphs_get",
    } <= names
