"""The open-data importers on the real snapshots (../shared/opendata, or $AULA_KG_SHARED).

Skipped when the snapshots are absent: the unit tests in test_imports.py cover the same code
on small fixtures.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from aula_kg import vocab
from aula_kg.config import Settings
from aula_kg.imports import SOURCES, run_all
from aula_kg.imports.territory import AULA_EPCI

OPENDATA = Settings.from_env().opendata_dir
SHIPPED = Settings.from_env().data_dir / "opendata"

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(
        not (OPENDATA / "decoupage-administratif-6.0.0").is_dir(),
        reason=f"open-data snapshots not found at {OPENDATA} (set AULA_KG_SHARED to the "
        "directory holding opendata/)",
    ),
]

PREFIXES = """
PREFIX aula: <https://w3id.org/aula-kg/ontology#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX id: <https://w3id.org/aula-kg/id/>
"""


@pytest.fixture(scope="module")
def aula_slice(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("aula-slice")
    run_all(OPENDATA, out, scope="aula", quiet=True)
    return out


@pytest.fixture(scope="module")
def store(aula_slice) -> ox.Store:
    store = ox.Store()
    for path in sorted(aula_slice.glob("*.trig")):
        store.load(path=str(path), format=ox.RdfFormat.TRIG)
    return store


def rows(store: ox.Store, query: str) -> list[tuple]:
    result = store.query(PREFIXES + query, use_default_graph_as_union=True)
    return [tuple(None if s[v] is None else s[v].value for v in result.variables) for s in result]


def test_five_epci_and_their_319_member_communes(store):
    epci = rows(store, "SELECT ?e WHERE { ?e a igeo:Intercommunalite }")
    assert sorted(e for (e,) in epci) == sorted(str(vocab.epci(s)) for s in AULA_EPCI)
    members = rows(
        store,
        """SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {
             ?e a igeo:Intercommunalite ; igeo:subdivisionDirecte ?c . ?c a igeo:Commune }""",
    )
    assert members == [("319",)]


def test_acv_and_pvd_communes_of_the_territory_with_signature_dates(store):
    result = rows(
        store,
        """SELECT ?programme ?name ?date WHERE {
             GRAPH ?g { ?l a aula:Laureateship ; aula:programme ?p ; aula:laureate ?c ;
                           aula:signatureDate ?date }
             FILTER (?g IN (<https://w3id.org/aula-kg/graph/opendata/acv>,
                            <https://w3id.org/aula-kg/graph/opendata/pvd>))
             ?c rdfs:label ?name ; igeo:subdivisionDirecteDe ?epci .
             BIND (STRAFTER(STR(?p), "programme/") AS ?programme)
           } ORDER BY ?programme ?name""",
    )
    assert result == [
        ("acv", "Bruay-la-Buissière", "2018-09-24"),
        ("acv", "Béthune", "2018-09-24"),
        ("acv", "Lens", "2018-09-20"),
        ("acv", "Liévin", "2018-09-20"),
        ("pvd", "Auchel", "2021-06-30"),
        ("pvd", "Auxi-le-Château", "2021-06-28"),
        ("pvd", "Calonne-Ricouart", "2021-06-30"),
        ("pvd", "Frévent", "2021-04-19"),
        ("pvd", "Hesdin-la-Forêt", "2021-04-15"),
        ("pvd", "Libercourt", "2021-07-23"),
        ("pvd", "Lillers", "2021-06-30"),
    ]


def test_hesdin_merger_resolves(store):
    former = rows(
        store,
        """SELECT DISTINCT ?code WHERE { ?f a aula:FormerCommune ; igeo:codeINSEE ?code ;
             <http://purl.org/dc/terms/isReplacedBy> id:commune\\/62447 } ORDER BY ?code""",
    )
    assert [c for (c,) in former] == ["62461", "62549", "62743"]


def test_shipped_slice_is_what_the_command_produces(aula_slice):
    """data/opendata/ is reproducible: a fresh import differs at most by the import time."""
    if not SHIPPED.is_dir():
        pytest.skip(f"no shipped slice at {SHIPPED}")

    def strip(path: Path) -> list[str]:
        return [x for x in path.read_text("utf-8").splitlines() if "startedAtTime" not in x]

    for source in SOURCES:
        assert strip(aula_slice / f"{source}.trig") == strip(SHIPPED / f"{source}.trig"), (
            f"data/opendata/{source}.trig is stale: run "
            "'aula-kg import all --scope aula --from ../shared/opendata --out data/opendata'"
        )
