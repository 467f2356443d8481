"""ANCT Action Cœur de Ville: laureate communes and their framework conventions.

The 2024-09 edition (``acv_communes_anct-carto_2024-09.csv``) gives, per commune, the
convention it signed (``id_acv``, shared by the communes of a pair such as ``acv-031``
Béthune + Bruay-la-Buissière) and the date of the 2018-2019 *framework* convention
(DD/MM/YYYY). Each convention becomes an ``aula:Convention`` signed by its communes, and each
commune an ``aula:Laureateship`` of ``programme/acv`` carrying that 2018-2019 date. The later
"ACV 2" conventions (2023-2024, from the gazetteer, see :mod:`.programmes`) are different
events and are described as conventions of their own, never as this date.

The 2025-04 edition (ids ``ACV001``, no dates, ``pop``) is optional: importing it writes the
graph ``acv-2025-04``, with laureateships only (Vallauris left the programme in between).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rdflib import Literal

from ... import vocab
from ..laureates import add_former_reference, add_laureateship, add_programme
from ..namespaces import AULA, PROV, RDF, RDFS, XSD
from ..provenance import LICENCE_OUVERTE_2, SourceInfo
from ..reading import check_insee, find_file, input_error, iter_csv, parse_date
from ..registry import Located, required
from ..report import ImportReport, Triples
from ..territory import Territory

KEY = "acv"
KEY_2025 = "acv-2025-04"
FILE_2024 = "acv_communes_anct-carto_2024-09.csv"
FILE_2025 = "acv_communes_anct-carto_2025-04.csv"
NAME = KEY
ORDER = 10
SUMMARY = "ANCT Action Cœur de Ville"
COLUMNS_2024 = ("insee_com", "lib_com", "id_acv", "lib_acv", "date_signature")
COLUMNS_2025 = ("insee_com", "lib_com", "id_acv")

_ID_2024 = re.compile(r"^acv-\d{3}$")
_ID_2025 = re.compile(r"^ACV(\d{3})$")


def source_info(edition: str = "2024-09") -> SourceInfo:
    return SourceInfo(
        key=KEY if edition == "2024-09" else KEY_2025,
        title_fr=f"Action cœur de ville : communes et conventions (ANCT, {edition})",
        title_en=f"Action Cœur de Ville: communes and conventions (ANCT, {edition})",
        publisher="anct",
        licence=LICENCE_OUVERTE_2,
        edition=edition,
        landing_page="https://www.data.gouv.fr/fr/datasets/programme-action-coeur-de-ville/",
    )


convention = vocab.convention


def edition_of(path: Path) -> str:
    """``2025-04`` for the later edition (by name), else ``2024-09``."""
    return "2025-04" if "2025-04" in path.name else "2024-09"


def locate(from_path: Path) -> Located:
    return {"list": find_file(from_path, FILE_2024, "ACV list")}


def describe(located: Located) -> SourceInfo:
    return source_info(edition_of(required(located, "list")))


def build(located: Located, territory: Territory, report: ImportReport
          ) -> tuple[Triples, list[Path]]:
    path = required(located, "list")
    edition = edition_of(path)
    key = KEY if edition == "2024-09" else KEY_2025
    graph = Triples()
    add_programme(graph, "acv")
    conventions: dict[str, dict[str, Any]] = {}
    columns = COLUMNS_2024 if edition == "2024-09" else COLUMNS_2025
    for line, row in iter_csv(path, columns):
        report.tick()
        code = check_insee(row["insee_com"], path, line, "insee_com")
        raw_id = row["id_acv"].strip()
        if edition == "2024-09":
            if not _ID_2024.match(raw_id):
                raise input_error(path, line, f"column id_acv: not an ACV id: {raw_id!r}")
            conv_id = raw_id
            signed = parse_date(row["date_signature"], path, line, "date_signature")
        else:
            match = _ID_2025.match(raw_id)
            if not match:
                raise input_error(path, line, f"column id_acv: not an ACV id: {raw_id!r}")
            conv_id = f"acv-{match.group(1)}"
            signed = None
        today = territory.keep(code, report)
        if today is None:
            continue
        if edition == "2024-09":
            entry = conventions.setdefault(
                conv_id,
                {
                    "label": row["lib_acv"].strip(),
                    "signed": signed,
                    "line": line,
                    "communes": set(),
                },
            )
            if entry["signed"] != signed:
                raise input_error(
                    path,
                    line,
                    f"convention {conv_id}: signature date {signed} differs from "
                    f"{entry['signed']} on line {entry['line']}",
                )
            entry["communes"].add(today)
            add_laureateship(
                graph,
                "acv",
                today,
                key,
                signed=signed,
                convention=convention(conv_id),
                recorded_as=code,
            )
        else:
            add_laureateship(graph, "acv", today, key, recorded_as=code)
        if today != code:
            add_former_reference(graph, code, today)
    for conv_id, entry in conventions.items():
        conv = convention(conv_id)
        graph.add((conv, RDF.type, AULA.Convention))
        graph.add((conv, AULA.conventionId, Literal(conv_id)))
        if entry["label"]:
            graph.add(
                (
                    conv,
                    RDFS.label,
                    Literal(f"Convention-cadre Action cœur de ville — {entry['label']}", lang="fr"),
                )
            )
        graph.add((conv, AULA.programme, vocab.programme("acv")))
        graph.add((conv, PROV.wasDerivedFrom, vocab.dataset(key)))
        if entry["signed"] is not None:
            graph.add(
                (conv, AULA.signatureDate, Literal(entry["signed"].isoformat(), datatype=XSD.date))
            )
        for code in sorted(entry["communes"]):
            graph.add((conv, AULA.signatory, vocab.commune(code)))
    return graph, [path]
