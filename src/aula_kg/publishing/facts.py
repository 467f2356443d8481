"""What VoID and the catalogue say about the served graph, read through the store protocol.

Every figure comes from an internal stored query (``queries/internal/publishing_*.rq``, with
golden results in tests/golden/internal/) run with ``store.select``: the embedded store and
a remote SPARQL server give the same answers, and no SPARQL is written here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from rdflib.term import Identifier

from ..catalog import Catalog
from ..store import Store

#: The internal queries this module runs.
QUERIES = ("publishing_dataset_statistics", "publishing_graph_statistics",
           "publishing_vocabularies", "publishing_linksets", "publishing_imports")


@dataclass(frozen=True)
class Counts:
    triples: int
    properties: int
    classes: int
    entities: int
    distinct_subjects: int
    distinct_objects: int


@dataclass(frozen=True)
class Linkset:
    target: str
    namespace: str
    predicate: URIRef
    triples: int


@dataclass
class ImportedSource:
    """An open-data import's named graph and the original dataset it derives from, with
    what the graph says about that dataset (titles by language, publisher, licences...)."""

    graph: str
    source: URIRef
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    publishers: list[URIRef] = field(default_factory=list)
    #: publisher IRI -> its names (foaf:name)
    publisher_names: dict[str, list[str]] = field(default_factory=dict)
    licences: list[URIRef] = field(default_factory=list)
    landing_pages: list[URIRef] = field(default_factory=list)
    edition: str | None = None
    imported_at: Literal | None = None


@dataclass
class GraphFacts:
    whole: Counts
    graphs: dict[str, Counts]
    vocabularies: list[URIRef]
    linksets: list[Linkset]
    imports: dict[str, ImportedSource]


def _int(term: Identifier | None) -> int:
    # A count is a literal (COUNT, or a stored integer); an unbound one counts 0.
    if term is None:
        return 0
    if not isinstance(term, Literal):
        raise TypeError(f"not a number: {term!r}")
    return int(term.toPython())


def _counts(row: Sequence[Identifier | None]) -> Counts:
    return Counts(*(_int(term) for term in row))


def collect(store: Store, internal: Catalog) -> GraphFacts:
    """Run the publishing queries on ``store`` (blocking: seconds on the national graph)."""

    def rows(name: str) -> list[tuple[Identifier | None, ...]]:
        return store.select(internal.get(name).text).rows

    whole = _counts(rows("publishing_dataset_statistics")[0])
    graphs = {str(row[0]): _counts(row[1:]) for row in rows("publishing_graph_statistics")}
    vocabularies = [URIRef(str(row[0])) for row in rows("publishing_vocabularies")]
    linksets = [Linkset(str(t), str(ns), URIRef(str(p)), _int(n))
                for t, ns, p, n in rows("publishing_linksets")]
    imports: dict[str, ImportedSource] = {}
    for graph, source, prop, value, agent in rows("publishing_imports"):
        entry = imports.setdefault(str(graph), ImportedSource(str(graph), URIRef(str(source))))
        if agent is not None:
            entry.publisher_names.setdefault(str(agent), []).append(str(value))
        else:
            _add(entry, str(prop), value)
    return GraphFacts(whole, graphs, vocabularies, linksets, imports)


_DCT = "http://purl.org/dc/terms/"


def _add(entry: ImportedSource, prop: str, value: Identifier | None) -> None:
    language = getattr(value, "language", None) or "fr"
    if prop == _DCT + "title":
        entry.titles.setdefault(language, str(value))
    elif prop == _DCT + "description":
        entry.descriptions.setdefault(language, str(value))
    elif prop == _DCT + "publisher" and isinstance(value, URIRef):
        entry.publishers.append(value)
    elif prop == _DCT + "license" and isinstance(value, URIRef):
        entry.licences.append(value)
    elif prop == "http://www.w3.org/ns/dcat#landingPage" and isinstance(value, URIRef):
        entry.landing_pages.append(value)
    elif prop.endswith("ontology#edition"):
        entry.edition = str(value)
    elif prop == "http://www.w3.org/ns/prov#startedAtTime" and isinstance(value, Literal):
        entry.imported_at = max(filter(None, [entry.imported_at, value]), key=str)
