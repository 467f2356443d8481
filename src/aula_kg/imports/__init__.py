"""Importers of open government data, and the planners' files.

Each open-data source is one module of :mod:`.opendata`, found by :mod:`.registry` (the
importer protocol: locate the files, describe the source, build the graph). :func:`run`
turns one source's files into one named graph (:func:`aula_kg.vocab.opendata_graph`)
written atomically to one TriG file (:mod:`.writing`); :func:`run_all` runs every source.
What they share is split by job: :mod:`.reading` (files, with file:line errors),
:mod:`.territory` (the COG reference and the scope), :mod:`.provenance` (DCAT/PROV),
:mod:`.laureates` (programmes and laureateships), :mod:`.namespaces`, :mod:`.report`.
The planners' files have their own modules: :mod:`.actions` (the spreadsheet of actions)
and :mod:`.boundaries` (commune outlines).

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
from ..progress import Steps
from . import registry
from .provenance import describe_source, file_header, now
from .report import ImportReport, collector_paused
from .territory import Territory, cog_dir_in
from .writing import write_graph

#: The sources, in ``aula-kg import all`` order (cog first: the others resolve codes with it).
SOURCES = registry.names()


def _territory_for(base: Path, scope: str, cog: Path | None, fallback: Path | None
                   ) -> Territory:
    if cog is not None:
        return Territory.from_cog(cog_dir_in(cog), scope)
    try:
        return Territory.from_cog(cog_dir_in(registry.directory_of(base)), scope)
    except InputError:
        if fallback is None:
            raise
        return Territory.from_cog(cog_dir_in(fallback), scope)


def run(
    source: str,
    from_path: Path,
    out_dir: Path,
    *,
    scope: str = "aula",
    cog: Path | None = None,
    fallback_dir: Path | None = None,
    territory: Territory | None = None,
    quiet: bool = False,
    steps: Steps | None = None,
) -> ImportReport:
    """Import one source from ``from_path`` (a directory of snapshots or the file itself)
    into ``out_dir/<source>.trig``; returns the :class:`~.report.ImportReport`.

    ``cog`` is the Etalab directory used to resolve codes and filter the scope (default: the
    one beside ``from_path``, else under ``fallback_dir``). Nothing is written when the input
    is malformed: the InputError names the file and the line. Within ``steps`` (``import
    all``), the records read go to its progress display.
    """
    importer = registry.get(source)
    from_path = Path(from_path)
    if not from_path.exists():
        raise InputError(f"{from_path}: no such file or directory")
    if territory is None:
        territory = _territory_for(from_path, scope, cog, fallback_dir)
    report = ImportReport(source, quiet=quiet, counter=steps.count if steps else None)
    started = now()
    with collector_paused():
        located = importer.locate(from_path)
        info = importer.describe(located)
        graph, files = importer.build(located, territory, report)
        describe_source(graph, info, files, started, territory)
        report.triples = len(graph)
        out = Path(out_dir) / f"{info.key}.trig"
        report.changed = write_graph(
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
) -> list[ImportReport]:
    """Every source of the registry in order, sharing one COG territory. Each source's file
    is written only once that source has been read entirely; a malformed source stops the
    run with an InputError and leaves its previous file untouched. Each source is a step
    of the progress shown on stderr (:mod:`aula_kg.progress`)."""
    sources = registry.names()
    reports = []
    with Steps("import", ["territory", *sources], quiet=quiet) as steps:
        with steps.step("territory"):
            territory = _territory_for(Path(from_dir), scope, cog, None)
        for source in sources:
            with steps.step(source):
                reports.append(run(source, Path(from_dir), out_dir, scope=scope,
                                   territory=territory, quiet=quiet, steps=steps))
    return reports
