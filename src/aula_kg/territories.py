"""Names, codes and aliases of territories (and of the other named things planners type)
resolved to resources.

How a name resolves, in order:

1. an INSEE commune code (today's, or a former code, which resolves to today's commune),
   a SIREN (EPCI or commune), or an IRI of the graph;
2. a preferred label (``rdfs:label``), compared without accents, case, hyphens or spaces;
3. an alternative or hidden label or an abbreviation (``skos:altLabel``,
   ``skos:hiddenLabel``: the words planners use, ``aula:abbreviation``).

The first rank with a match wins; two matches in that rank are a real ambiguity, answered
with the candidates instead of a guess. So "Lens-Liévin" is the ACV pair Lens + Liévin (its
preferred label), while "CA de Lens-Liévin", "CALL" or "246200364" name the agglomeration.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rdflib import URIRef

from . import vocab
from .errors import AmbiguousName, ParameterError
from .store import Store


def normalise(text: str) -> str:
    """'Lens - Liévin' -> 'lens lievin': no accents, case, hyphens or punctuation."""
    # œ first: NFKD has no decomposition for it, so the ASCII step would drop it.
    text = text.replace("œ", "oe").replace("Œ", "oe")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).strip()


@dataclass(frozen=True)
class Candidate:
    iri: URIRef
    label: str
    kind: str


_INDEX_QUERY = """
PREFIX aula: <https://w3id.org/aula-kg/ontology#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?resource ?kind ?rank ?name WHERE {
  VALUES (?naming ?rank) {
    (igeo:codeINSEE 1) (aula:siren 1) (rdfs:label 2) (skos:altLabel 3) (aula:abbreviation 3)
    (skos:hiddenLabel 3)
  }
  ?resource ?naming ?name .
  VALUES (?class ?kind) {
    (igeo:Commune "commune") (igeo:Intercommunalite "epci") (aula:CommunePair "pair")
    (aula:InterventionTerritory "territory") (aula:ScotPerimeter "territory")
    (aula:FormerCommune "former-commune")
    (aula:Programme "programme")
  }
  ?resource a ?class .
}
"""

_CONCEPT_QUERY = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?resource ?scheme ?rank ?name WHERE {
  ?resource skos:inScheme ?scheme .
  { ?resource skos:notation ?name . BIND(1 AS ?rank) }
  UNION { ?resource skos:prefLabel ?name . BIND(2 AS ?rank) }
  UNION { ?resource skos:altLabel ?name . BIND(3 AS ?rank) }
  UNION { ?resource skos:hiddenLabel ?name . BIND(3 AS ?rank) }
}
"""

_DISPLAY_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?resource ?label WHERE {
  ?resource rdfs:label|skos:prefLabel ?label FILTER(lang(?label) = "fr" || lang(?label) = "")
}
"""

_REPLACED_QUERY = """
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?old ?new WHERE { ?old dcterms:isReplacedBy ?new }
"""

#: Which kinds a parameter type accepts.
TERRITORY_KINDS = {"commune", "epci", "pair", "territory"}


class NameIndex:
    """An index of the names of one store's territories, programmes and concepts."""

    def __init__(self, store: Store):
        self._names: dict[str, dict[int, set[Candidate]]] = {}
        self._iris: dict[URIRef, Candidate] = {}
        # Lexical values, not rdflib terms: the national graph gives over 100,000 rows.
        replaced = dict(store.select_values(_REPLACED_QUERY))
        display = dict(store.select_values(_DISPLAY_QUERY))
        for resource, kind, rank, name in store.select_values(_INDEX_QUERY):
            target = replaced.get(resource, resource)
            kind = "commune" if kind == "former-commune" else kind
            label = display.get(target, name)
            self._add(name, int(rank), Candidate(URIRef(target), label, kind))
        for resource, scheme, rank, name in store.select_values(_CONCEPT_QUERY):
            kind = scheme.removeprefix(str(vocab.ID))
            label = display.get(resource, name)
            self._add(name, int(rank), Candidate(URIRef(resource), label, kind))

    def _add(self, name: str, rank: int, candidate: Candidate) -> None:
        key = normalise(name)
        if key:
            self._names.setdefault(key, {}).setdefault(rank, set()).add(candidate)
        self._iris.setdefault(candidate.iri, candidate)

    def entries(self):
        """Every (normalised name, rank, candidate) of the index, for readers that look for
        names inside a longer text (aula_kg.ask)."""
        for key, ranks in self._names.items():
            for rank, candidates in ranks.items():
                for candidate in candidates:
                    yield key, rank, candidate

    def find(self, text: str, kinds: set[str]) -> Candidate | None:
        """The one resource of one of ``kinds`` that ``text`` names, None when none or
        several do (no suggestions computed: cheap enough for every label of a scheme)."""
        for rank_matches in self._matches(text, kinds):
            return rank_matches[0] if len(rank_matches) == 1 else None
        return None

    def _matches(self, text: str, kinds: set[str]):
        """The candidates ``text`` names, rank by rank (best rank first, empty ranks left out)."""
        by_rank = self._names.get(normalise(text), {})
        for rank in sorted(by_rank):
            matches = sorted(
                (c for c in by_rank[rank] if c.kind in kinds),
                key=lambda c: (c.kind, c.label, c.iri),
            )
            if matches:
                yield matches

    def resolve(self, text: str, kinds: set[str], parameter: str) -> Candidate:
        """The one resource of one of ``kinds`` that ``text`` names."""
        value = text.strip()
        if value.startswith(("http://", "https://")):
            candidate = self._iris.get(URIRef(value))
            if candidate and candidate.kind in kinds:
                return candidate
            raise ParameterError(code="parameter.unknown_iri", parameter=parameter,
                                 given=value, kinds="/".join(sorted(kinds)))
        for matches in self._matches(value, kinds):
            if len(matches) == 1:
                return matches[0]
            raise AmbiguousName(
                candidates=[(str(c.iri), c.label) for c in matches],
                code="parameter.ambiguous", parameter=parameter, given=value,
                candidates_text="; ".join(f"{c.label} ({c.kind}, {c.iri})" for c in matches),
            )
        suggestions = self.suggest(value, kinds)
        kinds_text = "/".join(sorted(kinds))
        if suggestions:
            raise ParameterError(code="parameter.unknown_name_suggest", parameter=parameter,
                                 given=value, kinds=kinds_text, suggestions=suggestions)
        raise ParameterError(code="parameter.unknown_name", parameter=parameter, given=value,
                             kinds=kinds_text)

    def suggest(self, text: str, kinds: set[str], limit: int = 3) -> list[str]:
        """Close names (for messages), best first."""
        import difflib

        key = normalise(text)
        labels: dict[str, str] = {}
        for name, ranks in self._names.items():
            for candidates in ranks.values():
                for c in candidates:
                    if c.kind in kinds:
                        labels.setdefault(name, c.label if normalise(c.label) == name else name)
        close = difflib.get_close_matches(key, list(labels), n=limit, cutoff=0.75)
        return [labels[name] for name in close]
