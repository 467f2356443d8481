"""The reference territory an import resolves codes with and keeps records of.

:class:`Territory` is read from the Etalab COG files: today's communes, former codes
resolved to today's commune, EPCI members, and the scope filter (whole of France, or the
AULA territory: five EPCI and their member communes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from .reading import find_file, input_error, iter_json_array
from .report import ImportReport

#: The five EPCI of the AULA territory, by SIREN.
AULA_EPCI = ("200072460", "246200364", "246200299", "200069672", "200044030")

SCOPES = ("aula", "france")


COG_DIRNAME = "decoupage-administratif-6.0.0"
#: npm version of @etalab/decoupage-administratif -> COG edition (year).
COG_EDITIONS = {"3.1.1": 2023, "4.0.0": 2024, "5.0.0": 2025, "6.0.0": 2026}


def cog_dir_in(base: Path) -> Path:
    """The découpage-administratif directory under ``base`` (or ``base`` itself)."""
    if (base / "communes.json.gz").is_file():
        return base
    candidates = sorted(p for p in base.glob("decoupage-administratif-*") if p.is_dir())
    if not candidates:
        raise InputError(f"{base}: no decoupage-administratif-* directory (Etalab COG files)")
    return candidates[-1]


def cog_edition(cog_dir: Path) -> int:
    """The COG year of an Etalab package directory, from its version suffix."""
    match = re.search(r"(\d+\.\d+\.\d+)$", cog_dir.name)
    if match and match.group(1) in COG_EDITIONS:
        return COG_EDITIONS[match.group(1)]
    raise InputError(
        f"{cog_dir}: unknown découpage-administratif version; expected a directory named "
        f"decoupage-administratif-<version> with one of {', '.join(COG_EDITIONS)}"
    )


@dataclass
class Territory:
    """Today's communes and EPCI from the COG, and the scope an import keeps."""

    current: dict[str, str]  # INSEE code -> name, communes actuelles
    former: dict[str, str]  # former INSEE code -> today's code
    epci_members: dict[str, list[str]]  # SIREN -> member INSEE codes
    scope: str = "france"
    edition: int | None = None

    @property
    def scope_epci(self) -> set[str]:
        return set(AULA_EPCI) if self.scope == "aula" else set(self.epci_members)

    @property
    def scope_communes(self) -> set[str]:
        if self.scope == "france":
            return set(self.current)
        return {code for siren in AULA_EPCI for code in self.epci_members.get(siren, [])}

    def resolve(self, code: str) -> str | None:
        """Today's code for a current or former code; None if the COG does not know it."""
        if code in self.current:
            return code
        return self.former.get(code)

    def in_scope(self, code: str) -> bool:
        return self.scope == "france" or code in self._aula

    def keep(self, code: str, report: ImportReport) -> str | None:
        """Today's code of a row's commune when the import keeps it (counted in
        ``report``); None, with the reason noted, for a code the COG does not know or a
        commune outside the scope."""
        today = self.resolve(code)
        if today is None:
            report.skip("INSEE code unknown to the COG")
            return None
        if not self.in_scope(today):
            report.skip("commune outside the scope")
            return None
        report.kept += 1
        return today

    def __post_init__(self) -> None:
        self._aula = self.scope_communes if self.scope == "aula" else set()

    @classmethod
    def from_cog(cls, cog_dir: Path, scope: str = "france") -> Territory:
        if scope not in SCOPES:
            raise InputError(f"unknown scope {scope!r}; expected one of {', '.join(SCOPES)}")
        communes_file = find_file(cog_dir, "communes.json.gz", "Etalab communes file")
        epci_file = find_file(cog_dir, "epci.json.gz", "Etalab EPCI file")
        current: dict[str, str] = {}
        former: dict[str, str] = {}
        for line, record in iter_json_array(communes_file):
            if not isinstance(record, dict) or "code" not in record or "type" not in record:
                raise input_error(communes_file, line, "record without 'code' or 'type'")
            if record["type"] == "commune-actuelle":
                current[record["code"]] = record.get("nom", "")
                for old in record.get("anciensCodes") or []:
                    former[old] = record["code"]
            elif record["type"] in ("commune-deleguee", "commune-associee"):
                chef = record.get("chefLieu")
                if chef and chef != record["code"]:
                    former.setdefault(record["code"], chef)
        for old in list(former):
            if old in current:  # a code still in use is not a former code
                del former[old]
        members: dict[str, list[str]] = {}
        for line, record in iter_json_array(epci_file):
            if not isinstance(record, dict) or "code" not in record:
                raise input_error(epci_file, line, "record without 'code'")
            members[record["code"]] = sorted(
                m["code"]
                for m in record.get("membres") or []
                if isinstance(m, dict) and "code" in m
            )
        if scope == "aula":
            absent = [siren for siren in AULA_EPCI if siren not in members]
            if absent:
                raise InputError(f"{epci_file}: AULA EPCI not found: {', '.join(absent)}")
        try:
            edition = cog_edition(cog_dir)
        except InputError:
            edition = None
        return cls(current, former, members, scope, edition)
