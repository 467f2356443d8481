"""The seeds' facts, as the built graph answers them (issue: knowledge model)."""

from __future__ import annotations

from rdflib import Literal, URIRef

from aula_kg import vocab

PREFIXES = """
PREFIX aula: <https://w3id.org/aula-kg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


def rows(store, query):
    return [tuple(v.toPython() if v is not None else None for v in row)
            for row in store.select(PREFIXES + query).rows]


def test_jobs_by_commune_2014(store):
    result = rows(store, """
        SELECT ?code ?jobs WHERE {
          ?o aula:jobCount ?jobs ; sdmx-dimension:refPeriod ?year ; sdmx-dimension:refArea ?c .
          ?c igeo:codeINSEE ?code .
          FILTER(STR(?year) = "2014")
        } ORDER BY DESC(?jobs)""")
    assert result == [
        ("62498", 21800),  # Lens
        ("62119", 17700),  # Béthune
        ("62427", 12500),  # Hénin-Beaumont
        ("62510", 10900),  # Liévin
        ("62178", 8300),   # Bruay-La-Buissière
        ("62215", 6400),   # Carvin
        ("62842", 5500),   # Vendin-le-Vieil
    ]


def test_epci_populations_and_territory_total(store):
    result = dict(rows(store, """
        SELECT ?siren ?pop WHERE {
          ?o aula:population ?pop ; sdmx-dimension:refArea ?epci ;
             qb:dataSet <https://w3id.org/aula-kg/id/dataset/seed-indicators> .
          ?epci aula:siren ?siren .
        }"""))
    assert result == {
        "200072460": 278000, "246200364": 242000, "246200299": 125000,
        "200069672": 38500, "200044030": 29700,
    }
    total = rows(store, """
        SELECT ?pop ?communes WHERE {
          ?p aula:population ?pop ; sdmx-dimension:refArea <https://w3id.org/aula-kg/id/territory/aula> .
          ?c aula:communeCount ?communes ; sdmx-dimension:refArea <https://w3id.org/aula-kg/id/territory/aula> .
        }""")
    assert total == [(715000, 323)]
    # The seed's total is the rounded sum of its EPCI figures (713,200 -> "715 000").
    assert abs(sum(result.values()) - 715000) < 2000


def test_six_workshops_in_date_order(store):
    result = rows(store, """
        SELECT ?n ?date ?title WHERE {
          ?w a aula:Workshop ; aula:workshopNumber ?n ; aula:date ?date ; dcterms:title ?title
        } ORDER BY ?date""")
    assert [(n, str(d)) for n, d, _ in result] == [
        (1, "2018-10-17"), (2, "2018-11-06"), (3, "2018-12-05"),
        (4, "2019-01-16"), (5, "2019-02-06"), (6, "2019-03-06"),
    ]
    assert result[2][2] == "Réinventons nos zones commerciales"


def test_two_acv_pairs(store):
    result = rows(store, """
        SELECT ?pair (GROUP_CONCAT(?code; separator=",") AS ?codes) WHERE {
          ?cand a aula:Candidacy ; aula:programme <https://w3id.org/aula-kg/id/programme/acv> ;
                aula:applicant ?pair ; aula:accepted true .
          ?pair aula:hasMember ?c . ?c igeo:codeINSEE ?code .
        } GROUP BY ?pair ORDER BY ?pair""")
    assert [(p, ",".join(sorted(c.split(",")))) for p, c in result] == [
        (str(vocab.ID["pair/bethune-bruay"]), "62119,62178"),
        (str(vocab.ID["pair/lens-lievin"]), "62498,62510"),
    ]


def test_two_scot_under_revision(store):
    result = rows(store, """
        SELECT ?plan WHERE {
          ?plan a aula:SCoT ; aula:hasStatus/aula:statusValue <https://w3id.org/aula-kg/id/document-status/en-revision>
        } ORDER BY ?plan""")
    assert [r[0].rsplit("/", 1)[1] for r in result] == ["scot-artois", "scot-lens-lievin-henin-carvin"]


def test_cabbalr_commercial_scheme_2020(store):
    result = rows(store, """
        SELECT ?binding ?year ?akin WHERE {
          ?plan a aula:CommercialDevelopmentScheme ; aula:coversTerritory <https://w3id.org/aula-kg/id/epci/200072460> ;
                aula:legallyBinding ?binding ; aula:akinTo ?akin ;
                aula:hasStatus [ aula:statusValue <https://w3id.org/aula-kg/id/document-status/approuve> ; aula:statusDate ?year ] .
        }""")
    assert [(b, str(y), a) for b, y, a in result] == [
        (False, "2020", "https://w3id.org/aula-kg/ontology#DAAC")
    ]


ATTRIBUTED_ACTIONS = {
    # action -> (communes, recommendations), as the Zoom of October 2021 states them
    "lens-etude-flux-orange": ({"62498"}, {"usages"}),
    "bethune-bruay-organisation-mobilites": ({"62119", "62178"}, {"organisation"}),
    "reamenagements-espaces-publics": ({"62119", "62178", "62498", "62510"}, {"operationnel"}),
    "rehabilitations-patrimoine-parcs": ({"62119", "62178", "62498", "62510"}, {"operationnel"}),
    "bethune-velos-electriques": ({"62119"}, {"innovation"}),
    "bethune-transformation-bibliotheque": ({"62119"}, {"innovation"}),
    "lens-startup-de-territoire": ({"62498"}, {"innovation"}),
}


def test_each_attributed_action_with_communes_and_recommendations(store):
    result = rows(store, """
        SELECT ?action ?code ?rec WHERE {
          ?action a aula:Action ; aula:concernsCommune/igeo:codeINSEE ?code ; aula:servesRecommendation ?rec .
        }""")
    found: dict[str, tuple[set, set]] = {}
    for action, code, rec in result:
        communes, recs = found.setdefault(action.rsplit("/", 1)[1], (set(), set()))
        communes.add(code)
        recs.add(rec.rsplit("/", 1)[1])
    assert found == ATTRIBUTED_ACTIONS


def test_unattributed_actions_keep_no_commune(store):
    result = rows(store, """
        SELECT ?action WHERE {
          ?action a aula:Action ; aula:communesNote ?note .
          FILTER NOT EXISTS { ?action aula:concernsCommune ?c }
        } ORDER BY ?action""")
    assert len(result) == 5


def test_laureate_counts_without_names(store):
    result = dict(rows(store, """
        SELECT ?programme ?n WHERE {
          ?o aula:laureateCount ?n ; aula:programmeDimension ?programme ;
             sdmx-dimension:refArea <https://w3id.org/aula-kg/id/territory/aula> .
        }"""))
    assert result[str(vocab.ID["programme/pvd"])] == 9
    assert result[str(vocab.ID["programme/redynamisons"])] == 7


def test_every_curated_resource_is_traceable(store):
    untraced = rows(store, """
        SELECT DISTINCT ?s WHERE {
          GRAPH <https://w3id.org/aula-kg/graph/curated> { ?s a ?type }
          FILTER(?type NOT IN (aula:SourceDocument, aula:SourceSection))
          FILTER NOT EXISTS { ?s prov:wasDerivedFrom ?source }
        }""")
    assert untraced == []


def test_source_sections_belong_to_the_two_seed_files(store):
    files = rows(store, "SELECT ?f WHERE { ?d a aula:SourceDocument ; aula:fileName ?f } ORDER BY ?f")
    assert files == [("000_cd3033f7c55216ea.txt",), ("001_05816ac6a663aa8e.txt",)]


def test_regional_programme_has_three_components(store):
    result = rows(store, """
        SELECT ?label WHERE {
          <https://w3id.org/aula-kg/id/programme/redynamisons> aula:hasComponent/rdfs:label ?label
          FILTER(lang(?label) = "fr") } ORDER BY ?label""")
    assert [r[0] for r in result] == [
        "Volet « aménagement urbain »", "Volet « commerce »", "Volet « ingénierie »"
    ]


def test_pvd_is_for_communes_under_20000_with_a_centrality_role(store):
    pvd = URIRef(vocab.ID["programme/pvd"])
    assert store.ask(PREFIXES + "ASK { ?p aula:maxPopulation 20000 ; aula:requiresCentralityRole true ;"
                     " aula:launchedBy <https://w3id.org/aula-kg/id/organisation/etat> }",
                     {"p": pvd})
    assert rows(store, 'SELECT ?y WHERE { <%s> aula:launchYear ?y }' % pvd) == [(Literal("2020", datatype=vocab.XSD.gYear).toPython(),)]


def test_october_2021_census_covers_the_two_acv_pairs_only(store):
    """"Nous nous sommes appuyés sur un recensement des actions inscrites dans les avenants à
    la convention cadre actant le passage en phase de déploiement" (synthèse): one census,
    of the ACV programme, on the two pairs, dated October 2021, with the five recommendations
    as grid; every seed action was recorded by it."""
    census = rows(store, """
        SELECT ?census (STR(?date) AS ?when) ?programme ?grid ?method WHERE {
          ?census a aula:ActionCensus ; dcterms:date ?date ; aula:programme ?programme ;
                  aula:analysisGrid ?grid ; aula:censusMethod ?method .
          FILTER(lang(?method) = "fr") }""")
    assert len(census) == 1
    iri, when, programme, grid, method = census[0]
    assert (str(iri), when, str(programme), str(grid)) == (
        str(vocab.census("acv-2021-10")), "2021-10", str(vocab.programme("acv")),
        str(vocab.concept_scheme("recommendation")))
    assert "avenants à la convention cadre" in method
    scope = rows(store, "SELECT ?s WHERE { ?c aula:censusScope ?s }")
    assert sorted(str(s).rsplit("/", 1)[-1] for (s,) in scope) == ["bethune-bruay", "lens-lievin"]
    covered = rows(store, """
        SELECT DISTINCT ?code WHERE { ?c aula:censusScope ?s .
          ?commune aula:partOfTerritory ?s ; igeo:codeINSEE ?code } ORDER BY ?code""")
    assert [c for (c,) in covered] == ["62119", "62178", "62498", "62510"]
    unrecorded = rows(store, """
        SELECT ?a WHERE { ?a a aula:Action FILTER NOT EXISTS { ?a aula:recordedBy ?c } }""")
    assert unrecorded == []
