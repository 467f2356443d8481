"""Namespaces and the IRI scheme of aula-kg: the one place where resource IRIs are minted.

Every IRI the project creates lives under :data:`BASE`. Resources are minted from stable
keys (an INSEE code, a SIREN, a slug), never from labels that may change, so that an IRI
survives re-imports and renaming.
"""

from __future__ import annotations

import re
import unicodedata

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from . import __version__

BASE = "https://w3id.org/aula-kg/"

#: The ontology document and its term namespace.
ONTOLOGY_IRI = URIRef(BASE + "ontology")
ONTOLOGY_VERSION_IRI = URIRef(f"{BASE}ontology/{__version__}")
AULA = Namespace(BASE + "ontology#")
#: The shapes graph.
SHAPES_IRI = URIRef(BASE + "shapes")
AULASH = Namespace(BASE + "shapes#")
#: Instances ("things"): territories, programmes, actions, sources...
ID = Namespace(BASE + "id/")
#: Named graphs of the store.
GRAPH = Namespace(BASE + "graph/")

IGEO = Namespace("http://rdf.insee.fr/def/geo#")
ORG = Namespace("http://www.w3.org/ns/org#")
QB = Namespace("http://purl.org/linked-data/cube#")
SDMX_DIMENSION = Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")
SDMX_ATTRIBUTE = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
SDMX_MEASURE = Namespace("http://purl.org/linked-data/sdmx/2009/measure#")
SH = Namespace("http://www.w3.org/ns/shacl#")
SCHEMA = Namespace("https://schema.org/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VANN = Namespace("http://purl.org/vocab/vann/")

#: Prefixes bound on every graph the project writes or shows, in a fixed order.
PREFIXES: dict[str, str] = {
    "aula": str(AULA),
    "aulash": str(AULASH),
    "id": str(ID),
    "dcat": str(DCAT),
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "igeo": str(IGEO),
    "org": str(ORG),
    "owl": str(OWL),
    "prov": str(PROV),
    "qb": str(QB),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "schema": str(SCHEMA),
    "sdmx-attribute": str(SDMX_ATTRIBUTE),
    "sdmx-dimension": str(SDMX_DIMENSION),
    "sh": str(SH),
    "skos": str(SKOS),
    "vann": str(VANN),
    "xsd": str(XSD),
}

# Named graphs of a built store.
ONTOLOGY_GRAPH = GRAPH["ontology"]
CURATED_GRAPH = GRAPH["curated"]
INFERRED_GRAPH = GRAPH["inferred"]
SHAPES_GRAPH = GRAPH["shapes"]
CATALOG_GRAPH = GRAPH["catalog"]


def opendata_graph(source: str) -> URIRef:
    """The named graph holding one imported open-data source (e.g. ``cog``, ``acv``)."""
    return GRAPH[f"opendata/{slugify(source)}"]


_INSEE_CODE = re.compile(r"^(?:\d[0-9AB]\d{3}|97\d{3})$")
_SIREN = re.compile(r"^\d{9}$")


def is_insee_commune_code(code: str) -> bool:
    """True for a five-character INSEE commune code (Corsica's 2A/2B and overseas 97x included)."""
    return bool(_INSEE_CODE.match(code))


def is_siren(code: str) -> bool:
    return bool(_SIREN.match(code))


def commune(insee_code: str) -> URIRef:
    """The commune with this INSEE code (today's code; see the merger links for former ones)."""
    if not is_insee_commune_code(insee_code):
        raise ValueError(f"not an INSEE commune code: {insee_code!r}")
    return ID[f"commune/{insee_code}"]


def epci(siren: str) -> URIRef:
    """The EPCI, as a territory, with this SIREN."""
    if not is_siren(siren):
        raise ValueError(f"not a SIREN: {siren!r}")
    return ID[f"epci/{siren}"]


def epci_body(siren: str) -> URIRef:
    """The EPCI as an organisation (its council), distinct from its territory."""
    if not is_siren(siren):
        raise ValueError(f"not a SIREN: {siren!r}")
    return ID[f"organisation/epci-{siren}"]


def departement(code: str) -> URIRef:
    return ID[f"departement/{code}"]


def region(code: str) -> URIRef:
    return ID[f"region/{code}"]


def slugify(text: str) -> str:
    """ASCII, lower-case, hyphen-separated: 'Béthune-Bruay' -> 'bethune-bruay'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def bind_prefixes(graph: Graph) -> None:
    """Bind the project's prefixes on an rdflib graph or dataset (replacing rdflib defaults)."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
