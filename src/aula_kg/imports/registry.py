"""The open-data importers: one protocol, and a registry that finds them.

In the manner of pySHACL's registries of constraint components and SPARQL functions, the
list of sources is not written anywhere: every module of the package
:mod:`aula_kg.imports.opendata` that defines the :class:`Importer` protocol at module level
is one source. Adding a source is adding a module; ``aula-kg import SOURCE``,
``aula-kg import all`` and the help text read :func:`importers`.

A source module defines:

- ``NAME``: the word typed after ``aula-kg import`` (``cog``, ``acv``...);
- ``ORDER``: its place in ``import all`` (the COG comes first: the others resolve codes
  against it);
- ``SUMMARY``: a few words for the help text;
- ``locate(from_path)``: the files to read, found under a directory of snapshots or given
  as the file itself (:class:`Located`, role -> path; InputError when a required one is
  missing);
- ``describe(located)``: who published the source, under which licence, which edition
  (:class:`~aula_kg.imports.provenance.SourceInfo`, the dataset/edition/licence/provenance
  written with the graph);
- ``build(located, territory, report)``: the triples and the files they were read from.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Protocol, runtime_checkable

from ..errors import InputError
from .provenance import SourceInfo
from .report import ImportReport, Triples
from .territory import Territory

#: role -> file (None: an optional file that is absent).
Located = Mapping[str, Path | None]

#: The package whose modules are the sources.
PACKAGE = "aula_kg.imports.opendata"


@runtime_checkable
class Importer(Protocol):
    NAME: str
    ORDER: int
    SUMMARY: str

    def locate(self, from_path: Path) -> Located: ...

    def describe(self, located: Located) -> SourceInfo: ...

    def build(
        self, located: Located, territory: Territory, report: ImportReport
    ) -> tuple[Triples, list[Path]]: ...


def _is_importer(module: ModuleType) -> bool:
    return all(hasattr(module, name) for name in ("NAME", "ORDER", "SUMMARY", "locate",
                                                   "describe", "build"))


def importers() -> list[Importer]:
    """Every source, in ``import all`` order (then by name)."""
    package = importlib.import_module(PACKAGE)
    found: dict[str, Importer] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{PACKAGE}.{info.name}")
        if _is_importer(module):
            found[module.NAME] = module
    return sorted(found.values(), key=lambda m: (m.ORDER, m.NAME))


def names() -> tuple[str, ...]:
    return tuple(importer.NAME for importer in importers())


def get(name: str) -> Importer:
    """The importer called ``name``; InputError naming the known ones otherwise."""
    for importer in importers():
        if importer.NAME == name:
            return importer
    raise InputError(code="import.unknown_source", source=name, expected=", ".join(names()))


def help_text() -> str:
    """``cog (Etalab COG), acv (Action Cœur de Ville)...``: for the command's help."""
    return ", ".join(f"{i.NAME} ({i.SUMMARY})" for i in importers())


def required(located: Located, role: str) -> Path:
    """The file ``locate`` found for a required ``role`` (it raised InputError when that
    file was missing, so None here is a bug of the importer, not bad input)."""
    path = located[role]
    if path is None:
        raise LookupError(f"the importer located no {role!r} file")
    return path


def directory_of(from_path: Path) -> Path:
    """The directory of snapshots ``from_path`` names (itself, or the file's directory)."""
    return from_path if from_path.is_dir() else from_path.parent


def sibling(from_path: Path, name: str) -> Path | None:
    """``name`` beside the snapshots, when it is there."""
    path = directory_of(from_path) / name
    return path if path.is_file() else None
