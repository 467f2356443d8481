"""Reconciliation queries on the shipped graph: the seeds' figures beside the open data.

Each assertion is a figure a planner reads off the answer, checked exactly: the agency's
documents (October 2021 Zoom, the undated presentation) against the imported ANCT lists
and the COG (Etalab découpage administratif 6.0.0, COG 2026, legal populations 2023).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from aula_kg.answering import run_query
from aula_kg.catalog import Catalog
from aula_kg.config import Settings
from aula_kg.store import EmbeddedStore

CATALOG = Catalog.load(Settings.from_env().queries_dir)
G = "https://w3id.org/aula-kg/graph/"
ID = "https://w3id.org/aula-kg/id/"
ZOOM = "Le Zoom AULA — Planification — Octobre 2021 : Action Cœur de Ville, état des lieux"


def rows(store, name, **params):
    result = run_query(store, CATALOG.get(name), params)
    return [
        {k: (None if v is None else v.toPython()) for k, v in row.items()}
        for row in result.as_dicts()
    ]


# -- PVD (and the other laureate counts) ---------------------------------------------------


def test_pvd_counts_by_source_and_edition(store):
    answer = [
        (r["source_kind"], str(r["source_graph"]), r["edition"], r["laureates"],
         r["signed_by_seed_period"], r["seed_count"], r["difference"], r["status"])
        for r in rows(store, "reconcile_laureate_counts", programme="PVD")
    ]
    assert answer == [
        ("seed", G + "curated", "2021-10", 9, None, 9, None, "reference"),
        ("opendata", G + "opendata/pvd", "2021-01-22", 7, 7, 9, -2, "differs"),
        ("opendata", G + "opendata/programmes", "2023", 10, 10, 9, 1, "differs"),
    ]
    first = rows(store, "reconcile_laureate_counts", programme="PVD")
    assert {r["reference_period"] for r in first} == {"2021-10"}
    assert first[0]["source_label"] == ZOOM
    assert first[1]["source_label"] == (
        "Petites villes de demain : liste des communes lauréates (ANCT, 22 janvier 2021)"
    )


def test_every_seed_count_is_reconciled(store):
    answer = [
        (r["programme_label"], r["edition"], r["laureates"], r["status"])
        for r in rows(store, "reconcile_laureate_counts")
    ]
    assert answer == [
        ("Action Cœur de Ville", "2021-10", 4, "reference"),
        ("Action Cœur de Ville", "2023", 4, "ok"),
        ("Action Cœur de Ville", "2024-09", 4, "ok"),
        ("Petites Villes de Demain", "2021-10", 9, "reference"),
        ("Petites Villes de Demain", "2021-01-22", 7, "differs"),
        ("Petites Villes de Demain", "2023", 10, "differs"),
        # no national list of the regional programme: the seed's 7 stands alone
        ("Redynamisons nos centres-villes et centres-bourgs", "2021-10", 7, "reference"),
    ]


PVD_COMMUNES = [
    # code, commune, EPCI, signature date, listed in the first list (2021-01-22)?
    ("62447", "Hesdin-la-Forêt", "CC des 7 Vallées", "2021-04-15", True),
    ("62361", "Frévent", "CC du Ternois", "2021-04-19", True),
    ("62060", "Auxi-le-Château", "CC du Ternois", "2021-06-28", True),
    ("62048", "Auchel", "CA de Béthune-Bruay, Artois-Lys Romane", "2021-06-30", True),
    ("62194", "Calonne-Ricouart", "CA de Béthune-Bruay, Artois-Lys Romane", "2021-06-30", True),
    ("62516", "Lillers", "CA de Béthune-Bruay, Artois-Lys Romane", "2021-06-30", True),
    ("62907", "Libercourt", "CA d'Hénin-Carvin", "2021-07-23", True),
    ("62215", "Carvin", "CA d'Hénin-Carvin", "2021-07-27", False),
    ("62186", "Bully-les-Mines", "CA de Lens - Liévin", "2021-09-21", False),
    ("62563", "Mazingarbe", "CA de Lens - Liévin", "2021-09-21", False),
]


def test_pvd_communes_with_signature_dates_beside_the_seed_count(store):
    answer = rows(store, "reconcile_laureates", programme="PVD")
    assert [
        (r["code"], r["commune_label"], r["epci_label"], r["signature_date"].isoformat(),
         "2021-01-22 <" + G + "opendata/pvd>" in r["listed_in"])
        for r in answer
    ] == PVD_COMMUNES
    for r in answer:
        # every commune is in the current (2023) table, signed before October 2021
        assert "2023 <" + G + "opendata/programmes>" in r["listed_in"]
        assert r["sources"] == (2 if "opendata/pvd" in r["listed_in"] else 1)
        assert r["signed_by_seed_period"] is True
        assert (r["seed_count"], r["seed_period"], r["seed_source"]) == (9, "2021-10", ZOOM)
        # both lists give the same date where both have the commune
        dates = set(r["signature_dates"].split(" ; "))
        assert {d.split(" ")[0] for d in dates} == {r["signature_date"].isoformat()}


def test_acv_laureates_carry_the_2018_convention_dates(store):
    answer = rows(store, "reconcile_laureates", programme="ACV")
    assert [(r["code"], r["signature_date"].isoformat(), r["signature_dates"]) for r in answer] == [
        ("62498", "2018-09-20", "2018-09-20 (2024-09)"),
        ("62510", "2018-09-20", "2018-09-20 (2024-09)"),
        ("62119", "2018-09-24", "2018-09-24 (2024-09)"),
        ("62178", "2018-09-24", "2018-09-24 (2024-09)"),
    ]
    assert {r["seed_count"] for r in answer} == {4}


# -- populations and number of communes ----------------------------------------------------

POPULATIONS = [
    # EPCI / territory, seed, COG municipal 2023, COG total 2023, closest gap %, status,
    # COG member communes
    (ID + "epci/200072460", 278000, 275736, 278892, Decimal("0.32"), "ok", 100),
    (ID + "epci/246200364", 242000, 242591, 244474, Decimal("0.24"), "ok", 36),
    (ID + "epci/246200299", 125000, 126133, 126973, Decimal("0.9"), "ok", 14),
    (ID + "epci/200069672", 38500, 37150, 37786, Decimal("1.89"), "stale", 103),
    (ID + "epci/200044030", 29700, 29425, 29947, Decimal("0.82"), "ok", 66),
    (ID + "territory/aula", 715000, 711035, 718072, Decimal("0.43"), "ok", 319),
]


def test_populations_seed_beside_cog(store):
    answer = rows(store, "reconcile_populations")
    assert [
        (str(r["area"]), r["seed_population"], r["cog_population_municipale"],
         r["cog_population_totale"], r["difference_pct"], r["status"], r["cog_communes"])
        for r in answer
    ] == POPULATIONS
    for r in answer:
        assert r["difference_municipale"] == r["seed_population"] - r["cog_population_municipale"]
        assert r["difference_totale"] == r["seed_population"] - r["cog_population_totale"]
        # where each figure comes from
        assert str(r["seed_graph"]) == G + "curated"
        assert r["seed_source"] == "Le territoire d'intervention de l'AULA"
        assert (str(r["cog_graph"]), str(r["cog_year"]), r["cog_edition"]) == (
            G + "opendata/cog", "2023", "2026"
        )


def test_commune_count_323_is_stale_against_319(store):
    answer = rows(store, "reconcile_populations")
    epci_rows, (territory,) = answer[:-1], answer[-1:]
    assert (territory["seed_communes"], territory["cog_communes"],
            territory["communes_difference"], territory["communes_status"]) == (
        323, 319, 4, "stale"
    )
    assert sum(r["cog_communes"] for r in epci_rows) == 319
    assert {r["seed_communes"] for r in epci_rows} == {None}  # the seed gives no EPCI counts
    assert territory["area_label"] == "Territoire d'intervention de l'AULA"


def test_population_tolerance_is_a_parameter(store):
    def status(tolerance):
        return {str(r["area"]).rsplit("/", 1)[1]: r["status"]
                for r in rows(store, "reconcile_populations", tolerance=tolerance)}

    assert status("2") == dict.fromkeys(
        ["200072460", "246200364", "246200299", "200069672", "200044030", "aula"], "ok")
    assert status("0") == dict.fromkeys(
        ["200072460", "246200364", "246200299", "200069672", "200044030", "aula"], "stale")


# -- ACV pairs and conventions -------------------------------------------------------------


def test_acv_pairs_agree_with_the_anct_conventions(store):
    answer = rows(store, "reconcile_acv")
    assert [
        (r["pair_label"], set(r["seed_communes"].split(" ; ")), r["convention_id"],
         set(r["anct_communes"].split(" ; ")), r["signature_date"].isoformat(),
         r["shared_communes"], r["status"])
        for r in answer
    ] == [
        ("Béthune-Bruay-La-Buissière", {"Béthune (62119)", "Bruay-la-Buissière (62178)"},
         "acv-031", {"Béthune (62119)", "Bruay-la-Buissière (62178)"}, "2018-09-24", 2, "ok"),
        ("Lens-Liévin", {"Lens (62498)", "Liévin (62510)"},
         "acv-113", {"Lens (62498)", "Liévin (62510)"}, "2018-09-20", 2, "ok"),
    ]
    for r in answer:
        assert (str(r["seed_graph"]), r["seed_source"], r["seed_date"]) == (
            G + "curated", ZOOM, "2021-10"
        )
        assert (str(r["anct_graph"]), r["anct_edition"]) == (G + "opendata/acv", "2024-09")


@pytest.fixture(scope="module")
def altered(built_settings):
    """The shipped graph plus an invented ANCT convention for Carvin and Béthune, and an
    invented pair Libercourt-Oignies, to see the differs / seed_only / anct_only flags."""
    store = EmbeddedStore.from_file(built_settings.graph_file)
    extra = f"""
    PREFIX aula: <https://w3id.org/aula-kg/ontology#>
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    INSERT DATA {{
      GRAPH <{G}opendata/acv> {{
        <{ID}convention/acv-test-1> a aula:Convention ; aula:conventionId "acv-test-1" ;
            aula:programme <{ID}programme/acv> ;
            aula:signatory <{ID}commune/62215> , <{ID}commune/62119> .
        <{ID}convention/acv-test-2> a aula:Convention ; aula:conventionId "acv-test-2" ;
            aula:programme <{ID}programme/acv> ; aula:signatory <{ID}commune/62186> .
      }}
      GRAPH <{G}curated> {{
        <{ID}candidacy/test> a aula:Candidacy ; aula:programme <{ID}programme/acv> ;
            aula:applicant <{ID}pair/test> ; aula:accepted true ;
            <http://www.w3.org/ns/prov#wasDerivedFrom> <{ID}source/zoom-acv-2021/synthese> .
        <{ID}pair/test> a aula:CommunePair ; rdfs:label "Libercourt-Oignies"@fr ;
            aula:hasMember <{ID}commune/62907> , <{ID}commune/62637> .
      }}
    }}"""
    store.oxigraph.update(extra)
    # the union default graph too (the store materialises it at load time)
    store.oxigraph.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    return store


def test_acv_flags_partial_overlaps_and_unmatched_sides(altered):
    answer = [(r["pair_label"], r["convention_id"], r["shared_communes"], r["status"])
              for r in rows(altered, "reconcile_acv")]
    assert sorted(answer, key=str) == sorted([
        ("Béthune-Bruay-La-Buissière", "acv-031", 2, "ok"),
        ("Béthune-Bruay-La-Buissière", "acv-test-1", 1, "differs"),
        ("Lens-Liévin", "acv-113", 2, "ok"),
        ("Libercourt-Oignies", None, None, "seed_only"),
        (None, "acv-test-2", 0, "anct_only"),
    ], key=str)
