"""Terms as people read them: links, CURIEs, French numbers and the French names of the
reused vocabularies' predicates (answer columns' headings are declared with each stored
query: catalog.StoredQuery.heading), and :class:`Cell`, one value as a page shows
it. Shared by the pages (web.pages) and the generated documents (web.documents)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from .. import vocab

BASE = vocab.BASE


def href(iri: Any) -> str | None:
    """The link for an IRI: a page of this app for the project's IRIs, the IRI itself for
    other http(s) IRIs, nothing otherwise (no ``javascript:`` links from data)."""
    value = str(iri)
    if value.startswith(BASE):
        return "/" + value[len(BASE):]
    if value.startswith(("http://", "https://")):
        return value
    return None


def curie(iri: Any) -> str:
    value = str(iri)
    for prefix, namespace in vocab.PREFIXES.items():
        if value.startswith(namespace) and len(value) > len(namespace):
            return f"{prefix}:{value[len(namespace):]}"
    return value


def french_number(value: str) -> str:
    """'21800' -> '21 800' (thin no-break spaces), for integers only."""
    if re.fullmatch(r"-?\d{4,}", value):
        sign = "-" if value.startswith("-") else ""
        digits = value.lstrip("-")
        groups = []
        while digits:
            groups.insert(0, digits[-3:])
            digits = digits[:-3]
        return sign + "\u202f".join(groups)
    return value


@dataclass
class Cell:
    text: str
    href: str | None = None
    title: str | None = None
    lang: str | None = None
    numeric: bool = False


LABEL_PREDICATES = (SKOS.prefLabel, RDFS.label, DCTERMS.title, vocab.SH.name)
NUMERIC = {XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.int, XSD.long,
           XSD.nonNegativeInteger, XSD.positiveInteger, XSD.gYear}

#: French names of the reused vocabularies' predicates (the project's own terms have
#: French labels in the ontology).
PREDICATE_LABELS = {
    str(RDF.type): "type", str(RDFS.label): "libellé", str(RDFS.comment): "commentaire",
    str(RDFS.seeAlso): "voir aussi", str(RDFS.subClassOf): "sous-classe de",
    str(RDFS.isDefinedBy): "défini par", str(RDFS.domain): "domaine", str(RDFS.range): "portée",
    str(SKOS.prefLabel): "libellé préféré", str(SKOS.altLabel): "autre libellé",
    str(SKOS.definition): "définition", str(SKOS.notation): "notation",
    str(SKOS.inScheme): "dans le vocabulaire", str(SKOS.scopeNote): "note d'application",
    str(SKOS.topConceptOf): "concept de tête de", str(SKOS.hasTopConcept): "concept de tête",
    str(SKOS.broader): "plus générique", str(SKOS.narrower): "plus spécifique",
    str(DCTERMS.title): "titre", str(DCTERMS.description): "description",
    str(DCTERMS.isPartOf): "fait partie de", str(DCTERMS.hasPart): "comprend",
    str(DCTERMS.publisher): "éditeur", str(DCTERMS.issued): "publié le",
    str(DCTERMS.modified): "modifié le", str(DCTERMS.created): "créé le",
    str(DCTERMS.language): "langue", str(DCTERMS.license): "licence",
    str(DCTERMS.source): "source", str(DCTERMS.isReplacedBy): "remplacé par",
    str(DCTERMS.replaces): "remplace", str(DCTERMS.date): "date",
    str(PROV.wasDerivedFrom): "tiré de (source)", str(PROV.wasAttributedTo): "attribué à",
    str(OWL.sameAs): "identique à",
    str(vocab.IGEO.codeINSEE): "code INSEE", str(vocab.IGEO.nom): "nom",
    str(vocab.IGEO.subdivisionDirecte): "subdivision directe",
    str(vocab.IGEO.subdivisionDirecteDe): "subdivision directe de",
    "http://purl.org/linked-data/sdmx/2009/dimension#refArea": "territoire de référence",
    "http://purl.org/linked-data/sdmx/2009/dimension#refPeriod": "période de référence",
    "http://www.w3.org/ns/shacl#parameter": "paramètre", "https://schema.org/keywords": "mots-clés",
    "https://schema.org/identifier": "identifiant",
}

GRAPH_NAMES_FR = {
    "ontology": "ontologie", "shapes": "formes SHACL", "curated": "données curées",
    "inferred": "déduit (OWL 2 RL)", "catalog": "catalogue des requêtes",
}


def graph_label(name: str) -> str:
    local = name.removeprefix(str(vocab.GRAPH))
    if local.startswith("opendata/"):
        return "données ouvertes : " + local.removeprefix("opendata/")
    return GRAPH_NAMES_FR.get(local, local)
