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
- :mod:`.export`: the template and the current actions as CSV or XLSX.

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
from .columns import COLUMNS
from .diff import Diff, diff_actions
from .export import ACTIONS_FILE, actions_path, current_rows, template_resolver, write_table
from .names import Resolver, names_store, recommendations
from .problems import RowError, invalid
from .reading import read_rows
from .rows import rows_to_graph, shape_errors
from .writing import canonical_text, header_comment

__all__ = [
    "ACTIONS_FILE", "ActionsInvalid", "Diff", "ImportResult", "Resolver", "RowError",
    "actions_path", "current_rows", "import_actions", "template_resolver", "write_table",
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


def import_actions(path: Path, settings: Settings | None = None, *, dry_run: bool = False,
                   rebuild: bool = True, lang: str = "fr") -> ImportResult:
    """Validate a filled template; unless ``dry_run``, write ``data/actions.ttl`` and rebuild.

    Raises :class:`~aula_kg.errors.ActionsInvalid` (exit 1) listing every error,
    :class:`~aula_kg.errors.InputError` (exit 2) when the file cannot be read,
    :class:`~aula_kg.errors.LockBusy` (exit 5) when another aula-kg process is writing to
    the data directory; in each case nothing is written.

    Names are resolved against the built graph (:func:`.names.names_store`). The SHACL check
    reads the project's source files all the same: it must see the data as the next build
    will, with these rows in place of the current actions file, which a graph built before
    the edit cannot show (and the current ``data/actions.ttl`` is the file being rewritten).
    """
    settings = settings or Settings.from_env()
    rows, ignored = read_rows(path)
    target = actions_path(settings)
    writing = (contextlib.nullcontext() if dry_run
               else locking.hold(target.parent, "aula-kg import actions"))
    with writing:
        sources = load_sources(settings)
        store = names_store(settings, sources)
        old = parse_file(target) if target.is_file() else Graph()
        parsed = rows_to_graph(rows, Resolver(store))
        errors = parsed.errors + shape_errors(parsed, settings, sources, old)
        if errors:
            order = [c.key for c in COLUMNS]
            errors.sort(key=lambda e: (e.line, order.index(e.column) if e.column else -1))
            raise invalid(path, errors, lang)
        diff = diff_actions(old, parsed.graph)
        previous = target.read_bytes() if target.is_file() else None
        header = header_comment(previous.decode()) if previous else []
        text = canonical_text(parsed.graph, recommendations(store), header).encode()
        result = ImportResult(len(rows), diff, False, target, ignored,
                              changes_file=text != previous)
        if dry_run or text == previous:
            return result
        files.write_atomically(target, text, what="aula-kg import actions")
        result.written = True
        if rebuild:
            try:
                result.build_lines = build(settings).lines()
            except AulaKgError as exc:
                if previous is None:
                    target.unlink(missing_ok=True)
                else:
                    files.write_atomically(target, previous, what="aula-kg import actions")
                params = {"path": target, "error": exc.message}
                raise type(exc)(messages.render("actions.rebuild_failed", params, lang),
                                code="actions.rebuild_failed", **params) from exc
        return result
