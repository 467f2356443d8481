"""The national list of Opérations de revitalisation de territoire (ministry, as of 2023).

``ort_dgaln_grist_zlv.csv`` has one row per commune: ``Code commune``, ``Signée ?``
(Signée / Non signée / En cours, or empty) and ``Si signée, date de signature``. Signed
ORTs become ``aula:Laureateship`` of ``programme/ort`` with their date; the others are
counted as skipped, with their status as the reason. The column "Actualisé par" is redacted
upstream and not read.
"""

from __future__ import annotations

from pathlib import Path

from ..laureates import add_former_reference, add_laureateship, add_programme
from ..provenance import LICENCE_OUVERTE_2, SourceInfo
from ..reading import check_insee, find_file, input_error, iter_csv, parse_date
from ..registry import Located, required
from ..report import ImportReport, Triples
from ..territory import Territory

KEY = "ort"
FILE = "ort_dgaln_grist_zlv.csv"
CODE = "Code commune"
SIGNED = "Signée ?"
DATE = "Si signée, date de signature"
STATUSES = ("Signée", "Non signée", "En cours", "")
NAME = KEY
ORDER = 40
SUMMARY = "signed ORT"


def source_info() -> SourceInfo:
    return SourceInfo(
        key=KEY,
        title_fr="Liste nationale des opérations de revitalisation de territoire (2023)",
        title_en="National list of territorial revitalisation operations (ORT, 2023)",
        publisher="dgaln",
        licence=LICENCE_OUVERTE_2,
        edition="2023",
        landing_page="https://www.data.gouv.fr/fr/datasets/?q=operation%20de%20revitalisation%20de%20territoire",
    )


def locate(from_path: Path) -> Located:
    return {"list": find_file(from_path, FILE, "ORT list")}


def describe(located: Located) -> SourceInfo:
    return source_info()


def build(located: Located, territory: Territory, report: ImportReport
          ) -> tuple[Triples, list[Path]]:
    path = required(located, "list")
    graph = Triples()
    add_programme(graph, "ort")
    for line, row in iter_csv(path, (CODE, SIGNED, DATE)):
        report.tick()
        code = check_insee(row[CODE], path, line, CODE)
        status = row[SIGNED].strip()
        if status not in STATUSES:
            raise input_error(path, line, f"column {SIGNED}: unknown status {status!r}")
        signed = parse_date(row[DATE], path, line, DATE)
        if status != "Signée":
            report.skip(f"ORT not signed ({status or 'no status'})")
            continue
        today = territory.keep(code, report)
        if today is None:
            continue
        if signed is None:
            report.note("signed ORT without a date")
        add_laureateship(graph, "ort", today, KEY, signed=signed, recorded_as=code)
        if today != code:
            add_former_reference(graph, code, today)
    return graph, [path]
