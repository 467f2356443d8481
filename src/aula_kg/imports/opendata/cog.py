"""Etalab *découpage administratif* (npm package ``@etalab/decoupage-administratif``).

Reads ``communes.json.gz``, ``epci.json.gz``, ``departements.json.gz`` and
``regions.json.gz`` and describes, in the graph ``opendata_graph("cog")``:

- today's communes (``igeo:Commune``): name, INSEE code, SIREN, postal codes, département,
  région, EPCI (``igeo:subdivisionDirecteDe``);
- former communes (``aula:FormerCommune``) from ``anciensCodes`` and the communes déléguées
  and associées, each ``dcterms:isReplacedBy`` today's commune. A commune déléguée whose code
  is the new commune's own code (Hesdin, 62447, in Hesdin-la-Forêt) cannot be a resource of
  its own: its name becomes a ``skos:altLabel`` of today's commune;
- EPCI (``igeo:Intercommunalite`` and the legal category) with their members, and the EPCI
  council as an ``org:FormalOrganization`` that ``aula:governs`` the territory;
- départements and régions;
- legal populations as Data Cube observations (communes: population municipale; EPCI: both
  population municipale and totale). The Etalab package of COG year N carries INSEE's legal
  populations in force on 1 January N, whose reference year is N-3 (census methodology).

The same IRIs as the seeds (minted from the INSEE code and SIREN), so no ``owl:sameAs``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from rdflib import Literal, URIRef

from ... import vocab
from ..namespaces import (
    AULA,
    DCTERMS,
    IGEO,
    ORG,
    PROV,
    QB,
    RDF,
    RDFS,
    SDMX_ATTRIBUTE,
    SDMX_DIMENSION,
    SKOS,
    XSD,
)
from ..provenance import LICENCE_OUVERTE_2, SourceInfo
from ..reading import find_file, input_error, iter_json_array
from ..registry import Located, directory_of, required
from ..report import ImportReport, Triples
from ..territory import Territory, cog_dir_in, cog_edition

KEY = "cog"
NAME = KEY
ORDER = 0  # first: the other sources resolve codes against it
SUMMARY = "Etalab COG: communes, EPCI, populations"

EPCI_TYPES = {
    "CA": AULA.CommunauteAgglomeration,
    "CC": AULA.CommunauteDeCommunes,
    "CU": AULA.CommunauteUrbaine,
    "METRO": AULA.Metropole,
    "MET69": AULA.Metropole,
}

#: Merger dates the Etalab files do not carry (INSEE, COG "communes nouvelles"), by the code
#: of the new commune. Add an entry when a merger on the territory matters to a query.
KNOWN_MERGER_DATES = {
    "62447": date(
        2025, 1, 1
    ),  # Hesdin-la-Forêt (Hesdin, Huby-Saint-Leu, Marconne, Sainte-Austreberthe)
}

POPULATION_DATASET = vocab.dataset("cog-population")
POPULATION_STRUCTURE = vocab.structure("population")
KIND_MUNICIPALE = vocab.population_kind("municipale")
KIND_TOTALE = vocab.population_kind("totale")
INHABITANT = vocab.unit("inhabitant")


def source_info(edition: int) -> SourceInfo:
    return SourceInfo(
        key=KEY,
        title_fr="Découpage administratif (Etalab, COG)",
        title_en="French administrative divisions (Etalab, official geographic code)",
        publisher="etalab",
        licence=LICENCE_OUVERTE_2,
        edition=str(edition),
        landing_page="https://www.npmjs.com/package/@etalab/decoupage-administratif",
        description_fr="Communes, EPCI, départements et régions du Code officiel géographique "
        "de l'INSEE, liste des EPCI de la DGCL, populations légales de l'INSEE.",
    )


def files(cog_dir: Path) -> list[Path]:
    return [
        find_file(cog_dir, name, "Etalab COG file")
        for name in ("communes.json.gz", "epci.json.gz", "departements.json.gz", "regions.json.gz")
    ]


def _population(graph: Triples, area: URIRef, key: str, year: int, kind: str, value: int
                ) -> None:
    obs = vocab.population_observation(kind, key, year)
    graph.add((obs, RDF.type, QB.Observation))
    graph.add((obs, QB.dataSet, POPULATION_DATASET))
    graph.add((obs, SDMX_DIMENSION.refArea, area))
    graph.add((obs, SDMX_DIMENSION.refPeriod, Literal(str(year), datatype=XSD.gYear)))
    graph.add((obs, AULA.population, Literal(int(value), datatype=XSD.integer)))
    graph.add((obs, AULA.populationKind, KIND_MUNICIPALE if kind == "municipale" else KIND_TOTALE))
    graph.add((obs, SDMX_ATTRIBUTE.unitMeasure, INHABITANT))
    graph.add((obs, PROV.wasDerivedFrom, vocab.dataset(KEY)))


def _describe_population_dataset(graph: Triples, year: int, edition: int) -> None:
    ds = POPULATION_DATASET
    graph.add((ds, RDF.type, QB.DataSet))
    graph.add((ds, RDFS.label, Literal(f"Populations légales {year} (COG {edition})", lang="fr")))
    graph.add((ds, RDFS.label, Literal(f"Legal populations {year} (COG {edition})", lang="en")))
    graph.add((ds, QB.structure, POPULATION_STRUCTURE))
    graph.add((ds, PROV.wasDerivedFrom, vocab.dataset(KEY)))
    dsd = POPULATION_STRUCTURE
    graph.add((dsd, RDF.type, QB.DataStructureDefinition))
    components = {
        "ref-area": (QB.dimension, SDMX_DIMENSION.refArea),
        "ref-period": (QB.dimension, SDMX_DIMENSION.refPeriod),
        "population-kind": (QB.dimension, AULA.populationKind),
        "population": (QB.measure, AULA.population),
        "unit-measure": (QB.attribute, SDMX_ATTRIBUTE.unitMeasure),
    }
    for slug, (role, prop) in components.items():
        comp = vocab.structure("population", slug)
        graph.add((dsd, QB.component, comp))
        graph.add((comp, role, prop))
    # The population kinds and the unit are concepts of ontology/schemes.ttl, labelled there.


def _require(record: object, keys: Iterable[str], path: Path, line: int) -> dict[str, Any]:
    """``record`` as the JSON object it must be, with non-empty strings at ``keys``."""
    if not isinstance(record, dict):
        raise input_error(path, line, "expected a JSON object")
    for key in keys:
        if not isinstance(record.get(key), str) or not record[key].strip():
            raise input_error(path, line, f"missing or empty field {key!r}")
    return record


def locate(from_path: Path) -> Located:
    return {"cog": cog_dir_in(directory_of(from_path))}


def describe(located: Located) -> SourceInfo:
    return source_info(cog_edition(required(located, "cog")))


def build(located: Located, territory: Territory, report: ImportReport
          ) -> tuple[Triples, list[Path]]:
    """The COG graph for ``territory``'s scope. Raises InputError before anything is written."""
    cog_dir = required(located, "cog")
    communes_file, epci_file, dep_file, reg_file = files(cog_dir)
    edition = cog_edition(cog_dir)
    pop_year = edition - 3
    graph = Triples()
    in_scope_communes = territory.scope_communes
    epci_of: dict[str, str] = {}

    # EPCI first: a commune's EPCI comes from the member lists.
    for line, item in iter_json_array(epci_file):
        report.tick()
        record = _require(item, ("code", "nom", "type"), epci_file, line)
        siren = record["code"]
        if not vocab.is_siren(siren):
            raise input_error(epci_file, line, f"not a SIREN: {siren!r}")
        if record["type"] not in EPCI_TYPES:
            raise input_error(epci_file, line, f"unknown EPCI type {record['type']!r}")
        members = record.get("membres") or []
        for member in members:
            _require(member, ("code",), epci_file, line)
            if not vocab.is_insee_commune_code(member["code"]):
                raise input_error(epci_file, line, f"member {member['code']!r}: not an INSEE code")
            epci_of[member["code"]] = siren
        if siren not in territory.scope_epci:
            report.skip("EPCI outside the scope")
            continue
        report.kept += 1
        ep = vocab.epci(siren)
        body = vocab.epci_body(siren)
        graph.add((ep, RDF.type, IGEO.Intercommunalite))
        graph.add((ep, RDF.type, EPCI_TYPES[record["type"]]))
        graph.add((ep, RDFS.label, Literal(record["nom"])))
        graph.add((ep, AULA.siren, Literal(siren)))
        for member in members:
            graph.add((ep, IGEO.subdivisionDirecte, vocab.commune(member["code"])))
        graph.add((body, RDF.type, ORG.FormalOrganization))
        graph.add((body, RDF.type, AULA.IntercommunalBody))
        graph.add(
            (body, RDFS.label, Literal(f"Conseil communautaire — {record['nom']}", lang="fr"))
        )
        graph.add((body, AULA.governs, ep))
        for kind, field_name in (
            ("municipale", "populationMunicipale"),
            ("totale", "populationTotale"),
        ):
            value = record.get(field_name)
            if value is None:
                continue
            if not isinstance(value, int) or value < 0:
                raise input_error(epci_file, line, f"{field_name}: not a population: {value!r}")
            _population(graph, ep, siren, pop_year, kind, value)

    departements: set[str] = set()
    regions: set[str] = set()
    alt_labels: list[tuple[str, str]] = []
    former_names: dict[str, str] = {}
    for line, item in iter_json_array(communes_file):
        report.tick()
        record = _require(item, ("code", "nom", "type"), communes_file, line)
        code, kind = record["code"], record["type"]
        if not vocab.is_insee_commune_code(code):
            raise input_error(communes_file, line, f"not an INSEE commune code: {code!r}")
        if kind in ("commune-deleguee", "commune-associee"):
            chef = record.get("chefLieu")
            if not isinstance(chef, str) or not vocab.is_insee_commune_code(chef):
                raise input_error(communes_file, line, f"{kind} without a valid chefLieu")
            if chef == code:
                if chef in in_scope_communes:
                    alt_labels.append((code, record["nom"]))
            else:
                former_names[code] = record["nom"]
            continue
        if kind == "arrondissement-municipal":
            report.skip("arrondissement municipal (not modelled)")
            continue
        if kind != "commune-actuelle":
            raise input_error(communes_file, line, f"unknown commune type {kind!r}")
        if code not in in_scope_communes:
            report.skip("commune outside the scope")
            continue
        report.kept += 1
        com = vocab.commune(code)
        graph.add((com, RDF.type, IGEO.Commune))
        graph.add((com, RDFS.label, Literal(record["nom"])))
        graph.add((com, IGEO.codeINSEE, Literal(code)))
        if record.get("siren"):
            graph.add((com, AULA.siren, Literal(record["siren"])))
        for postal in record.get("codesPostaux") or []:
            graph.add((com, AULA.postalCode, Literal(postal)))
        if record.get("departement"):
            departements.add(record["departement"])
            graph.add((com, AULA.departement, vocab.departement(record["departement"])))
        if record.get("region"):
            regions.add(record["region"])
            graph.add((com, AULA.region, vocab.region(record["region"])))
        if code in epci_of:
            graph.add((com, IGEO.subdivisionDirecteDe, vocab.epci(epci_of[code])))
        population = record.get("population")
        if population is not None:
            if not isinstance(population, int) or population < 0:
                raise input_error(communes_file, line, f"population: not a number: {population!r}")
            _population(graph, com, code, pop_year, "municipale", population)

    for code, name in alt_labels:
        graph.add((vocab.commune(code), SKOS.altLabel, Literal(name)))
    for old, today in sorted(territory.former.items()):
        if today not in in_scope_communes:
            continue
        former = vocab.commune(old)
        graph.add((former, RDF.type, AULA.FormerCommune))
        graph.add((former, IGEO.codeINSEE, Literal(old)))
        graph.add((former, DCTERMS.isReplacedBy, vocab.commune(today)))
        if old in former_names:
            graph.add((former, RDFS.label, Literal(former_names[old])))
        if today in KNOWN_MERGER_DATES:
            merged = KNOWN_MERGER_DATES[today].isoformat()
            graph.add((former, AULA.mergedOn, Literal(merged, datatype=XSD.date)))

    for line, item in iter_json_array(dep_file):
        report.tick()
        record = _require(item, ("code", "nom"), dep_file, line)
        if territory.scope == "aula" and record["code"] not in departements:
            continue
        dep = vocab.departement(record["code"])
        graph.add((dep, RDF.type, IGEO.Departement))
        graph.add((dep, RDFS.label, Literal(record["nom"])))
        graph.add((dep, IGEO.codeINSEE, Literal(record["code"])))
        if record.get("region"):
            graph.add((dep, AULA.region, vocab.region(record["region"])))
    for line, item in iter_json_array(reg_file):
        report.tick()
        record = _require(item, ("code", "nom"), reg_file, line)
        if territory.scope == "aula" and record["code"] not in regions:
            continue
        reg = vocab.region(record["code"])
        graph.add((reg, RDF.type, IGEO.Region))
        graph.add((reg, RDFS.label, Literal(record["nom"])))
        graph.add((reg, IGEO.codeINSEE, Literal(record["code"])))

    _describe_population_dataset(graph, pop_year, edition)
    return graph, [communes_file, epci_file, dep_file, reg_file]
