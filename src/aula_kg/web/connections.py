"""What a dossier links to and the figures planners look for, read through the Store
protocol's quad lookups (no SPARQL text, the same on every store):

* the territories around one: a commune's EPCI and pair, an EPCI's or a pair's members, the
  agency's territory that holds them, each a link to its own dossier;
* the populations of a territory: the official one (INSEE legal population, its year and
  the COG edition it came with) beside the agency's figure where the agency gives one, each
  with "source · édition".
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDFS

from .. import vocab
from ..store.base import UNION, Store
from ..territories import Candidate, NameIndex, collation_key

AULA, IGEO, QB = vocab.AULA, vocab.IGEO, vocab.QB
REF_AREA = vocab.SDMX_DIMENSION.refArea
REF_PERIOD = vocab.SDMX_DIMENSION.refPeriod

#: How the page names each kind of territory.
KIND_NAMES = {"commune": "commune", "pair": "binôme Action Cœur de Ville", "epci": "EPCI",
              "territory": "territoire d'étude"}
#: Population kinds as a planner reads them.
POPULATION_KINDS = {"municipale": "population municipale", "totale": "population totale",
                    "non-precisee": "population (sans précision)"}


@dataclass
class Link:
    label: str
    kind: str
    href: str


@dataclass
class Figure:
    value: int
    what: str
    year: str | None
    source: str
    edition: str | None
    official: bool
    href: str | None


def dossier_href(iri: str) -> str:
    return "/dossier/" + str(iri).removeprefix(str(vocab.ID))


def _link(candidate: Candidate) -> Link:
    return Link(candidate.label, KIND_NAMES.get(candidate.kind, candidate.kind),
                dossier_href(str(candidate.iri)))


def _objects(store: Store, subject, predicate) -> list:
    return [o for _s, _p, o, _g in store.quads(subject, [predicate], None, UNION)]


def _subjects(store: Store, predicate, obj) -> list:
    return [s for s, _p, _o, _g in store.quads(None, [predicate], obj, UNION)]


def _label(store: Store, iri) -> str:
    best = None
    for _s, _p, o, _g in store.quads(iri, [RDFS.label, DCTERMS.title], None, UNION):
        if isinstance(o, Literal) and (best is None or o.language == "fr"):
            best = o
    return str(best) if best is not None else str(iri).rsplit("/", 1)[-1]


def around(store: Store, names: NameIndex, iri: str) -> dict[str, list[Link]]:
    """The territories linked to ``iri``: ``up`` (what holds it: EPCI, pair, the agency's
    territory) and ``members`` (what it holds), each in French order."""
    node = URIRef(iri)
    up: dict[str, Candidate] = {}
    members: dict[str, Candidate] = {}

    def add(bucket: dict[str, Candidate], term) -> None:
        found = names.candidate(term)
        if found is not None and found.kind in KIND_NAMES and str(found.iri) != iri:
            bucket.setdefault(str(found.iri), found)

    parents = _objects(store, node, IGEO.subdivisionDirecteDe)
    for epci in parents:
        add(up, epci)
    for holder in _subjects(store, AULA.hasMember, node):
        add(up, holder)
    for epci in parents:  # the agency's territory holds the EPCI of a commune
        for holder in _subjects(store, AULA.hasMember, epci):
            add(up, holder)
    for member in _objects(store, node, AULA.hasMember):
        add(members, member)
    for member in _objects(store, node, IGEO.subdivisionDirecte):
        add(members, member)
    order = {"epci": 0, "pair": 1, "territory": 2, "commune": 3}

    def ranked(bucket: dict[str, Candidate]) -> list[Link]:
        found = sorted(bucket.values(), key=lambda c: (order.get(c.kind, 9),
                                                       collation_key(c.label)))
        return [_link(c) for c in found]

    return {"up": ranked(up), "members": ranked(members)}


def populations(store: Store, iri: str) -> list[Figure]:
    """The population figures of ``iri``: the official ones first (latest year first),
    then the agency's."""
    figures = []
    for observation in _subjects(store, REF_AREA, URIRef(iri)):
        facts: dict[URIRef, list] = {}
        for _s, p, o, _g in store.quads(observation, None, None, UNION):
            facts.setdefault(p, []).append(o)
        values = facts.get(AULA.population)
        if not values:
            continue
        try:
            value = int(str(values[0]))
        except ValueError:
            continue
        kind = str((facts.get(AULA.populationKind) or [""])[0]).rsplit("/", 1)[-1]
        period = facts.get(REF_PERIOD)
        year = str(period[0])[:4] if period else None
        dataset = (facts.get(QB.dataSet) or [None])[0]
        origin = (facts.get(PROV.wasDerivedFrom) or [None])[0]
        official = dataset is not None and "cog" in str(dataset)
        source = _label(store, dataset) if official else (
            _label(store, origin) if origin is not None else "document de l'agence")
        edition = None
        if origin is not None:
            editions = _objects(store, origin, AULA.edition)
            edition = str(editions[0]) if editions else None
        if not official and origin is not None:
            documents = _objects(store, origin, AULA.sectionOf)
            if documents:
                source = f"{_label(store, documents[0])}, section « {source} »"
        figures.append(Figure(value, POPULATION_KINDS.get(kind, "population"), year,
                              ("INSEE — " if official else "AULA — ") + source, edition,
                              official, "/" + str(observation).removeprefix(vocab.BASE)
                              if str(observation).startswith(vocab.BASE) else None))
    figures.sort(key=lambda f: (not f.official, -(int(f.year) if f.year else 0), f.what))
    return figures
