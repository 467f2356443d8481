"""Cell values to resources: the names a planner types (labels, abbreviations, INSEE codes,
former codes, the last segment of an IRI) resolved the way stored queries resolve them
(:class:`aula_kg.territories.NameIndex`), with suggestions when a value is close to a known
one; and the sources of an action (a section of a source document, or a free citation).

The names come from the built graph (:func:`names_store`: the store every reader opens),
not from the source files.
"""

from __future__ import annotations

import difflib
import re

from rdflib import URIRef

from ... import vocab
from ...config import Settings
from ...errors import AmbiguousName, ParameterError
from ...store import Store
from ...territories import NameIndex, normalise
from ..graph_store import built_graph
from .columns import ALL_COLUMNS, KINDS
from .problems import RowError, row_error, unknown

SOURCE_BASE = str(vocab.SOURCE_NAMESPACE)
SOURCE_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:/[a-z0-9]+(?:-[a-z0-9]+)*)*$")


def names_store(settings: Settings, sources=None) -> Store:
    """Where the names come from: the built graph (:func:`..graph_store.built_graph`)."""
    return built_graph(settings, sources)


def recommendations(store: Store) -> dict[URIRef, tuple[str, str]]:
    """Each recommendation -> (notation, French label): the sections of the actions file."""
    rows = store.select("""
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?r ?n ?l ?scheme WHERE { ?r skos:inScheme ?scheme ;
          skos:notation ?n ; skos:prefLabel ?l FILTER(lang(?l) = "fr") }""",
        {"scheme": vocab.concept_scheme("recommendation")}).rows
    return {URIRef(r): (str(n), str(label)) for r, n, label, _ in rows}


_SOURCES_QUERY = """
PREFIX aula: <https://w3id.org/aula-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?source ?label WHERE {
  VALUES ?class { aula:SourceSection aula:SourceDocument }
  ?source a ?class . OPTIONAL { ?source rdfs:label ?label }
}
"""

