"""The actions file, ``data/actions.ttl``, in its canonical form: the same actions always give
the same bytes (so a diff shows what changed and importing the same spreadsheet twice
changes nothing).

The form: ``@base <…/id/>`` and a fixed list of prefixes; the file's header comment kept;
actions grouped under a ``### title`` per first recommendation served, sorted by IRI;
predicates in :data:`PREDICATE_ORDER`; French before English. It is written by the one
canonical writer (:class:`aula_kg.files.TurtleWriter`) and replaced atomically.
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS
from rdflib.term import Node

from ... import files, vocab
from ...vocab import AULA

#: The line written first in the header comment of the canonical file.
GENERATED_NOTE = (
    "# Tenu par tableur : « aula-kg export actions » puis « aula-kg import actions FICHIER » "
    "réécrit ce fichier."
)
#: Predicate order in the canonical file.
PREDICATE_ORDER = [
    RDF.type, DCTERMS.title, DCTERMS.description, AULA.purpose, AULA.communesNote,
    AULA.concernsCommune, AULA.studiedTerritory, AULA.withinProgramme, AULA.actionKind,
    AULA.servesRecommendation, AULA.servesUrbanFunction, AULA.actionStatus, AULA.year,
    SKOS.scopeNote, AULA.recordedBy, PROV.wasRevisionOf, DCTERMS.bibliographicCitation,
    PROV.wasDerivedFrom,
]
#: Prefixes of the canonical file, in this order (after ``@base <…/id/>``).
FILE_PREFIXES = ("aula", "dcterms", "prov", "rdfs", "skos", "xsd")
NO_RECOMMENDATION = ("9", "Sans préconisation")
CITATIONS_TITLE = "Citations libres (sources hors des documents de l'agence)"


def predicate_key(predicate: Node) -> tuple:
    position = (PREDICATE_ORDER.index(predicate) if predicate in PREDICATE_ORDER
                else len(PREDICATE_ORDER))
    return (position, str(predicate))


def object_key(term: Node) -> tuple:
    """IRIs first (``aula:Action`` before the others), then literals, French first."""
    if isinstance(term, Literal):
        order = {"fr": 0, "en": 1}.get(term.language or "", 2)
        return (1, order, term.language or "", str(term))
    if term == AULA.Action:
        return (0, 0, "", "")
    return (0, 1, "", str(term))


def writer() -> files.TurtleWriter:
    return files.TurtleWriter(
        {prefix: vocab.PREFIXES[prefix] for prefix in FILE_PREFIXES}, files.TURTLE_LAYOUT,
        base=str(vocab.ID), predicate_key=predicate_key, object_key=object_key,
    )


def header_comment(text: str) -> list[str]:
    """The comment lines above the first resource (section titles ``###`` excluded)."""
    lines = []
    for line in text.splitlines():
        if line.startswith("<") or line.startswith("###"):
            if lines or line.startswith("<"):
                break
            continue
        if line.startswith("#") and line != GENERATED_NOTE:
            lines.append(line)
    return lines


def canonical_text(graph: Graph, recommendations: dict[URIRef, tuple[str, str]],
                   header: list[str]) -> str:
    """The actions file, canonical: same graph, same bytes."""
    actions = sorted(set(graph.subjects(RDF.type, AULA.Action)), key=str)
    sections: dict[tuple[str, str], list[Node]] = {}
    for action in actions:
        served = [recommendations.get(r, ("9", str(r)))
                  for r in graph.objects(action, AULA.servesRecommendation)]
        key = min(served) if served else NO_RECOMMENDATION
        sections.setdefault(key, []).append(action)
    titled = [(label, members) for (_, label), members in sorted(sections.items())]
    others = sorted({s for s in graph.subjects() if isinstance(s, URIRef)} - set(actions), key=str)
    if others:
        titled.append((CITATIONS_TITLE, others))
    return files.canonical_turtle(writer(), graph, [GENERATED_NOTE, *header], titled)
