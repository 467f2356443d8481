"""ANCT Petites Villes de Demain: the first list (22 January 2021) with signature dates.

The January 2021 list (one template row aside, see :func:`is_placeholder`) names the
laureate communes; its ``date_signature`` column is empty, so the signature dates of the
adhesion conventions come from the ANCT gazetteer (``anct_programmes_gazetteer.csv``,
column ``pvd_signed_at``). Codes of communes merged since (Hesdin, 62447, now
Hesdin-la-Forêt) resolve to today's commune through the COG, and the laureateship keeps
the code the list used (``aula:recordedAs``) when it differs. Communes that joined the
programme after January 2021 are not in this graph (they are in :mod:`.programmes`):
comparing the two is one of the reconciliation queries.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rdflib import Literal

from ..laureates import add_former_reference, add_laureateship, add_programme
from ..namespaces import DCTERMS
from ..provenance import LICENCE_OUVERTE_2, SourceInfo
from ..reading import check_insee, find_file, iter_csv, parse_date
from ..registry import Located, required, sibling
from ..report import ImportReport, Triples
from ..territory import Territory

KEY = "pvd"
FILE = "pvd_communes_anct-carto_2021-01-22.csv"
GAZETTEER = "anct_programmes_gazetteer.csv"
COLUMNS = ("id_pvd", "insee_com", "lib_com", "date_signature")
NAME = KEY
ORDER = 20
SUMMARY = "ANCT Petites Villes de Demain"


def source_info() -> SourceInfo:
    return SourceInfo(
        key=KEY,
        title_fr="Petites villes de demain : liste des communes lauréates (ANCT, 22 janvier 2021)",
        title_en="Petites Villes de Demain: laureate communes (ANCT, 22 January 2021)",
        publisher="anct",
        licence=LICENCE_OUVERTE_2,
        edition="2021-01-22",
        landing_page="https://www.data.gouv.fr/fr/datasets/programme-petites-villes-de-demain/",
        description_fr="Liste de janvier 2021 ; dates de signature des conventions d'adhésion "
        "lues dans la table ANCT des programmes par commune (pvd_signed_at).",
    )


def is_placeholder(row: dict[str, str]) -> bool:
    """The January 2021 file carries one template row (code 999999, "Trifouilly-les-Oies",
    département 99); it is not a commune. Only that exact pattern is skipped: any other bad
    code is an error."""
    return set(row["insee_com"].strip()) == {"9"} and row.get("insee_dep", "").strip() == "99"


def signature_dates(gazetteer: Path, territory: Territory) -> dict[str, date]:
    """Today's INSEE code -> PVD signature date, from the gazetteer."""
    dates: dict[str, date] = {}
    for line, row in iter_csv(gazetteer, ("insee_com", "pvd", "pvd_signed_at")):
        code = check_insee(row["insee_com"], gazetteer, line, "insee_com")
        signed = parse_date(row["pvd_signed_at"], gazetteer, line, "pvd_signed_at")
        today = territory.resolve(code) or code
        if signed is not None and row["pvd"].strip() == "1":
            dates[today] = signed
    return dates


def locate(from_path: Path) -> Located:
    """The list, and the gazetteer beside it when it is there (signature dates)."""
    return {"list": find_file(from_path, FILE, "PVD list"),
            "gazetteer": sibling(from_path, GAZETTEER)}


def describe(located: Located) -> SourceInfo:
    return source_info()


def build(located: Located, territory: Territory, report: ImportReport
          ) -> tuple[Triples, list[Path]]:
    path, gazetteer = required(located, "list"), located["gazetteer"]
    dates = signature_dates(gazetteer, territory) if gazetteer is not None else {}
    graph = Triples()
    add_programme(graph, "pvd")
    for line, row in iter_csv(path, COLUMNS):
        report.tick()
        if is_placeholder(row):
            report.skip("placeholder row of the publisher's template (999999 Trifouilly-les-Oies)")
            continue
        code = check_insee(row["insee_com"], path, line, "insee_com")
        signed = parse_date(row["date_signature"], path, line, "date_signature")
        today = territory.keep(code, report)
        if today is None:
            continue
        signed = signed or dates.get(today)
        if signed is None:
            report.note("no signature date in the gazetteer")
        lau = add_laureateship(graph, "pvd", today, KEY, signed=signed, recorded_as=code)
        if row["id_pvd"].strip():
            graph.add((lau, DCTERMS.identifier, Literal(row["id_pvd"].strip())))
        if today != code:
            add_former_reference(graph, code, today)
    return graph, [path] + ([gazetteer] if gazetteer is not None else [])
