"""Importers of open government data, one module per source.

Each module turns one publisher's files into one named graph
(:func:`aula_kg.vocab.opendata_graph`) written atomically to one TriG file:

- :mod:`.cog`: Etalab *découpage administratif* (communes, EPCI, départements, régions,
  legal populations, former codes of merged communes);
- :mod:`.acv`: ANCT Action Cœur de Ville communes and their 2018-2019 framework conventions;
- :mod:`.pvd`: ANCT Petites Villes de Demain, first list (January 2021), with signature dates;
- :mod:`.programmes`: the ANCT per-commune tables (ACV/PVD/ORT gazetteer; the COG 2023 table
  of programme ids: Territoires d'industrie, Villages d'avenir, France services...);
- :mod:`.ort`: the national list of Opérations de revitalisation de territoire.

Linking choice: the communes, EPCI and programmes described here and those of the curated
seeds are the *same IRIs*, minted by :mod:`aula_kg.vocab` from the INSEE code, the SIREN or
a slug. A query therefore sees the seeds and the open data about one commune without any
``owl:sameAs`` and without reasoning; which source says what is told by the named graph and
by ``prov:wasDerivedFrom``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .. import vocab
from ..errors import InputError
from . import acv, ort, programmes, pvd
from . import cog as cog_module
from .common import (
    ImportReport,
    Territory,
    cog_dir_in,
    cog_edition,
    collector_paused,
    describe_source,
    file_header,
    find_file,
    now,
    write_graph_atomically,
)

#: Import order for ``aula-kg import all`` (cog first: the others resolve codes with it).
SOURCES = ("cog", "acv", "pvd", "programmes", "ort")


def _territory_for(base: Path, scope: str, cog: Path | None, fallback: Path | None):
    if cog is not None:
        return Territory.from_cog(cog_dir_in(cog), scope)
    directory = base if base.is_dir() else base.parent
    try:
        return Territory.from_cog(cog_dir_in(directory), scope)
    except InputError:
        if fallback is None:
            raise
        return Territory.from_cog(cog_dir_in(fallback), scope)


def _build(source: str, from_path: Path, territory: Territory, report: ImportReport):
    """The source's description, its triples and the files they were read from."""
    base = from_path if from_path.is_dir() else from_path.parent

    def sibling(name: str) -> Path | None:
        path = base / name
        return path if path.is_file() else None

    if source == "cog":
        cog_dir = cog_dir_in(from_path if from_path.is_dir() else from_path.parent)
        info = cog_module.source_info(cog_edition(cog_dir))
        graph, files = cog_module.build(cog_dir, territory, report)
    elif source == "acv":
        path = find_file(from_path, acv.FILE_2024, "ACV list")
        info = acv.source_info(acv.edition_of(path))
        graph, files = acv.build(path, territory, report)
    elif source == "pvd":
        path = find_file(from_path, pvd.FILE, "PVD list")
        info = pvd.source_info()
        graph, files = pvd.build(path, sibling(pvd.GAZETTEER), territory, report)
    elif source == "programmes":
        if from_path.is_file():
            is_ngeo = from_path.name.startswith("ngeo")
            gaz, ngeo = (None, from_path) if is_ngeo else (from_path, None)
        else:
            gaz = find_file(from_path, programmes.GAZETTEER, "ANCT gazetteer")
            ngeo = find_file(from_path, programmes.NGEO, "ANCT programme table (ngeo)")
        info = programmes.source_info()
        graph, files = programmes.build(gaz, ngeo, territory, report)
    else:
        path = find_file(from_path, ort.FILE, "ORT list")
        info = ort.source_info()
        graph, files = ort.build(path, territory, report)
    return info, graph, files


def run(
    source: str,
    from_path: Path,
    out_dir: Path,
    *,
    scope: str = "aula",
    cog: Path | None = None,
    fallback_dir: Path | None = None,
    territory=None,
    quiet: bool = False,
):
    """Import one source from ``from_path`` (a directory of snapshots or the file itself)
    into ``out_dir/<source>.trig``; returns the :class:`~.common.ImportReport`.

    ``cog`` is the Etalab directory used to resolve codes and filter the scope (default: the
    one beside ``from_path``, else under ``fallback_dir``). Nothing is written when the input
    is malformed: the InputError names the file and the line.
    """
    if source not in SOURCES:
        raise InputError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    from_path = Path(from_path)
    if not from_path.exists():
        raise InputError(f"{from_path}: no such file or directory")
    if territory is None:
        territory = _territory_for(from_path, scope, cog, fallback_dir)
    report = ImportReport(source, quiet=quiet)
    started = now()
    with collector_paused():
        info, graph, files = _build(source, from_path, territory, report)
        describe_source(graph, info, files, started, territory)
        report.triples = len(graph)
        out = Path(out_dir) / f"{info.key}.trig"
        report.changed = write_graph_atomically(
            graph, vocab.opendata_graph(info.key), out, file_header(info, territory), started
        )
    report.output = out
    report.finish()
    if not quiet:
        print(report.summary(), file=sys.stderr, flush=True)
    return report


def run_all(
    from_dir: Path,
    out_dir: Path,
    *,
    scope: str = "aula",
    cog: Path | None = None,
    quiet: bool = False,
):
    """Every source in :data:`SOURCES` order, sharing one COG territory. Each source's file
    is written only once that source has been read entirely; a malformed source stops the
    run with an InputError and leaves its previous file untouched."""
    territory = _territory_for(Path(from_dir), scope, cog, None)
    return [
        run(source, Path(from_dir), out_dir, scope=scope, territory=territory, quiet=quiet)
        for source in SOURCES
    ]
