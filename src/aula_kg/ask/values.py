"""The values a question names: territories, programmes, recommendations, statuses and
urban functions found in the graph's own names, and years and percentages in its digits.

Names come from the one resolver the stored-query parameters use
(:class:`aula_kg.territories.NameIndex`: labels, SKOS alternative and hidden labels,
abbreviations, INSEE codes, SIREN), so a value the question names is a value the
parameter accepts. Matching is on the words of :mod:`.normalise` (no accents, elisions,
plurals); small words inside names (de, la, lès...) are ignored on both sides, so "CA Lens
Lievin" meets "CA de Lens - Liévin". A near miss ("Lievn", "Bethune Bruai") is found with
rapidfuzz, only for words that are not the ordinary words of the stored questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from .. import vocab
from ..catalog import RESOURCE_TYPES
from ..errors import AmbiguousName, ParameterError
from ..territories import TERRITORY_KINDS, Candidate, NameIndex
from .normalise import STOPWORDS, stem, words

#: Small words ignored inside names.
FILLERS = frozenset({"de", "du", "des", "d", "l", "la", "le", "les", "lez", "sur", "et", "aux",
                     "au", "a", "s"})
#: The longest name, in words, looked for.
MAX_WORDS = 9
#: Kinds some stored-query parameter accepts: only these become values.
VALUE_KINDS = frozenset(k for kinds in RESOURCE_TYPES.values() for k in kinds)

#: Words after which a short number is a notation ("préconisation 5", "recommendation 2").
NOTATION_CUES = frozenset({"preconisation", "recommendation", "numero", "n"})

_PERCENT_WORDS = {"%", "pourcent", "pourcents", "percent"}


@dataclass(frozen=True)
class Mention:
    """A value named in the question: words ``start:end`` of it."""

    start: int
    end: int
    typed: str
    #: Index keys (territories.normalise forms) this name stands for, best rank first.
    keys: tuple[str, ...] = ()
    kinds: frozenset[str] = frozenset()
    #: "name", "year" or "percent".
    role: str = "name"
    literal: str | None = None
    fuzzy: bool = False
    #: It names the AULA territory itself, the scope of every stored query.
    scope: bool = False

    @property
    def group(self) -> str:
        """The value's type as the intent sees it."""
        if self.role != "name":
            return self.role
        if self.scope:
            return "scope"
        if self.kinds & TERRITORY_KINDS:
            return "territory"
        return sorted(self.kinds)[0]


@dataclass
class Reading:
    """One resolution of a mention for one parameter."""

    candidate: Candidate
    others: list[Candidate] = field(default_factory=list)
    ambiguous: bool = False


def name_stems(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in words(text) if w not in FILLERS)


