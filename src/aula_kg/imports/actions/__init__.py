"""Planners' spreadsheet of actions: template, export, validated import into ``data/actions.ttl``.

The agency's planners keep their actions in a spreadsheet. This package turns one filled
template (CSV, or XLSX with openpyxl) into the curated actions file, and the file back
into the template, one concern per module:

- :mod:`.columns`: the template's columns and what each means in RDF;
- :mod:`.reading`: a filled template (CSV or XLSX) into rows with their line numbers;
- :mod:`.names`: cell values to resources, resolved the way stored queries do
  (:class:`aula_kg.territories.NameIndex`: accents, case, hyphens, INSEE codes, former
  codes of merged communes), from the built graph's store;
- :mod:`.rows`: rows to RDF, checked cell by cell and with the project's SHACL shapes;
- :mod:`.problems`: each problem as ``ligne N, colonne « … » : …`` (French, or English on
  request) with a suggestion when a value is close to a known one, from the one message
  table (:mod:`aula_kg.messages`);
- :mod:`.diff`: what would be added, changed and removed (``--dry-run``);
- :mod:`.writing`: the canonical ``data/actions.ttl``;
- :mod:`.export`: the template and the current actions as CSV or XLSX;
- :mod:`.censuses`: the census sheet (each census: date, scope, programme, method) and
  ``data/censuses.ttl``;
- :mod:`.versions`: the version an export was made from, and the three-way merge of an
  import from an older version (no lost update when two planners edit).

This module runs the import (:func:`import_actions`). Nothing is written unless the whole
file is valid. The file is the complete list of actions: an action of ``data/actions.ttl``
that no row names any more is removed. A successful import writes the canonical file
atomically, under the lock of the data directory, then rebuilds the graph; if the build
fails the previous file is put back. Importing the same spreadsheet twice changes nothing,
byte for byte.

IRIs are stable (:func:`aula_kg.vocab.action`): ``id/action/<identifiant>``, or a slug of
the French title when the identifiant is left empty (then the identifiant to keep is the
one ``export`` shows). A source is a section of a source document
(``zoom-acv-2021/usages``, its IRI or its label); any other text is a free citation,
``id/source/citation/<slug>`` with ``dcterms:bibliographicCitation``
(:func:`aula_kg.vocab.citation`).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from ... import files, locking, messages
from ...build import build
from ...config import Settings
from ...errors import ActionsInvalid, AulaKgError
from ...sources import load_sources, parse_file
from .censuses import (
    canonical_censuses,
    census_ids,
    census_rows,
    census_rows_to_graph,
    censuses_path,
    read_census_rows,
    removed_in_use,
)
from .columns import CENSUS_BY_KEY, CENSUS_COLUMNS, COLUMNS
from .diff import Diff, diff_actions, diff_censuses
from .export import (
    ACTIONS_FILE,
    actions_path,
    current_rows,
    rows_of,
    template_resolver,
    write_table,
)
from .names import Resolver, names_store, recommendations
from .problems import RowError, conflicts, invalid, unreadable
from .reading import read_rows, read_version
from .rows import rows_to_graph, shape_errors
from .versions import MergeReport, keep, merge, snapshot, version_of
from .writing import canonical_text, header_comment

__all__ = [
    "ACTIONS_FILE", "ActionsInvalid", "Diff", "ImportResult", "MergeReport", "Resolver",
    "RowError", "actions_path", "censuses_path", "current_rows", "export_actions",
    "import_actions", "template_resolver", "version_of", "write_table",
]


@dataclass
class ImportResult:
    rows: int
    diff: Diff
    written: bool
    path: Path
    ignored_columns: list[str]
    build_lines: list[str] = field(default_factory=list)
    #: Whether the canonical text differs from the current file (a reformat counts).
    changes_file: bool = False
    #: What was merged from the current version (an import from an older export).
    merge: MergeReport = field(default_factory=MergeReport)
    #: Censuses added, changed, removed (identifiers), when the file has a census sheet.
    censuses: Diff = field(default_factory=Diff)


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def import_actions(path: Path, settings: Settings | None = None, *, dry_run: bool = False,
                   rebuild: bool = True, lang: str = "fr", force: bool = False,
                   censuses_file: Path | None = None) -> ImportResult:
    """Validate a filled template; unless ``dry_run``, write ``data/actions.ttl`` (and
    ``data/censuses.ttl`` when the file has a census sheet) and rebuild.

    Raises :class:`~aula_kg.errors.ActionsInvalid` (exit 1) listing every error (conflicts
    with the current version included),
    :class:`~aula_kg.errors.InputError` (exit 2) when the file cannot be read,
    :class:`~aula_kg.errors.LockBusy` (exit 5) when another aula-kg process is writing to
    the data directory; in each case nothing is written.

    A file exported from an older version is merged with the current one
    (:mod:`.versions`) unless ``force``. Names are resolved against the built graph
    (:func:`.names.names_store`). The SHACL check reads the project's source files all the
    same: it must see the data as the next build will, with these rows in place of the
    current files, which a graph built before the edit cannot show.
    """
    settings = settings or Settings.from_env()
    rows, ignored = read_rows(path)
    census_rows_in = read_census_rows(path, censuses_file)
    version = read_version(path)
    target = actions_path(settings)
    census_target = censuses_path(settings)
    writing = (contextlib.nullcontext() if dry_run
               else locking.hold(target.parent, "aula-kg import actions"))
    with writing:
        sources = load_sources(settings)
        store = names_store(settings, sources)
        resolver = Resolver(store)
        old = parse_file(target) if target.is_file() else Graph()
        old_censuses = parse_file(census_target) if census_target.is_file() else Graph()
        previous, previous_censuses = _read(target), _read(census_target)
        report = MergeReport()
        current_version = version_of(previous, previous_censuses)
        if version and version != current_version and not force:
            rows, census_rows_in = _merge(settings, version, rows, census_rows_in, old,
                                          old_censuses, resolver, store, report)
            if report.conflicts:
                raise conflicts(path, report.conflicts, lang)
        if census_rows_in is None:
            parsed_censuses = None
            known = census_ids(old_censuses)
        else:
            parsed_censuses = census_rows_to_graph(census_rows_in, resolver)
            known = parsed_censuses.censuses
        parsed = rows_to_graph(rows, resolver, known)
        errors = list(parsed.errors)
        if parsed_censuses is not None:
            errors += parsed_censuses.errors
            in_use = removed_in_use(old_censuses, known, rows)
            removed = {e.params["census"] for e in in_use}
            errors = [e for e in errors if not (e.code.startswith("actions.unknown_census")
                                                and e.params["value"] in removed)] + in_use
        new_censuses = old_censuses if parsed_censuses is None else parsed_censuses.graph
        census_lines = parsed_censuses.lines if parsed_censuses else {}
        errors += [e for e in shape_errors(parsed, settings, sources, old, new_censuses,
                                           old_censuses, census_lines)
                   if (e.line, e.column) not in {(x.line, x.column) for x in errors}]
        if errors:
            order = [c.key for c in COLUMNS] + [c.key for c in CENSUS_COLUMNS]
            errors.sort(key=lambda e: (e.column in CENSUS_BY_KEY, e.line,
                                       order.index(e.column) if e.column else -1))
            raise invalid(path, errors, lang)
        diff = diff_actions(old, parsed.graph)
        header = header_comment(previous.decode()) if previous else []
        text = canonical_text(parsed.graph, recommendations(store), header).encode()
        census_text = previous_censuses
        census_diff = Diff()
        if parsed_censuses is not None:
            census_header = header_comment(previous_censuses.decode()) if previous_censuses else []
            census_text = canonical_censuses(parsed_censuses.graph, census_header).encode()
            census_diff = diff_censuses(old_censuses, parsed_censuses.graph)
        result = ImportResult(len(rows), diff, False, target, ignored,
                              changes_file=text != previous or census_text != previous_censuses,
                              merge=report, censuses=census_diff)
        if dry_run or not result.changes_file:
            return result
        if census_text != previous_censuses:
            files.write_atomically(census_target, census_text, what="aula-kg import actions")
        if text != previous:
            files.write_atomically(target, text, what="aula-kg import actions")
        result.written = True
        if rebuild:
            try:
                result.build_lines = build(settings).lines()
            except AulaKgError as exc:
                for file, before in ((target, previous), (census_target, previous_censuses)):
                    if before is None:
                        file.unlink(missing_ok=True)
                    else:
                        files.write_atomically(file, before, what="aula-kg import actions")
                params = {"path": target, "error": exc.message}
                raise type(exc)(messages.render("actions.rebuild_failed", params, lang),
                                code="actions.rebuild_failed", **params) from exc
        keep(settings, text, census_text)
        return result


def _merge(settings, version, rows, census_rows_in, old, old_censuses, resolver, store,
           report: MergeReport):
    """The file's rows merged with the current ones, against the version it came from."""
    kept = snapshot(settings, version)
    if kept is None:
        raise unreadable("actions.unknown_version", version=version)
    base_actions, base_censuses = (parse_file(p) if p else Graph() for p in kept)
    served = recommendations(store)
    action_columns = [c.key for c in COLUMNS]
    rows = merge(rows, rows_of(base_actions, resolver, served)[0],
                 rows_of(old, resolver, served)[0], "id", action_columns, report)
    if census_rows_in is not None:
        census_columns = [c.key for c in CENSUS_COLUMNS]
        census_rows_in = merge(census_rows_in, census_rows(base_censuses, resolver),
                               census_rows(old_censuses, resolver), "census_id",
                               census_columns, report)
    return rows, census_rows_in


def export_actions(settings: Settings | None = None, out: Path | None = None,
                   lang: str = "fr", with_resolver: bool = False) -> tuple[bytes | None, int,
                                                                          list[str]]:
    """The current actions and censuses, in the template format, with their version (kept
    for a later merge). Returns (CSV bytes when ``out`` is None, rows, warnings)."""
    settings = settings or Settings.from_env()
    store = names_store(settings)
    resolver = Resolver(store)
    target, census_target = actions_path(settings), censuses_path(settings)
    actions_bytes, census_bytes = _read(target), _read(census_target)
    graph = parse_file(target) if actions_bytes is not None else Graph()
    rows, warnings = rows_of(graph, resolver, recommendations(store))
    censuses = census_rows(parse_file(census_target) if census_bytes is not None else Graph(),
                           resolver)
    version = keep(settings, actions_bytes, census_bytes)
    data = write_table(rows, out, lang, resolver if with_resolver else None,
                       censuses=censuses, version=version)
    return data, len(rows), warnings