_CONCEPTS_QUERY = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX aula: <https://w3id.org/aula-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
SELECT ?resource ?scheme ?label ?notation ?abbreviation ?code WHERE {
  { ?resource skos:inScheme ?scheme ; skos:prefLabel ?label .
    OPTIONAL { ?resource skos:notation ?notation } }
  UNION { ?resource a aula:Programme ; rdfs:label ?label . BIND("programme" AS ?scheme)
          OPTIONAL { ?resource aula:abbreviation ?abbreviation } }
  UNION { ?resource a igeo:Commune ; rdfs:label ?label . BIND("commune" AS ?scheme)
          OPTIONAL { ?resource igeo:codeINSEE ?code } }
  UNION { VALUES ?class { aula:CommunePair igeo:Intercommunalite aula:InterventionTerritory }
          ?resource a ?class ; rdfs:label ?label . BIND("territory" AS ?scheme) }
  FILTER(lang(?label) IN ("fr", ""))
}
"""


class Resolver:
    """Cell values to resources, through the stored queries' NameIndex (plus IRI slugs)."""

    def __init__(self, store: Store):
        self.names = NameIndex(store)
        self.slugs: dict[str, dict[str, URIRef]] = {}
        self.labels: dict[URIRef, str] = {}
        self.notations: dict[URIRef, str] = {}
        self.abbreviations: dict[URIRef, str] = {}
        self.codes: dict[URIRef, str] = {}
        for resource, scheme, label, notation, abbreviation, code in store.select(
            _CONCEPTS_QUERY
        ).rows:
            iri = URIRef(resource)
            kind = str(scheme).removeprefix(str(vocab.ID))
            self.labels.setdefault(iri, str(label))
            if notation is not None:
                self.notations[iri] = str(notation)
            if abbreviation is not None:
                self.abbreviations[iri] = str(abbreviation)
            if code is not None:
                self.codes[iri] = str(code)
            tail = str(iri).rsplit("/", 1)[-1]
            self.slugs.setdefault(kind, {})[normalise(tail)] = iri
        self.sources: dict[URIRef, list[str]] = {}
        for source, label in store.select(_SOURCES_QUERY).rows:
            self.sources.setdefault(URIRef(source), [])
            if label is not None:
                self.sources[URIRef(source)].append(str(label))

    def options(self, kinds: set[str]) -> list[str]:
        """The allowed values of a small vocabulary (for messages and the template)."""
        found = []
        for kind in sorted(kinds):
            for iri in sorted(self.slugs.get(kind, {}).values(),
                              key=lambda i: (self.notations.get(i, ""), str(i))):
                found.append(self.display(iri, kinds))
        return found

    def resolve(self, value: str, column: str, line: int) -> URIRef | RowError:
        kinds = KINDS[column]
        text = value.strip()
        match = re.fullmatch(r"(.*\S)\s*\((\d[0-9AB]\d{3})\)", text)
        if match and kinds & {"commune"}:  # "Béthune (62119)": the code decides
            text = match.group(2)
        try:
            return self.names.resolve(text, kinds, ALL_COLUMNS[column].fr).iri
        except AmbiguousName as exc:
            listed = "; ".join(f"{label} ({self.codes.get(URIRef(iri)) or iri})"
                               for iri, label in exc.candidates)
            return row_error(line, column, "actions.ambiguous", value=value, candidates=listed)
        except ParameterError:
            pass
        for kind in kinds:  # the last segment of a concept's IRI: "en-cours-de-definition"
            iri = self.slugs.get(kind, {}).get(normalise(text))
            if iri is not None and kind not in ("commune", "territory"):
                return iri
        suggestions = self.names.suggest(text, kinds)
        if not suggestions:
            close = self._close(text, kinds)
            suggestions = close
        small = sum(len(self.slugs.get(k, {})) for k in kinds) <= 15
        return unknown(line, column, value, suggestions, self.options(kinds) if small else None)

    def _close(self, text: str, kinds: set[str]) -> list[str]:
        choices: dict[str, str] = {}
        for kind in kinds:
            for slug, iri in self.slugs.get(kind, {}).items():
                label = self.labels.get(iri, slug)
                choices.setdefault(slug, label)
                choices.setdefault(normalise(label), label)
        close = difflib.get_close_matches(normalise(text), list(choices), n=3, cutoff=0.75)
        seen: list[str] = []
        for key in close:
            if choices[key] not in seen:
                seen.append(choices[key])
        return seen

    def display(self, iri: URIRef, kinds: set[str]) -> str:
        """The shortest name that resolves back to ``iri`` (label, abbreviation, code, IRI)."""
        candidates = [self.abbreviations.get(iri), self.labels.get(iri), self.codes.get(iri),
                      self.notations.get(iri)]
        for candidate in candidates:
            if not candidate:
                continue
            try:
                if self.names.resolve(candidate, kinds, "-").iri == iri:
                    return candidate
            except ParameterError:
                continue
        return str(iri)

    def source(self, value: str, line: int) -> tuple[URIRef, str | None] | RowError:
        """A known source section or document, or a free citation (IRI and its text)."""
        text = value.strip()
        if text.startswith(("http://", "https://")):
            iri = URIRef(text)
            if iri in self.sources or vocab.is_citation(iri):
                return iri, None
            return row_error(line, "source", "actions.not_a_source", value=value)
        slug = text.removeprefix("source/")
        if SOURCE_SLUG.fullmatch(slug):
            iri = vocab.source_section(slug)
            if iri in self.sources:
                return iri, None
            known = sorted(str(s).removeprefix(SOURCE_BASE) for s in self.sources)
            return unknown(line, "source", value,
                            difflib.get_close_matches(slug, known, n=3, cutoff=0.75))
        key = normalise(text)
        for iri, labels in sorted(self.sources.items()):
            if any(normalise(label) == key for label in labels):
                return iri, None
        return vocab.citation(text), text


def source_display(iri: URIRef, citations: dict[URIRef, str]) -> str:
    if iri in citations:
        return citations[iri]
    value = str(iri)
    return value.removeprefix(SOURCE_BASE) if value.startswith(SOURCE_BASE) else value
