"""What a planner reads when a row is wrong: one problem per cell, in French or English.

Every text comes from the one message table (:mod:`aula_kg.messages`, the codes
``actions.*``): a :class:`RowError` carries a code and its values, and says where it is
(``ligne N, colonne « … » : …``) in the language asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ... import messages
from ...errors import ActionsInvalid, InputError
from .columns import ALL_COLUMNS, CENSUS_BY_KEY


@dataclass
class RowError:
    """One problem in one cell (``column`` None: the row as a whole)."""

    line: int
    column: str | None
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def problem(self, lang: str = "fr") -> str:
        return messages.render(self.code, self.params, lang)

    def text(self, lang: str = "fr") -> str:
        if self.column is None and not self.line:
            return self.problem(lang)
        if self.column is None:
            return messages.render("actions.at_row", {"line": self.line,
                                                      "problem": self.problem(lang)}, lang)
        header = ALL_COLUMNS[self.column].header(lang)
        code = "actions.at_census_cell" if self.column in CENSUS_BY_KEY else "actions.at_cell"
        return messages.render(code, {"line": self.line, "column": header,
                                                   "problem": self.problem(lang)}, lang)


def row_error(line: int, column: str | None, code: str, **params: Any) -> RowError:
    return RowError(line, column, code, params)


def unknown(line: int, column: str, value: str, suggestions: list[str],
            options: list[str] | None = None) -> RowError:
    """An unknown value, with the close known ones, or else the allowed ones when few."""
    if suggestions:
        return row_error(line, column, "actions.unknown_suggest", value=value,
                         suggestions=list(suggestions))
    if options:
        return row_error(line, column, "actions.unknown_options", value=value,
                         options=", ".join(options))
    return row_error(line, column, "actions.unknown", value=value)


def invalid(path: Path, errors: list[RowError], lang: str = "fr") -> ActionsInvalid:
    """The error that lists every problem of the file; nothing was written."""
    head = messages.render("actions.invalid", {"path": path, "count": len(errors)}, lang)
    text = "\n".join([head, *("  " + e.text(lang) for e in errors)])
    return ActionsInvalid(text, errors=errors, code="actions.invalid", path=path,
                          count=len(errors))


def bilingual(code: str, **params: Any) -> str:
    """The message in French, then in English: for what is said before a language is known."""
    return " / ".join(messages.render(code, params, lang) for lang in ("fr", "en"))


def unreadable(code: str, **params: Any) -> InputError:
    """The file cannot be read as a spreadsheet (exit 2): said in French and in English,
    since the file is refused before its rows (and the language of the messages) matter."""
    return InputError(bilingual(code, **params), code=code, **params)


def conflicts(path: Path, found, lang: str = "fr") -> ActionsInvalid:
    """Cells changed both in the file and in the current version since the export the file
    was made from (:class:`.versions.Conflict`): refused, naming rows, columns and both
    values; nothing was written."""
    errors = []
    for conflict in found:
        if conflict.column is None:
            errors.append(row_error(conflict.line, None, "actions.conflict_row",
                                    action=conflict.row_id))
        else:
            errors.append(row_error(conflict.line, conflict.column, "actions.conflict_cell",
                                    action=conflict.row_id, mine=conflict.mine,
                                    theirs=conflict.theirs))
    head = messages.render("actions.conflicts", {"path": path, "count": len(errors)}, lang)
    text = "\n".join([head, *("  " + e.text(lang) for e in errors)])
    return ActionsInvalid(text, errors=errors, code="actions.conflicts", path=path,
                          count=len(errors))
