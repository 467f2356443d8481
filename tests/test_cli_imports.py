"""A command imports only what it needs (issue 17): the command line's start-up is not
spent importing rdflib's SPARQL grammar, pySHACL, the web stack, the build or the importers
for a command that uses none of them.

Each check runs the command in a fresh interpreter and reads ``sys.modules`` at its end
(what was imported, not how long it took: speed is measured in benchmarks/).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import aula_kg

SRC = Path(aula_kg.__file__).resolve().parents[1]

#: Runs ``aula_kg.cli.main(argv)`` and prints the modules it imported (stdout is the
#: command's; the list goes to a file).
RUNNER = """
import json, sys
from aula_kg.cli import main
try:
    main(sys.argv[2:])
except SystemExit:
    pass
with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump(sorted(sys.modules), out)
"""

#: Third-party packages no command needs before it runs.
HEAVY_PACKAGES = ("rdflib", "pyparsing", "pyshacl", "owlrl", "openpyxl", "fastapi",
                  "starlette", "uvicorn", "jinja2", "pyoxigraph", "asyncio")

#: What only the build, the importers, validation and the server need.
NOT_FOR_QUERIES = ("pyshacl", "owlrl", "openpyxl", "fastapi", "starlette", "uvicorn",
                   "aula_kg.build", "aula_kg.imports", "aula_kg.validation",
                   "aula_kg.reasoning", "aula_kg.web", "aula_kg.ask", "aula_kg.pictures")


def imported_by(tmp_path: Path, *argv: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules loaded once ``aula-kg ARGV`` has run in a fresh interpreter."""
    listing = tmp_path / "modules.json"
    environment = dict(os.environ if env is None else env)
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(SRC), *filter(None, [environment.get("PYTHONPATH")])])
    done = subprocess.run([sys.executable, "-c", RUNNER, str(listing), *argv],
                          capture_output=True, text=True, env=environment, timeout=120)
    assert listing.is_file(), done.stderr
    return set(json.loads(listing.read_text(encoding="utf-8")))


def loaded(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    """Which of ``packages`` (or their submodules) are among ``modules``."""
    return sorted(p for p in packages
                  if any(m == p or m.startswith(p + ".") for m in modules))


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["sparql", "--help"]],
                         ids=["version", "help", "sparql-help"])
def test_the_parser_and_its_help_import_nothing_heavy(tmp_path, argv):
    modules = imported_by(tmp_path, *argv)
    assert "aula_kg.cli" in modules
    assert loaded(modules, HEAVY_PACKAGES) == []
    assert loaded(modules, ("aula_kg.config", "aula_kg.store", "aula_kg.catalog",
                            "aula_kg.build", "aula_kg.imports")) == []


def test_late_arguments_are_there_when_their_command_is_used(capsys):
    """The importers' names and the reasoners are read when their command is parsed."""
    from aula_kg.cli import make_parser
    from aula_kg.imports import registry
    from aula_kg.reasoning import ENGINES

    parser = make_parser()
    assert parser.parse_args(["import", "cog"]).source == "cog"
    assert parser.parse_args(["build", "--reasoner", ENGINES[-1]]).reasoner == ENGINES[-1]
    with pytest.raises(SystemExit):
        make_parser().parse_args(["build", "--reasoner", "nothing"])
    assert "{" + ",".join(ENGINES) + "}" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        make_parser().parse_args(["import", "--help"])
    assert registry.help_text().split(",")[0] in capsys.readouterr().out.replace("\n", " ")


def test_a_plain_parser_gets_the_late_arguments_at_once():
    """register(subparsers) works on any argparse parser (a test's own, another tool's)."""
    from aula_kg.commands import graph

    parser = argparse.ArgumentParser()
    subparsers = parser.add_subparsers(dest="command")
    graph.register(subparsers)
    assert "--reasoner" in subparsers.choices["build"].format_help()
    assert parser.parse_args(["build", "--reasoner", "owlrl"]).reasoner == "owlrl"


def test_sparql_imports_the_store_not_the_grammar_nor_the_build(tmp_path, cli_env):
    modules = imported_by(tmp_path, "sparql", "SELECT * WHERE { ?s ?p ?o } LIMIT 1",
                          env=cli_env)
    assert "pyoxigraph" in modules and "aula_kg.sparql_policy" in modules  # it did run
    assert loaded(modules, NOT_FOR_QUERIES) == []
    # rdflib's SPARQL parser (pyparsing) and the catalogue are not needed for a user query
    assert loaded(modules, ("pyparsing", "rdflib.plugins.sparql", "aula_kg.catalog",
                            "aula_kg.answering", "aula_kg.queryform", "aula_kg.territories",
                            "aula_kg.federation")) == []


@pytest.mark.parametrize("argv", [["queries"],
                                  ["query", "unexplored_recommendations",
                                   "-p", "territory=Lens-Liévin"]],
                         ids=["queries", "query"])
def test_the_stored_queries_import_neither_the_web_nor_the_build(tmp_path, cli_env, argv):
    modules = imported_by(tmp_path, *argv, env=cli_env)
    assert "aula_kg.catalog" in modules  # it did run
    assert loaded(modules, NOT_FOR_QUERIES) == []


def test_where_imports_neither_rdflib_nor_the_store_classes(tmp_path, cli_env):
    modules = imported_by(tmp_path, "where", env=cli_env)
    assert "aula_kg.store.prebuilt" in modules  # it did look for the prebuilt store
    assert loaded(modules, ("rdflib", "aula_kg.store.base", "aula_kg.store.embedded")) == []