class Lexicon:
    """The names of one NameIndex, by their stems."""

    def __init__(self, names: NameIndex, kinds: frozenset[str] = VALUE_KINDS):
        """``kinds``: the kinds of resource some parameter takes; other names stay words."""
        self.names = names
        self.exact: dict[tuple[str, ...], dict[str, set[str]]] = {}
        ranks: dict[str, int] = {}
        #: Short numbers that are notations ("préconisation 5"): only read after a word
        #: naming their scheme, never alone (they would catch any small number).
        self.notations: dict[str, dict[str, set[str]]] = {}
        entries = list(names.entries())
        self._scope_keys = {key for key, _r, c in entries if c.iri == vocab.AULA_TERRITORY}
        # Each name stemmed once (a key has several entries; 112,000 on the national graph).
        stems_of: dict[str, tuple[str, ...]] = {}
        for key, _rank, _candidate in entries:
            if key not in stems_of:
                # Codes (INSEE, SIREN: most names of the national graph) are their own stem.
                stems_of[key] = (key,) if key.isdigit() else name_stems(key)
        #: Every name of the index with its stems (for the other readings of a name).
        self._all = [(stems_of[key], candidate) for key, _rank, candidate in entries]
        for key, rank, candidate in entries:
            if candidate.kind not in kinds:
                continue
            if key.isdigit() and len(key) < 5:
                self.notations.setdefault(key, {}).setdefault(key, set()).add(candidate.kind)
                continue
            stems = stems_of[key]
            if not stems:
                continue
            self.exact.setdefault(stems, {}).setdefault(key, set()).add(candidate.kind)
            ranks[key] = min(rank, ranks.get(key, rank))
        self._rank = ranks
        #: Index key -> the kinds it names (to skip a resolution that cannot succeed).
        self._key_kinds: dict[str, set[str]] = {}
        for by_key in list(self.exact.values()) + list(self.notations.values()):
            for key, key_kinds in by_key.items():
                self._key_kinds.setdefault(key, set()).update(key_kinds)
        for key in self.notations:
            ranks.setdefault(key, 1)
        self.longest = min(MAX_WORDS, max((len(s) for s in self.exact), default=1))
        self._fuzzy: dict[int, list[str]] = {}
        self._fuzzy_stems: dict[str, tuple[str, ...]] = {}
        for stems in sorted(self.exact):
            joined = " ".join(stems)
            if len(joined) >= 5 and not joined.replace(" ", "").isdigit():
                self._fuzzy.setdefault(len(stems), []).append(joined)
                self._fuzzy_stems[joined] = stems

    def _mention(self, start: int, end: int, typed: list[str], stems: tuple[str, ...],
                 fuzzy: bool) -> Mention:
        by_key = self.exact[stems]
        keys = tuple(sorted(by_key, key=lambda k: (self._rank[k], k)))
        kinds = frozenset(k for ks in by_key.values() for k in ks)
        scope = all(key in self._scope_keys for key in keys)
        return Mention(start, end, " ".join(typed), keys, kinds, fuzzy=fuzzy, scope=scope)

    def find(self, question_words: list[str], known: set[str] | None) -> list[Mention]:
        """The names in ``question_words``, longest first, left to right. ``known``: the
        stems of the stored questions' ordinary words, never taken for a near-miss name
        (None: exact names only)."""
        stems = [stem(w) for w in question_words]
        found: list[Mention] = []
        i = 0
        while i < len(stems):
            mention = self._at(i, question_words, stems, known)
            if mention is None:
                i += 1
                continue
            if known is not None and mention.end - i >= 2 and stems[i] in known:
                mention = self._without_first_word(mention, question_words, stems)
            found.append(mention)
            i = mention.end
        return found

    def _without_first_word(self, mention: Mention, typed: list[str],
                            stems: list[str]) -> Mention:
        """"actions cœur de ville": "actions" asks, "cœur de ville" names. When a name's
        first word is an ordinary word of the stored questions and the rest names the same
        kinds of thing, the first word is left to the question."""
        start = mention.start + 1
        while start < mention.end and typed[start] in FILLERS:
            start += 1
        rest = tuple(s for s, w in zip(stems[start:mention.end], typed[start:mention.end],
                                       strict=True) if w not in FILLERS)
        if rest in self.exact and not mention.fuzzy:
            shorter = self._mention(start, mention.end, typed[start:mention.end], rest, False)
            if shorter.kinds == mention.kinds:
                return shorter
        return mention

    def _at(self, i: int, typed: list[str], stems: list[str],
            known: set[str] | None) -> Mention | None:
        if typed[i] in FILLERS:
            return None
        if typed[i] in self.notations and i > 0 and stems[i - 1] in NOTATION_CUES:
            by_key = self.notations[typed[i]]
            return Mention(i, i + 1, typed[i], (typed[i],),
                           frozenset(k for ks in by_key.values() for k in ks))
        for n in range(min(self.longest, len(stems) - i), 0, -1):
            span = stems[i:i + n]
            if typed[i + n - 1] in FILLERS:
                continue
            key = tuple(s for s, w in zip(span, typed[i:i + n], strict=True) if w not in FILLERS)
            if key in self.exact:
                return self._mention(i, i + n, typed[i:i + n], key, False)
            if known is None or any(s in known or w in STOPWORDS and w not in FILLERS or w.isdigit()
                   for s, w in zip(span, typed[i:i + n], strict=True)):
                continue
            joined = " ".join(key)
            if len(joined) < 5 or len(key) not in self._fuzzy:
                continue
            cutoff = 90 if len(joined) < 8 else 86
            hit = process.extractOne(joined, self._fuzzy[len(key)], scorer=fuzz.ratio,
                                     score_cutoff=cutoff)
            if hit is not None:
                return self._mention(i, i + n, typed[i:i + n], self._fuzzy_stems[hit[0]], True)
        return None

    # -- resolution, exactly as a parameter resolves -------------------------------------

    def read(self, mention: Mention, kinds: set[str], parameter: str) -> Reading | None:
        """What ``mention`` means for a parameter accepting ``kinds`` (None: nothing)."""
        for key in mention.keys:
            if not self._key_kinds.get(key, set()) & kinds:
                continue
            try:
                chosen = self.names.resolve(key, kinds, parameter)
            except AmbiguousName as exc:
                found = [self.names.resolve(iri, kinds, parameter) for iri, _ in exc.candidates]
                return Reading(found[0], found[1:], ambiguous=True)
            except ParameterError:
                continue
            return Reading(chosen, self._other_readings(mention, chosen, kinds))
        return None

    def _other_readings(self, mention: Mention, chosen: Candidate,
                        kinds: set[str]) -> list[Candidate]:
        """Other resources the same words could name ("Béthune-Bruay": the pair, or the
        CA de Béthune-Bruay): the mention's keys at other ranks, and for a name of two
        words or more, the names that contain it."""
        others: dict[str, Candidate] = {}
        stems = name_stems(" ".join(mention.keys[:1]))
        containing = len(stems) >= 2
        for key_stems, candidate in self._all:
            if candidate.kind not in kinds or candidate.iri == chosen.iri:
                continue
            if key_stems == stems or containing and _contains(key_stems, stems):
                others.setdefault(str(candidate.iri), candidate)
        order = {"epci": 0, "pair": 1, "commune": 2, "territory": 3}
        return sorted(others.values(), key=lambda c: (order.get(c.kind, 9), c.label))[:2]


def _contains(outer: tuple[str, ...], inner: tuple[str, ...]) -> bool:
    n = len(inner)
    return any(outer[i:i + n] == inner for i in range(len(outer) - n + 1))


def literal_mentions(question_words: list[str], taken: set[int]) -> list[Mention]:
    """Years (1800-2200) and percentages ("5 %", "tolerance de 3") among the words."""
    found = []
    for i, word in enumerate(question_words):
        if i in taken or not re.fullmatch(r"\d{1,4}", word):
            continue
        after = question_words[i + 1] if i + 1 < len(question_words) else ""
        before = question_words[max(0, i - 2):i]
        if after in _PERCENT_WORDS or after == "pour" and i + 2 < len(question_words) and \
                question_words[i + 2] == "cent" or any(w.startswith("toleran") for w in before):
            found.append(Mention(i, i + 1, word, role="percent", literal=str(int(word))))
        elif len(word) == 4 and 1800 <= int(word) <= 2200:
            found.append(Mention(i, i + 1, word, role="year", literal=word))
    return found
