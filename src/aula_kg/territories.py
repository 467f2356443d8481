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
import sqlite3
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import URIRef

from . import vocab
from .errors import AmbiguousName, InputError, ParameterError
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
    """An index of the names of one store's territories, programmes and concepts.

    ``NameIndex(store)`` reads the names from the store (seconds on the national graph);
    the build writes the same index to a file (:meth:`write`) that :meth:`open` reads in
    milliseconds: exact lookups (what a stored query's parameter needs) query the file, and
    the whole index is loaded only when a reader scans it (search, suggestions, lists).
    """

    def __init__(self, store: Store):
        self._names: dict[str, dict[int, set[Candidate]]] = {}
        self._iris: dict[URIRef, Candidate] = {}
        self._file: _NameFile | None = None
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

    @classmethod
    def open(cls, path: Path) -> NameIndex:
        """The index :meth:`write` wrote to ``path`` (InputError when it is unreadable)."""
        index = cls.__new__(cls)
        index._names, index._iris = {}, {}
        index._file = _NameFile(Path(path))
        return index

    def write(self, path: Path) -> None:
        """Write the index to ``path`` (SQLite), atomically."""
        self.load()
        _NameFile.write(Path(path), self._iris.values(), self.entries())

    def load(self) -> NameIndex:
        """Read the whole index into memory (a no-op when it is there already)."""
        if self._file is not None:
            self._names, self._iris = self._file.everything()
            self._file = None
        return self

    def _add(self, name: str, rank: int, candidate: Candidate) -> None:
        key = normalise(name)
        if key:
            self._names.setdefault(key, {}).setdefault(rank, set()).add(candidate)
        self._iris.setdefault(candidate.iri, candidate)

    def _by_key(self, key: str) -> dict[int, set[Candidate]]:
        names_file = self._file
        return names_file.by_key(key) if names_file is not None else self._names.get(key, {})

    def _by_iri(self, iri: URIRef) -> Candidate | None:
        names_file = self._file
        return names_file.by_iri(str(iri)) if names_file is not None else self._iris.get(iri)

    def entries(self):
        """Every (normalised name, rank, candidate) of the index, for readers that look for
        names inside a longer text (aula_kg.ask)."""
        self.load()
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
        by_rank = self._by_key(normalise(text))
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
            candidate = self._by_iri(URIRef(value))
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
        return self._by_iri(URIRef(str(iri)))

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
        self.load()
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
        names_file = self._file
        if names_file is not None:  # in that order in the file: no need to load it all
            return names_file.in_order(kinds)
        found = {c.iri: c for c in self._iris.values() if c.kind in kinds}
        return sorted(found.values(), key=lambda c: (collation_key(c.label), str(c.iri)))

    def suggest(self, text: str, kinds: set[str], limit: int = 3) -> list[str]:
        """Close names (for messages), best first."""
        import difflib

        key = normalise(text)
        self.load()
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


class _NameFile:
    """A name index in SQLite: candidates (IRI, display name, kind) and the normalised names
    that point at them, with their rank. Lookups take turns on one connection (the server
    asks from several threads)."""

    FORMAT = "2"

    def __init__(self, path: Path):
        try:
            self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True,
                                       check_same_thread=False)
            found = self._db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        except sqlite3.Error as exc:
            raise InputError(code="names.unreadable", path=str(path), reason=str(exc)) from None
        if found is None or found[0] != self.FORMAT:
            raise InputError(code="names.unreadable", path=str(path),
                             reason=f"format {found[0] if found else None}")
        self._lock = threading.Lock()

    def by_key(self, key: str) -> dict[int, set[Candidate]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT n.rank, c.iri, c.label, c.kind FROM name n "
                "JOIN candidate c ON c.id = n.candidate WHERE n.key = ?", (key,)).fetchall()
        found: dict[int, set[Candidate]] = {}
        for rank, iri, label, kind in rows:
            found.setdefault(rank, set()).add(Candidate(URIRef(iri), label, kind))
        return found

    def by_iri(self, iri: str) -> Candidate | None:
        with self._lock:
            row = self._db.execute("SELECT iri, label, kind FROM candidate WHERE iri = ? "
                                   "ORDER BY id LIMIT 1", (iri,)).fetchone()
        return None if row is None else Candidate(URIRef(row[0]), row[1], row[2])

    def in_order(self, kinds: set[str]) -> list[Candidate]:
        with self._lock:
            rows = self._db.execute("SELECT iri, label, kind FROM candidate "
                                    "WHERE position IS NOT NULL ORDER BY position").fetchall()
        return [Candidate(URIRef(iri), label, kind) for iri, label, kind in rows
                if kind in kinds]

    def everything(self) -> tuple[dict[str, dict[int, set[Candidate]]], dict[URIRef, Candidate]]:
        with self._lock:
            candidates = self._db.execute(
                "SELECT id, iri, label, kind FROM candidate ORDER BY id").fetchall()
            names = self._db.execute("SELECT key, rank, candidate FROM name").fetchall()
        by_id = {cid: Candidate(URIRef(iri), label, kind) for cid, iri, label, kind in candidates}
        iris: dict[URIRef, Candidate] = {}
        for candidate in by_id.values():
            iris.setdefault(candidate.iri, candidate)
        table: dict[str, dict[int, set[Candidate]]] = {}
        for key, rank, cid in names:
            table.setdefault(key, {}).setdefault(rank, set()).add(by_id[cid])
        return table, iris

    @classmethod
    def write(cls, path: Path, first: Iterable[Candidate],
              entries: Iterable[tuple[str, int, Candidate]]) -> None:
        """``first``: each IRI's own candidate (what :meth:`by_iri` answers), in order."""
        scratch = path.with_name(f".{path.name}.tmp")
        scratch.unlink(missing_ok=True)
        db = sqlite3.connect(scratch)
        try:
            db.executescript(
                "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                "CREATE TABLE candidate(id INTEGER PRIMARY KEY, iri TEXT NOT NULL, "
                "label TEXT NOT NULL, kind TEXT NOT NULL, position INTEGER);"
                "CREATE TABLE name(key TEXT NOT NULL, rank INTEGER NOT NULL, "
                "candidate INTEGER NOT NULL);")
            ids: dict[Candidate, int] = {}

            def candidate_id(candidate: Candidate) -> int:
                if candidate not in ids:
                    ids[candidate] = len(ids) + 1
                return ids[candidate]

            own = list(first)
            for candidate in own:
                candidate_id(candidate)
            # Each IRI's own candidate gets its place in French order (NameIndex.all).
            ordered = sorted(own, key=lambda c: (collation_key(c.label), str(c.iri)))
            position = {c: place for place, c in enumerate(ordered)}
            rows = [(key, rank, candidate_id(c)) for key, rank, c in entries]
            db.executemany("INSERT INTO candidate VALUES (?, ?, ?, ?, ?)",
                           [(i, str(c.iri), c.label, c.kind, position.get(c))
                            for c, i in ids.items()])
            db.executemany("INSERT INTO name VALUES (?, ?, ?)", rows)
            db.executescript("CREATE INDEX name_key ON name(key);"
                             "CREATE INDEX candidate_iri ON candidate(iri, id);")
            db.execute("INSERT INTO meta VALUES ('format', ?)", (cls.FORMAT,))
            db.commit()
        finally:
            db.close()
        scratch.rename(path)  # atomic on POSIX, as os.replace
