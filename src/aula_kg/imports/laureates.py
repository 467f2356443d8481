"""Programmes and laureateships, as the national lists describe them (ACV, PVD, ORT, the
ANCT tables): the programme resources and the link from a commune to a programme."""

from __future__ import annotations

from datetime import date

from rdflib import Literal, URIRef

from .. import vocab
from .namespaces import AULA, DCTERMS, IGEO, PROV, RDF, RDFS, XSD
from .report import Triples


def add_laureateship(
    graph: Triples,
    programme_slug: str,
    insee: str,
    source_key: str,
    *,
    signed: date | None = None,
    convention: URIRef | None = None,
    recorded_as: str | None = None,
) -> URIRef:
    """A aula:Laureateship of today's commune ``insee`` and the commune's shortcut link.

    ``recorded_as`` is the code the source used when it is a former code (merged commune).
    """
    lau = vocab.laureateship(programme_slug, insee)
    com = vocab.commune(insee)
    prog = vocab.programme(programme_slug)
    graph.add((lau, RDF.type, AULA.Laureateship))
    graph.add((lau, AULA.laureate, com))
    graph.add((lau, AULA.programme, prog))
    graph.add((lau, PROV.wasDerivedFrom, vocab.dataset(source_key)))
    graph.add((com, AULA.laureateOf, prog))
    if signed is not None:
        graph.add((lau, AULA.signatureDate, Literal(signed.isoformat(), datatype=XSD.date)))
    if convention is not None:
        graph.add((lau, AULA.convention, convention))
    if recorded_as is not None and recorded_as != insee:
        graph.add((lau, AULA.recordedAs, vocab.commune(recorded_as)))
    return lau


#: Programmes the importers mention: slug -> (French label, English label). ACV and PVD
#: carry exactly the labels of data/programmes.ttl, so the union graph has one label each.
PROGRAMMES = {
    "acv": ("Action Cœur de Ville", "Action Cœur de Ville (Heart of Town)"),
    "pvd": ("Petites Villes de Demain", "Petites Villes de Demain (Small Towns of Tomorrow)"),
    "ort": ("Opération de revitalisation de territoire", "Territorial revitalisation operation"),
    "territoires-d-industrie": (
        "Territoires d'industrie",
        "Territoires d'industrie (industrial territories)",
    ),
    "villages-d-avenir": ("Villages d'avenir", "Villages d'avenir (villages of the future)"),
    "france-services": ("France services", "France services (public service centres)"),
    "avenir-montagnes-ingenierie": (
        "Avenir montagnes ingénierie",
        "Avenir Montagnes, engineering support",
    ),
    "avenir-montagnes-mobilites": ("Avenir montagnes mobilités", "Avenir Montagnes, mobility"),
    "fabriques-prospectives": (
        "Fabriques prospectives",
        "Fabriques prospectives (foresight workshops)",
    ),
    "habitat-inclusif": ("Habitat inclusif", "Inclusive housing"),
    "cites-educatives": ("Cités éducatives", "Cités éducatives (educational cities)"),
    "cites-de-l-emploi": ("Cités de l'emploi", "Cités de l'emploi (employment cities)"),
    "acv-2": (
        "Action cœur de ville, seconde phase (id_acv2)",
        "Action Cœur de Ville, second phase (id_acv2)",
    ),
    "sites-cles-en-main": (
        "Sites clés en main France 2030",
        "France 2030 turnkey industrial sites",
    ),
}


#: The State (curated in data/territories.ttl): every programme of these national lists is a
#: State programme, most of them run by its agency, the ANCT.
STATE = vocab.STATE


def add_programme(graph: Triples, slug: str) -> None:
    prog = vocab.programme(slug)
    fr, en = PROGRAMMES[slug]
    graph.add((prog, RDF.type, AULA.Programme))
    graph.add((prog, AULA.launchedBy, STATE))
    graph.add((prog, RDFS.label, Literal(fr, lang="fr")))
    graph.add((prog, RDFS.label, Literal(en, lang="en")))
    if slug in ABBREVIATIONS:
        graph.add((prog, AULA.abbreviation, Literal(ABBREVIATIONS[slug])))


#: The short names planners type (the same literals as data/programmes.ttl for ACV and PVD).
ABBREVIATIONS = {"acv": "ACV", "pvd": "PVD", "ort": "ORT", "acv-2": "ACV 2"}


def add_former_reference(graph: Triples, old: str, today: str) -> None:
    """Minimal statement that a source used a former code, so it resolves without the COG."""
    graph.add((vocab.commune(old), RDF.type, AULA.FormerCommune))
    graph.add((vocab.commune(old), IGEO.codeINSEE, Literal(old)))
    graph.add((vocab.commune(old), DCTERMS.isReplacedBy, vocab.commune(today)))
