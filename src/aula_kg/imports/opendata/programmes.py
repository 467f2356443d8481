"""ANCT programme tables per commune.

Two files, one graph (``opendata_graph("programmes")``):

- ``anct_programmes_gazetteer.csv``: the current ACV, PVD and signed ORT lists merged per
  commune (flags 0/1 and ISO dates). ``acv_signed_at`` is the date of the latest, "ACV 2",
  convention (2023-2024): it is written as an ``aula:Convention`` of its own
  (``convention/acv2-<insee>``), never as the 2018 framework date of :mod:`.acv`.
  ``pvd_signed_at`` and ``ort_signed_at`` are the laureateships' signature dates.
- ``ngeo_anct_cog2023.csv``: every commune of COG 2023 with the ids of the ANCT programmes it
  belongs to (a cell may hold several ids separated by `` ; ``). The table has ids only;
  the programme names follow the ANCT's column names (``id_ti``: Territoires d'industrie,
  ``id_va``: Villages d'avenir, ``id_fs``: France services...). ``id_crte`` (Contrats de
  relance et de transition écologique) covers every commune, so it says nothing about a
  selection and is not imported. ``id_acv2`` is kept under its own programme ``acv-2``:
  the table does not say more about it.

Old codes (COG 2023, or before the 2025 mergers) resolve to today's commune through the COG;
the laureateship records the code the source used with ``aula:recordedAs``.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from rdflib import Literal, URIRef

from ... import vocab
from ..laureates import add_former_reference, add_laureateship, add_programme
from ..namespaces import AULA, DCTERMS, PROV, RDF, RDFS, XSD
from ..provenance import LICENCE_OUVERTE_2, MIT, SourceInfo
from ..reading import check_insee, find_file, input_error, iter_csv, parse_date
from ..registry import Located
from ..report import ImportReport, Triples
from ..territory import Territory

KEY = "programmes"
GAZETTEER = "anct_programmes_gazetteer.csv"
NGEO = "ngeo_anct_cog2023.csv"
NAME = KEY
ORDER = 30
SUMMARY = "ANCT programme tables per commune"
GAZETTEER_COLUMNS = (
    "insee_com",
    "label",
    "acv",
    "acv_signed_at",
    "pvd",
    "pvd_signed_at",
    "ort",
    "ort_signed_at",
)

#: ngeo column -> programme slug (see common.PROGRAMMES for the labels).
NGEO_COLUMNS = {
    "id_pvd": "pvd",
    "id_ti": "territoires-d-industrie",
    "id_acv": "acv",
    "id_ami": "avenir-montagnes-ingenierie",
    "id_fabp": "fabriques-prospectives",
    "id_amm": "avenir-montagnes-mobilites",
    "id_habinclus": "habitat-inclusif",
    "id_cite": "cites-educatives",
    "id_cde": "cites-de-l-emploi",
    "id_fs": "france-services",
    "id_acv2": "acv-2",
    "id_va": "villages-d-avenir",
    "id_site": "sites-cles-en-main",
}
NOT_IMPORTED = ("id_crte",)

_ACV_ID = re.compile(r"^acv-\d{3}$")


def source_info() -> SourceInfo:
    return SourceInfo(
        key=KEY,
        title_fr="Programmes de l'ANCT par commune (table ACV/PVD/ORT et table COG 2023)",
        title_en="ANCT programmes per commune (ACV/PVD/ORT gazetteer and COG 2023 table)",
        publisher="anct",
        licence=(LICENCE_OUVERTE_2, MIT),
        edition="2023",
        landing_page="https://www.data.gouv.fr/fr/organizations/agence-nationale-de-la-cohesion-des-territoires/",
        description_fr="Listes ACV, PVD et ORT signées fusionnées par commune (compilation MIT, "
        "données ANCT) et identifiants des programmes de l'ANCT par commune, COG 2023.",
    )


def _flag(row: dict[str, str], column: str, path: Path, line: int) -> bool:
    value = row[column].strip()
    if value not in ("0", "1", ""):
        raise input_error(path, line, f"column {column}: expected 0 or 1, found {value!r}")
    return value == "1"


def _acv2_convention(graph: Triples, today: str, signed: date | None) -> URIRef | None:
    """The "ACV 2" (2023-2024) convention a commune signed, as an event of its own."""
    if signed is None:
        return None
    conv = vocab.convention(f"acv2-{today}")
    label = f"Convention Action cœur de ville 2 (2023-2024), commune {today}"
    graph.add((conv, RDF.type, AULA.Convention))
    graph.add((conv, RDFS.label, Literal(label, lang="fr")))
    graph.add((conv, AULA.programme, vocab.programme("acv")))
    graph.add((conv, AULA.signatory, vocab.commune(today)))
    graph.add((conv, AULA.signatureDate, Literal(signed.isoformat(), datatype=XSD.date)))
    graph.add((conv, PROV.wasDerivedFrom, vocab.dataset(KEY)))
    return conv


def _resolve(code: str, territory: Territory, report: ImportReport) -> str | None:
    today = territory.resolve(code)
    if today is None:
        report.skip("INSEE code unknown to the COG")
        return None
    if not territory.in_scope(today):
        report.skip("commune outside the scope")
        return None
    return today


def locate(from_path: Path) -> Located:
    """Both tables under a directory; given one file, that table alone (by its name)."""
    if from_path.is_file():
        is_ngeo = from_path.name.startswith("ngeo")
        return {"gazetteer": None if is_ngeo else from_path,
                "ngeo": from_path if is_ngeo else None}
    return {"gazetteer": find_file(from_path, GAZETTEER, "ANCT gazetteer"),
            "ngeo": find_file(from_path, NGEO, "ANCT programme table (ngeo)")}


def describe(located: Located) -> SourceInfo:
    return source_info()


def build(located: Located, territory: Territory, report: ImportReport
          ) -> tuple[Triples, list[Path]]:
    gazetteer, ngeo = located["gazetteer"], located["ngeo"]
    graph = Triples()
    used: set[str] = set()
    if gazetteer is not None:
        for line, row in iter_csv(gazetteer, GAZETTEER_COLUMNS):
            report.tick()
            code = check_insee(row["insee_com"], gazetteer, line, "insee_com")
            flags = {p: _flag(row, p, gazetteer, line) for p in ("acv", "pvd", "ort")}
            dates = {
                p: parse_date(row[f"{p}_signed_at"], gazetteer, line, f"{p}_signed_at")
                for p in ("acv", "pvd", "ort")
            }
            today = _resolve(code, territory, report)
            if today is None:
                continue
            report.kept += 1
            if today != code:
                add_former_reference(graph, code, today)
            for prog in ("acv", "pvd", "ort"):
                if not flags[prog]:
                    if dates[prog] is not None:
                        report.note(f"{prog} date without the {prog} flag (ignored)")
                    continue
                used.add(prog)
                if prog == "acv":
                    conv = _acv2_convention(graph, today, dates["acv"])
                    add_laureateship(graph, "acv", today, KEY, convention=conv, recorded_as=code)
                else:
                    if dates[prog] is None:
                        report.note(f"{prog} without a signature date")
                    add_laureateship(graph, prog, today, KEY, signed=dates[prog], recorded_as=code)
    if ngeo is not None:
        columns = ("insee_com", "lib_com", *NGEO_COLUMNS, *NOT_IMPORTED)
        for line, row in iter_csv(ngeo, columns):
            report.tick()
            code = check_insee(row["insee_com"], ngeo, line, "insee_com")
            ids = {
                column: [part.strip() for part in row[column].split(";") if part.strip()]
                for column in NGEO_COLUMNS
            }
            if not any(ids.values()):
                report.skip("ngeo: commune in no programme")
                continue
            today = _resolve(code, territory, report)
            if today is None:
                continue
            report.kept += 1
            if today != code:
                add_former_reference(graph, code, today)
            for column, values in ids.items():
                if not values:
                    continue
                slug = NGEO_COLUMNS[column]
                used.add(slug)
                conv = None
                if slug == "acv":
                    if len(values) != 1 or not _ACV_ID.match(values[0]):
                        raise input_error(
                            ngeo, line, f"column id_acv: not an ACV id: {row[column]!r}"
                        )
                    conv = vocab.convention(values[0])
                lau = add_laureateship(graph, slug, today, KEY, convention=conv, recorded_as=code)
                for value in values:
                    graph.add((lau, DCTERMS.identifier, Literal(value)))
    for slug in sorted(used):
        add_programme(graph, slug)
    return graph, [p for p in (gazetteer, ngeo) if p is not None]
