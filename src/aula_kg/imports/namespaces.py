"""The namespaces the importers name their classes and properties in, each term made once."""

from __future__ import annotations

from rdflib import URIRef
from rdflib import namespace as rdflib_namespace
from rdflib.namespace import DefinedNamespaceMeta, Namespace

from .. import vocab


class CachedNamespace:
    """A namespace whose terms are made once: ``AULA.siren`` is the same URIRef at each use.

    An rdflib namespace builds and checks a new URIRef at every attribute access, and a
    France-wide import names a class or property a million times (a fifth of its time). The
    same object each time also lets the writer's dictionaries match terms by identity.
    """

    def __init__(self, namespace: Namespace | DefinedNamespaceMeta) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> URIRef:
        term: URIRef = getattr(self._namespace, name)  # a namespace's attributes are its IRIs
        setattr(self, name, term)  # found without __getattr__ from now on
        return term


AULA = CachedNamespace(vocab.AULA)
DCAT = CachedNamespace(rdflib_namespace.DCAT)
DCTERMS = CachedNamespace(rdflib_namespace.DCTERMS)
IGEO = CachedNamespace(vocab.IGEO)
ORG = CachedNamespace(vocab.ORG)
PROV = CachedNamespace(rdflib_namespace.PROV)
QB = CachedNamespace(rdflib_namespace.QB)
RDF = CachedNamespace(rdflib_namespace.RDF)
RDFS = CachedNamespace(rdflib_namespace.RDFS)
SDMX_ATTRIBUTE = CachedNamespace(vocab.SDMX_ATTRIBUTE)
SDMX_DIMENSION = CachedNamespace(vocab.SDMX_DIMENSION)
SPDX = CachedNamespace(vocab.SPDX)
SKOS = CachedNamespace(rdflib_namespace.SKOS)
XSD = CachedNamespace(rdflib_namespace.XSD)
