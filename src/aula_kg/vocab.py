"""Namespaces and the IRI scheme of aula-kg: the one place where resource IRIs are minted.

Every IRI the project creates lives under :data:`BASE`. Resources are minted from stable
keys (an INSEE code, a SIREN, a slug), never from labels that may change, so that an IRI
survives re-imports and renaming.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Callable, Mapping

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
#: Checksums of imported files (declared in the open-data files only).
SPDX = Namespace("http://spdx.org/rdf/terms#")

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


def territory(slug: str) -> URIRef:
    """A territory of the agency's own making (``aula``: the five EPCI together)."""
    return ID[f"territory/{slug}"]


#: The AULA territory: the five EPCI of the agency.
AULA_TERRITORY = ID["territory/aula"]


def organisation(slug: str) -> URIRef:
    """An organisation named by a slug (``etat``: the State, curated in data/territories.ttl)."""
    return ID[f"organisation/{slug}"]


#: The State: every programme of the national lists is a State programme.
STATE = ID["organisation/etat"]


@functools.cache  # one term per programme: every laureateship names it
def programme(slug: str) -> URIRef:
    return ID[f"programme/{slug}"]


def laureateship(programme_slug: str, insee_code: str) -> URIRef:
    """That today's commune ``insee_code`` is a laureate of the programme."""
    return ID[f"laureateship/{programme_slug}/{insee_code}"]


def convention(convention_id: str) -> URIRef:
    """A programme convention by its publisher's id (``acv-031``) or a derived one."""
    return ID[f"convention/{convention_id}"]


def concept_scheme(name: str) -> URIRef:
    """A SKOS concept scheme of ontology/schemes.ttl (``recommendation``, ``action-status``)."""
    return ID[name]


# -- sources, imports and their provenance


@functools.cache  # one term per source: every laureateship and observation names it
def dataset(key: str) -> URIRef:
    """An imported open-data source (``cog``, ``acv``...) or a dataset derived from it."""
    return ID[f"dataset/{key}"]


def distribution(dataset_key: str, file_name: str) -> URIRef:
    """One file of an imported source, by its name."""
    return ID[f"dataset/{dataset_key}/distribution/{slugify(file_name)}"]


def checksum(distribution_iri: URIRef) -> URIRef:
    """The SHA-256 checksum of a distribution."""
    return URIRef(f"{distribution_iri}/sha256")


def import_activity(dataset_key: str) -> URIRef:
    """The ``aula-kg import`` run that wrote a source's named graph."""
    return ID[f"activity/import-{dataset_key}"]


def software(version: str = __version__) -> URIRef:
    """aula-kg itself, at one version, as a prov:SoftwareAgent."""
    return ID[f"software/aula-kg/{version}"]


# -- statistics (Data Cube)


def structure(name: str, component: str | None = None) -> URIRef:
    """A data structure definition (``population``), or one of its components."""
    return ID[f"structure/{name}" if component is None else f"structure/{name}/{component}"]


def population_kind(kind: str) -> URIRef:
    """``municipale`` or ``totale`` (concepts of ontology/schemes.ttl)."""
    return ID[f"population-kind/{kind}"]


def unit(name: str) -> URIRef:
    return ID[f"unit/{name}"]


def population_observation(kind: str, area_key: str, year: int) -> URIRef:
    """The legal population (``kind``) of a commune (INSEE code) or EPCI (SIREN) in ``year``."""
    return ID[f"observation/population-{kind}/{area_key}/{year}"]


# -- the planners' actions and their sources

ACTION_NAMESPACE = Namespace(str(ID) + "action/")
SOURCE_NAMESPACE = Namespace(str(ID) + "source/")
CITATION_NAMESPACE = Namespace(str(SOURCE_NAMESPACE) + "citation/")


def action(slug: str) -> URIRef:
    """A planners' action, by its identifier (lower case, digits, hyphens)."""
    return ACTION_NAMESPACE[slug]


CENSUS_NAMESPACE = Namespace(str(ID) + "census/")


def census(slug: str) -> URIRef:
    """A census of actions (aula:ActionCensus): ``id/census/acv-2021-10``."""
    return CENSUS_NAMESPACE[slug]


def source_section(path: str) -> URIRef:
    """A source document or one of its sections: ``zoom-acv-2021/usages``."""
    return SOURCE_NAMESPACE[path]


def citation(text: str) -> URIRef:
    """A free citation (a source outside the agency's documents), stable for one text:
    a slug of its start and eight hex digits of its SHA-256."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    stem = slugify(text)[:60].strip("-") or "citation"
    return CITATION_NAMESPACE[f"{stem}-{digest}"]


def is_citation(iri: object) -> bool:
    return str(iri).startswith(str(CITATION_NAMESPACE))


# -- the catalogue of stored queries


def query(name: str) -> URIRef:
    """A stored query of queries/ (``unexplored_recommendations``)."""
    return ID[f"query/{name}"]


def query_parameter(query_name: str, parameter: str) -> URIRef:
    """One parameter of one stored query."""
    return ID[f"query/{query_name}/parameter/{parameter}"]


def parameter_path(parameter: str) -> URIRef:
    """The property a stored query's parameter of that name fills (its ``sh:path``)."""
    return ID[f"query-parameter/{parameter}"]



# -- publishing: VoID, the DCAT-AP catalogue and the dumps (issue 14)
#
# These locate documents on the server, so they are minted on its public address (``base``:
# AULA_KG_PUBLIC_URL, else the request's own address), not under BASE.

