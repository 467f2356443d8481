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
:meth:`NameIndex.readings` gives the other readings of a name (the CA beside the pair), and
:meth:`NameIndex.search` the candidates of a partial name ("Auxi", "henin", "CA Lens") for
the pages' forgiving search; neither changes what :meth:`NameIndex.resolve` answers.
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


def collation_key(text: str) -> tuple[str, str, str]:
    """A French sort key, the same on every machine (no locale): letters compared without
    accents or case first ("Béthune" with the b's, "Écoivres" with the e's), then the
    accented form after the plain one, then the text itself."""
    return normalise(text), text.casefold(), text


def _match_score(name: str, key: str, words: list[str]) -> int | None:
    """How well the normalised ``name`` matches the normalised query ``key`` (lower is
    better), None when it does not."""
    if name == key:
        return 0
    if name.startswith(key):
        return 1
    name_words = name.split()
    # Every typed word starts a word of the name, in any order ("ca lens" -> "ca de lens").
    if all(any(w.startswith(t) for w in name_words) for t in words):
        return 2
    if key in name:
        return 3
    return None


#: Which kind comes first among equally good matches.
_KIND_ORDER = {"pair": 0, "epci": 1, "territory": 2, "commune": 3}


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

    def candidate(self, iri) -> Candidate | None:
        """The named resource ``iri`` (its display name and kind), None when unnamed."""
        return self._iris.get(URIRef(str(iri)))

    def readings(self, text: str, kinds: set[str]) -> list[Candidate]:
        """Every resource of ``kinds`` that ``text`` names exactly, in any rank, best rank
        first: the reading :meth:`resolve` takes, then the others ("Béthune-Bruay": the
        pair, then the CA)."""
        seen: dict[URIRef, Candidate] = {}
        for matches in self._matches(text.strip(), kinds):
            for candidate in matches:
                seen.setdefault(candidate.iri, candidate)
        return list(seen.values())

    def search(self, text: str, kinds: set[str], limit: int = 12) -> list[Candidate]:
        """The resources of ``kinds`` whose names contain ``text``, best first: the whole
        name, then a name that starts with it, then a word that starts with it, then any
        part (accents, case, hyphens and spacing ignored); when nothing contains it, the
        names closest in spelling. Ties: the kind (pair, EPCI,
        territory, commune), then the display name in French order."""
        key = normalise(text)
        if not key:
            return []
        words = key.split()
        scores = {name: _match_score(name, key, words) for name in self._names}
        if all(score is None for score in scores.values()):
            # Nothing contains it: a misspelling ("Lenz"), the closest names, last.
            import difflib

            for name in difflib.get_close_matches(key, list(self._names), n=limit, cutoff=0.75):
                scores[name] = 4
        best: dict[URIRef, tuple[int, int]] = {}
        candidates: dict[URIRef, Candidate] = {}
        for name, ranks in self._names.items():
            score = scores[name]
            if score is None:
                continue
            for rank, found in ranks.items():
                for candidate in found:
                    if candidate.kind not in kinds:
                        continue
                    mark = (score, rank)
                    if candidate.iri not in best or mark < best[candidate.iri]:
                        best[candidate.iri] = mark
                        candidates[candidate.iri] = candidate
        order = sorted(
            candidates.values(),
            key=lambda c: (best[c.iri], _KIND_ORDER.get(c.kind, 9), collation_key(c.label),
                           str(c.iri)),
        )
        return order[:limit]

    @staticmethod
    def completes(text: str, candidate: Candidate) -> bool:
        """True when ``text`` is the start of ``candidate``'s name or of its words (a
        partial name to complete, not a misspelling to confirm)."""
        key = normalise(text)
        return bool(key) and _match_score(normalise(candidate.label), key, key.split()) in (0, 1, 2)

    def all(self, kinds: set[str]) -> list[Candidate]:
        """Every resource of ``kinds`` once, in French order of its display name."""
        found = {c.iri: c for c in self._iris.values() if c.kind in kinds}
        return sorted(found.values(), key=lambda c: (collation_key(c.label), str(c.iri)))

    def suggest(self, text: str, kinds: set[str], limit: int = 3) -> list[str]:
        """Close names (for messages), best first."""
        import difflib

        key = normalise(text)
        labels: dict[str, str] = {}
        for name, ranks in self._names.items():
            for candidates in ranks.values():
                for c in candidates:
                    if c.kind in kinds:
                        # A code is suggested as typed; any other name (an alternative or
                        # hidden label, a short form) by the resource's own label.
                        labels.setdefault(name, name if name.isdigit() else c.label)
        close = difflib.get_close_matches(key, list(labels), n=limit * 3, cutoff=0.75)
        return list(dict.fromkeys(labels[name] for name in close))[:limit]
