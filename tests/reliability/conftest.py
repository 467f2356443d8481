"""Fixtures of the reliability suite and the summary table printed at the end of a run."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
# Appended, not prepended: `import conftest` elsewhere must keep finding tests/conftest.py.
if str(HERE) not in sys.path:
    sys.path.append(str(HERE))

from reliability_support import (  # noqa: E402
    QUERY_TIMEOUT,
    Listener,
    Served,
    build_project,
    copy_project,
    serve_app,
)


def _load_report():
    name = "aula_kg_reliability_report"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE / "report.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


REPORT = _load_report().REPORT


@pytest.fixture(scope="session")
def report():
    return REPORT


@pytest.fixture(scope="session")
def project(tmp_path_factory):
    """A private copy of the project (ontology, shapes, data, queries) and its built graph:
    cases and faults never touch the repository's files, and others' edits in progress do
    not reach the suite once it has started."""
    project = copy_project(tmp_path_factory.mktemp("reliability") / "home")
    build_project(project)
    return project


@pytest.fixture(scope="session")
def listener():
    sink = Listener()
    yield sink
    sink.close()


@pytest.fixture(scope="session")
def served(project):
    """The app over the project's built graph, served by uvicorn on 127.0.0.1: two query
    workers, a 2 s time limit."""
    import httpx

    from aula_kg.store import EmbeddedStore
    from aula_kg.web import create_app

    settings = project.settings(query_timeout=QUERY_TIMEOUT)
    store = EmbeddedStore.from_file(project.graph_file)
    app = create_app(settings, store, workers=2)
    with serve_app(app) as (base, thread):
        server = Served(base, app, store, project, thread=thread)
        server.baseline()
        server.api_present = httpx.get(f"{base}/api/queries", timeout=30).status_code != 404
        yield server


# -- the summary table -------------------------------------------------------------------


def pytest_runtest_logreport(report):
    path = Path(report.nodeid.split("::")[0])
    if path.parent.name != HERE.name or path.parent.parent.name != "tests":
        return
    if report.when == "call" or (report.when == "setup" and (report.skipped or report.failed)):
        family = None
        for key, value in report.user_properties:
            if key == "family":
                family = value
        REPORT.outcome(path.stem, family, report.passed, report.skipped)


def pytest_terminal_summary(terminalreporter):
    if REPORT.empty:
        return
    terminalreporter.section("reliability summary")
    for line in REPORT.lines():
        terminalreporter.write_line(line)
