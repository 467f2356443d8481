"""The installable product: what the wheel carries, where an installed aula-kg reads its
sources and writes its builds, and `aula-kg where`.

The full round trip (fresh virtual environment, build, query, serve) is
tests/smoke/installed_wheel.sh, which `make test` runs after pytest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from aula_kg import config
from aula_kg.cli import main
from aula_kg.config import Settings

REPO = Path(__file__).resolve().parents[1]


def shipped_sources() -> set[str]:
    """What the wheel must carry under aula_kg/resources/: every source file of the checkout,
    in any sub-folder (found here by suffix, not by setup.py's patterns, so that a new
    folder such as queries/internal/ cannot be left out unnoticed)."""
    suffixes = {".ttl", ".rq", ".trig", ".geojson"}
    return {
        f"aula_kg/resources/{folder}/{path.relative_to(REPO / folder).as_posix()}"
        for folder in ("ontology", "shapes", "queries", "data")
        for path in (REPO / folder).rglob("*") if path.suffix in suffixes
    }


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built as `pip wheel` builds it, from a copy of the files a wheel is made
    of (building in the checkout would leave setuptools' build/ beside the graph's)."""
    tree = tmp_path_factory.mktemp("tree")
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        (tree / name).write_bytes((REPO / name).read_bytes())
    import shutil

    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "resources")
    for name in ("src", "ontology", "shapes", "queries", "data"):
        shutil.copytree(REPO / name, tree / name, ignore=ignore)
    dist = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(dist),
         str(tree)], capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (built,) = dist.glob("aula_kg-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """The wheel unpacked as pip installs it (a site-packages folder of its own)."""
    site = tmp_path_factory.mktemp("site-packages")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def test_the_wheel_carries_the_ontology_shapes_queries_data_and_the_opendata_slice(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = shipped_sources()
    assert {n for n in expected if n.endswith(".rq")}, "no stored query found in the checkout"
    assert any("/data/opendata/" in n and n.endswith(".trig") for n in expected)
    assert expected <= names, sorted(expected - names)
    assert "aula_kg/web/templates/base.html" in names
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "License-Expression: EUPL-1.2" in text


def run_installed(site: Path, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """``aula-kg ARGS`` from the unpacked wheel, in a directory outside the repository, with
    no AULA_KG_* variable and XDG_DATA_HOME=home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AULA_KG_")}
    env.update(PYTHONPATH=str(site), XDG_DATA_HOME=str(home))
    return subprocess.run(
        [sys.executable, "-c", "import sys; from aula_kg.cli import main; sys.exit(main())",
         *args], capture_output=True, text=True, env=env, cwd=home, timeout=300,
    )


def test_an_installed_aula_kg_reads_its_resources_and_builds_in_the_data_directory(
        installed, tmp_path):
    done = run_installed(installed, "where", "--json", home=tmp_path)
    assert done.returncode == 0, done.stderr
    where = json.loads(done.stdout)
    for folder in config.SOURCE_FOLDERS:
        assert where[folder]["path"] == str(installed / "aula_kg" / "resources" / folder)
        assert where[folder]["chosen_by"] == "installed package"
        assert where[folder]["exists"] is True
    assert where["home"] == {"path": str(tmp_path / "aula-kg"), "chosen_by": "XDG_DATA_HOME",
                             "exists": False}
    assert where["build"]["path"] == str(tmp_path / "aula-kg" / "build")
    assert str(REPO) not in done.stdout

    listed = run_installed(installed, "queries", home=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "unexplored_recommendations" in listed.stdout


@pytest.fixture
def installed_layout(tmp_path, monkeypatch) -> Path:
    """This process's config as if installed: no checkout above it, resources beside it."""
    resources = tmp_path / "site-packages" / "aula_kg" / "resources"
    for folder in config.SOURCE_FOLDERS:
        (resources / folder).mkdir(parents=True)
    monkeypatch.setattr(config, "_CHECKOUT_ROOT", tmp_path / "site-packages")
    monkeypatch.setattr(config, "RESOURCES_DIR", resources)
    for variable in [k for k in os.environ if k.startswith("AULA_KG_")]:
        monkeypatch.delenv(variable)
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    return resources


def test_installed_the_default_data_directory_is_xdg_else_local_share(installed_layout,
                                                                      tmp_path, monkeypatch):
    settings = Settings.from_env()
    assert settings.home == tmp_path / "user" / ".local" / "share" / "aula-kg"
    assert settings.build_dir == settings.home / "build"
    assert settings.shared_dir == settings.home / "shared"
    assert settings.queries_dir == installed_layout / "queries"
    assert settings.source_location("data") == (installed_layout / "data", "installed package")

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    settings = Settings.from_env()
    assert (settings.home, settings.home_chosen_by) == (tmp_path / "xdg" / "aula-kg",
                                                        "XDG_DATA_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", "relative/path")  # ignored, as the XDG spec says
    assert Settings.from_env().home == tmp_path / "user" / ".local" / "share" / "aula-kg"


def test_a_source_folder_in_the_data_directory_replaces_the_shipped_one(installed_layout,
                                                                         tmp_path, monkeypatch):
    home = tmp_path / "mine"
    (home / "data").mkdir(parents=True)
    monkeypatch.setenv("AULA_KG_HOME", str(home))
    settings = Settings.from_env()
    assert settings.source_location("data") == (home / "data", "home")
    assert settings.source_location("queries") == (installed_layout / "queries",
                                                   "installed package")
    cog = installed_layout / "data" / "opendata" / "cog.trig"
    assert settings.relative_source(home / "data" / "opendata" / "cog.trig") == \
        "data/opendata/cog.trig"
    assert settings.relative_source(installed_layout / "queries" / "q.rq") == "queries/q.rq"
    assert settings.relative_source(cog) == str(cog)  # data is read from home, not from here


def where_json(capsys, *args: str) -> dict:
    capsys.readouterr()
    assert main([*args, "where", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_home_option_beats_aula_kg_home_beats_the_default(tmp_path, monkeypatch, capsys):
    for variable in ("AULA_KG_HOME", "AULA_KG_BUILD_DIR", "AULA_KG_SHARED"):
        monkeypatch.delenv(variable, raising=False)
    default = where_json(capsys)["home"]
    assert default == {"path": str(REPO), "chosen_by": "checkout", "exists": True}

    monkeypatch.setenv("AULA_KG_HOME", str(tmp_path / "by-variable"))
    by_variable = where_json(capsys)
    assert by_variable["home"]["path"] == str(tmp_path / "by-variable")
    assert by_variable["home"]["chosen_by"] == "AULA_KG_HOME"
    assert by_variable["build"] == {"path": str(tmp_path / "by-variable" / "build"),
                                    "chosen_by": "home", "exists": False}
    # No source folder of its own: they are read from the checkout.
    assert by_variable["queries"] == {"path": str(REPO / "queries"), "chosen_by": "checkout",
                                      "exists": True}

    by_option = where_json(capsys, "--home", str(tmp_path / "by-option"))
    assert by_option["home"]["path"] == str(tmp_path / "by-option")
    assert by_option["home"]["chosen_by"] == "--home"
    # The option lasts one command: afterwards the variable holds again, unchanged.
    assert os.environ["AULA_KG_HOME"] == str(tmp_path / "by-variable")
    assert Settings.from_env().home_chosen_by == "AULA_KG_HOME"

    monkeypatch.setenv("AULA_KG_BUILD_DIR", str(tmp_path / "elsewhere"))
    assert where_json(capsys)["build"] == {"path": str(tmp_path / "elsewhere"),
                                           "chosen_by": "AULA_KG_BUILD_DIR", "exists": False}


def test_where_prints_sources_then_build_with_what_chose_each(built_settings, monkeypatch,
                                                               capsys):
    monkeypatch.setenv("AULA_KG_HOME", str(REPO))
    monkeypatch.setenv("AULA_KG_BUILD_DIR", str(built_settings.build_dir))
    assert main(["where"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "sources:" and lines[5] == "build:"
    rows = {line.split()[0]: line.split()[1:] for line in lines if line.startswith("  ")}
    assert list(rows) == ["ontology", "shapes", "queries", "data",
                          "home", "build", "graph", "store", "manifest", "shared"]
    assert rows["queries"] == [str(REPO / "queries"), "[checkout]"]
    assert rows["home"] == [str(REPO), "[AULA_KG_HOME]"]
    assert rows["graph"] == [str(built_settings.graph_file), "[build]"]
    store = Path(rows["store"][0])
    assert store.parent == built_settings.build_dir / "store" and store.is_dir()
    assert rows["store"][1:] == ["[manifest]"]


def test_home_naming_a_file_is_a_clear_error(tmp_path, capsys):
    a_file = tmp_path / "file"
    a_file.write_text("")
    assert main(["--home", str(a_file), "where"]) == 2
    assert capsys.readouterr().err == f"aula-kg: --home must name a directory: {a_file} is a file\n"


def test_a_setting_that_is_not_a_number_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.setenv("AULA_KG_MAX_ROWS", "many")
    assert main(["where"]) == 2
    assert capsys.readouterr().err == \
        "aula-kg: AULA_KG_MAX_ROWS must be a number (integer), got 'many'\n"


def test_the_manifest_names_sources_relative_to_their_folder(built_settings):
    manifest = json.loads(built_settings.manifest_file.read_text())
    paths = [source["path"] for source in manifest["sources"]]
    assert "data/opendata/cog.trig" in paths and "ontology/aula.ttl" in paths
    assert all(not Path(p).is_absolute() for p in paths)
