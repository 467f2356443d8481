"""Shared fixtures: the shipped graph built once per session into a temporary directory."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from aula_kg.build import build
from aula_kg.config import Settings
from aula_kg.store import EmbeddedStore, open_store

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def built_settings(tmp_path_factory) -> Settings:
    """Settings whose build directory holds the shipped graph, freshly built."""
    settings = replace(Settings.from_env(), home=REPO, build_dir=tmp_path_factory.mktemp("build"))
    build(settings)
    return settings


@pytest.fixture(scope="session")
def store(built_settings) -> EmbeddedStore:
    """The built graph as the command line and the server open it: the prebuilt store."""
    opened = open_store(built_settings)
    assert isinstance(opened, EmbeddedStore) and opened.path is not None
    return opened


@pytest.fixture
def cli_env(built_settings, monkeypatch):
    """Environment for running the command line against the session's built graph."""
    monkeypatch.setenv("AULA_KG_HOME", str(REPO))
    monkeypatch.setenv("AULA_KG_BUILD_DIR", str(built_settings.build_dir))
    return dict(os.environ)


def shared_dir() -> Path:
    return Settings.from_env().shared_dir


def require_shared(*parts: str) -> Path:
    """The path under ../shared (AULA_KG_SHARED), or skip the test saying it is absent."""
    path = shared_dir().joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (set AULA_KG_SHARED to the shared folder to run this test)")
    return path


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory, built_settings):
    """A real Oxigraph server on 127.0.0.1 holding the published built graph (a
    RemoteStore on it); shared by the remote-store and remote-page tests."""
    from fixtures.sparql.servers import oxigraph

    with oxigraph(tmp_path_factory.mktemp("oxigraph"), built_settings.graph_file) as remote:
        yield remote


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory, built_settings):
    """A real Virtuoso on 127.0.0.1 holding the published built graph (a RemoteStore on
    it); started once per run."""
    from fixtures.sparql.servers import virtuoso

    with virtuoso(tmp_path_factory.mktemp("virtuoso"), built_settings.graph_file) as remote:
        yield remote