VOID = Namespace("http://rdfs.org/ns/void#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
#: IANA media types as IRIs (DCAT-AP's dcat:mediaType values).
IANA_MEDIA_TYPE = Namespace("http://www.iana.org/assignments/media-types/")
#: EU vocabularies: file types, data themes, frequencies.
EU_FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
EU_DATA_THEME = Namespace("http://publications.europa.eu/resource/authority/data-theme/")
EU_FREQUENCY = Namespace("http://publications.europa.eu/resource/authority/frequency/")
#: The Licence Ouverte / Open Licence 2.0 of Etalab (the agency's data; data.gouv.fr's IRI).
LICENCE_OUVERTE_2 = URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
#: The agency, publisher of the graph (curated in data/territories.ttl).
AGENCY = ID["organisation/aula"]


def public_iri(base: str, path: str = "") -> URIRef:
    """``path`` (``/catalogue``) on the server's public address ``base``."""
    return URIRef(base.rstrip("/") + path)


def published_key(graph_iri: object) -> str:
    """A named graph's short key: ``curated``, ``opendata-cog``."""
    value = str(graph_iri)
    local = value[len(str(GRAPH)):] if value.startswith(str(GRAPH)) else value
    return slugify(local) or "graph"


def graph_dump_name(graph_iri: object) -> str:
    """The file name of one named graph's dump: ``graph-opendata-cog.ttl.gz``."""
    return f"graph-{published_key(graph_iri)}.ttl.gz"


def downloads_page(base: str) -> URIRef:
    return public_iri(base, "/telechargements")


def download(base: str, name: str) -> URIRef:
    """A dump file on the server (its name from the dumps index)."""
    return public_iri(base, f"/telechargements/{name}")


def sparql_endpoint(base: str) -> URIRef:
    return public_iri(base, "/sparql")


def void_document(base: str) -> URIRef:
    return public_iri(base, "/.well-known/void")


def void_dataset(base: str, graph_iri: object | None = None) -> URIRef:
    """The VoID dataset of the whole graph, or its subset for one named graph."""
    key = "aula-kg" if graph_iri is None else f"graph-{published_key(graph_iri)}"
    return public_iri(base, f"/.well-known/void#{key}")


def void_linkset(base: str, target: str) -> URIRef:
    return public_iri(base, f"/.well-known/void#links-{slugify(target)}")


def void_target(base: str, target: str) -> URIRef:
    """The other dataset a linkset points into (``insee``, ``wikidata``)."""
    return public_iri(base, f"/.well-known/void#dataset-{slugify(target)}")


def catalogue(base: str) -> URIRef:
    return public_iri(base, "/catalogue")


def catalogue_node(base: str, local: str) -> URIRef:
    """A resource described in the catalogue document (``sparql``, ``contact``...)."""
    return public_iri(base, f"/catalogue#{slugify(local)}")


def published_dataset(base: str, graph_iri: object | None = None) -> URIRef:
    """The catalogue's dataset for one named graph, or (None) for the whole graph."""
    key = "aula-kg" if graph_iri is None else published_key(graph_iri)
    return catalogue_node(base, f"dataset-{key}")


def published_distribution(base: str, dump_name: str) -> URIRef:
    return catalogue_node(base, f"distribution-{dump_name}")


def published_checksum(base: str, dump_name: str) -> URIRef:
    return catalogue_node(base, f"checksum-{dump_name}")

# -- compact names

#: Turtle's safe local names (a subset of PN_LOCAL: no dots, colons or escapes).
_LOCAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def compactor(prefixes: Mapping[str, str] | None = None, *,
              turtle: bool = False) -> Callable[[object], str | None]:
    """The CURIE compactor for ``prefixes`` (default :data:`PREFIXES`): a function giving
    ``prefix:local`` for an IRI with the longest namespace that starts it, or None.

    ``turtle=True`` keeps only local names every Turtle parser reads (``id:commune/62119``
    is fine to show, not to write): the writers use it; pages and reports show the loose form.
    """
    # sorted() is stable: of two prefixes for one namespace, the first declared wins.
    ordered = sorted((prefixes or PREFIXES).items(), key=lambda item: -len(item[1]))

    def compact(iri: object) -> str | None:
        value = str(iri)
        for prefix, namespace in ordered:
            if value.startswith(namespace):
                local = value[len(namespace):]
                if turtle:
                    if local == "" or _LOCAL_NAME.fullmatch(local):
                        return f"{prefix}:{local}"
                    return None
                return f"{prefix}:{local}" if local else None
        return None

    return compact


#: ``prefix:local`` with the project's prefixes, or None (see :func:`compactor`).
curie = compactor()


def shorten(iri: object) -> str:
    """The CURIE of ``iri`` for a person to read, else the IRI itself."""
    return curie(iri) or str(iri)


def expand(name: str, prefixes: Mapping[str, str] | None = None) -> URIRef | None:
    """The IRI of ``prefix:local`` or ``<iri>``; None for an unknown prefix."""
    if name.startswith("<") and name.endswith(">"):
        return URIRef(name[1:-1])
    prefix, _, local = name.partition(":")
    namespace = (prefixes or PREFIXES).get(prefix)
    return URIRef(namespace + local) if namespace else None


def slugify(text: str) -> str:
    """ASCII, lower-case, hyphen-separated: 'Béthune-Bruay' -> 'bethune-bruay'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def bind_prefixes(graph: Graph) -> None:
    """Bind the project's prefixes on an rdflib graph or dataset (replacing rdflib defaults)."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
