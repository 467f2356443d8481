"""From a question to one stored query and its parameters, or an honest abstention.

:class:`Interpreter` finds the question's values (:mod:`.values`), fills each stored
query's parameters with them exactly as the parameters resolve names, scores every query
(:mod:`.intent`) and keeps the best one only when it is clearly good enough: otherwise it
abstains and offers the three nearest stored questions. The question's text never becomes
query syntax: what it yields is a stored query's name and parameter values (resource IRIs,
years, integers, a short text), which :mod:`aula_kg.answering` checks and binds like any
other parameter values.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..catalog import RESOURCE_TYPES, Catalog, StoredQuery
from ..territories import Candidate, NameIndex
from .intent import (
    QUOTED,
    QUOTED_WORD,
    IntentModel,
    Profile,
    Scored,
    content,
    mention_stems,
    quoted_texts,
)
from .normalise import STOPWORDS, accent_map, check, stem, typed_words
from .values import Lexicon, Mention, Reading, literal_mentions

#: Below this score, or this share of the question's words explained, it abstains.
MIN_SCORE = 0.55
MIN_COVERAGE = 0.4
#: An alternative query is offered when it scores at least this share of the best.
ALTERNATIVE_SHARE = 0.8

#: Value fit: each value a parameter takes, each value left over, each required parameter
#: the question does not give.
USED, UNUSED_NAME, UNUSED_LITERAL, MISSING = 0.12, 0.15, 0.05, 0.6


@dataclass
class Value:
    """A parameter's value as the question gives it."""

    parameter: str
    type: str
    typed: str
    #: What the stored query receives: a resource's IRI, or the literal's text.
    value: str
    label: str
    others: list[Candidate] = field(default_factory=list)
    ambiguous: bool = False
    fuzzy: bool = False
    #: The resource's kind (commune, pair, epci...), None for a literal.
    kind: str | None = None

    @property
    def json_value(self) -> str | int:
        return int(self.value) if self.type in ("year", "integer") else self.value


@dataclass
class Choice:
    """One reading: a stored query and its values."""

    query: StoredQuery
    values: dict[str, Value]
    missing: list[str]
    score: float = 0.0
    used: int = 0
    unused_names: int = 0
    unused_literals: int = 0
    used_mentions: frozenset[int] = frozenset()

    @property
    def given(self) -> dict[str, str]:
        return {name: value.value for name, value in self.values.items()}

    @property
    def fit(self) -> float:
        return (USED * self.used - UNUSED_NAME * self.unused_names
                - UNUSED_LITERAL * self.unused_literals - MISSING * len(self.missing))


@dataclass
class Interpretation:
    question: str
    lang: str
    choice: Choice | None
    confidence: float
    alternatives: list[Choice]
    #: The nearest stored questions: (stored query, example question), best first.
    nearest: list[tuple[StoredQuery, str]]
    mentions: list[Mention]


class Interpreter:
    """Reads questions against one catalogue and one name index."""

    def __init__(self, catalog: Catalog, names: NameIndex):
        queries = [q for q in catalog if not q.name.endswith("-violation")]
        kinds = frozenset(k for q in queries for p in q.parameters
                          for k in RESOURCE_TYPES.get(p.type, ()))
        self.lexicon = Lexicon(names, kinds)
        self.model = IntentModel(queries, self.lexicon)
        texts = [text for q in queries for lang in sorted(q.questions)
                 for text in q.questions[lang]]
        texts += sorted({c.label for _key, _rank, c in names.entries()})
        self.accents = accent_map(texts)

    def interpret(self, question: str, lang: str = "fr") -> Interpretation:
        text = check(question)
        quoted = quoted_texts(text)
        pairs = typed_words(QUOTED.sub(f" {QUOTED_WORD} ", text))
        found = [folded for folded, _ in pairs]
        typed = [original for _, original in pairs]
        mentions = self.lexicon.find(found, self.model.known)
        taken = {i for m in mentions for i in range(m.start, m.end)}
        mentions = sorted(mentions + literal_mentions(found, taken), key=lambda m: m.start)
        # Shown as typed ("Béthune-Bruay" reads better than "bethune bruay").
        mentions = [replace(m, typed=" ".join(typed[m.start:m.end])) for m in mentions]
        stems = self.model.mend(content(found, mentions))
        mended = dict(zip(_content_positions(found, mentions), stems, strict=False))

        # One resolution per (value, parameter type), shared by every query's filling.
        readings: dict[tuple[int, str], Reading | None] = {}
        choices = {p.query.name: self._fill(p, mentions, found, typed, mended, quoted, readings)
                   for p in self.model.profiles}
        unused = {n: [s for index, m in enumerate(mentions)
                      if m.role == "name" and index not in c.used_mentions
                      for s in mention_stems(found, m)]
                  for n, c in choices.items()}
        scored = self.model.score(stems, {n: c.fit for n, c in choices.items()}, unused)
        for entry in scored:
            choices[entry.profile.query.name].score = entry.score
        nearest = [(s.profile.query, s.nearest.get(lang) or s.nearest.get("fr", ""))
                   for s in scored[:3] if s.nearest]
        best = scored[0] if scored else None
        if (best is None or best.score < MIN_SCORE or best.coverage < MIN_COVERAGE
                or choices[best.profile.query.name].missing):
            return Interpretation(text, lang, None, _confidence(best),
                                  [], nearest, mentions)
        choice = choices[best.profile.query.name]
        alternatives = _other_readings(choice)
        for entry in scored[1:]:
            other = choices[entry.profile.query.name]
            if (entry.score >= ALTERNATIVE_SHARE * best.score and entry.score >= MIN_SCORE * 0.8
                    and not other.missing):
                alternatives.append(other)
        return Interpretation(text, lang, choice, _confidence(best), alternatives[:3],
                              nearest, mentions)

    # -- filling a query's parameters -----------------------------------------------------

    def _fill(self, profile: Profile, mentions: list[Mention], found: list[str],
              typed: list[str], mended: dict[int, str], quoted: list[str],
              readings: dict[tuple[int, str], Reading | None]) -> Choice:
        query = profile.query
        used: set[int] = set()
        values: dict[str, Value] = {}
        missing: list[str] = []
        for parameter in query.parameters:
            value = None
            if parameter.type in RESOURCE_TYPES:
                value = self._resource(parameter.name, parameter.type, mentions, used,
                                       readings)
            elif parameter.type in ("year", "integer"):
                role = "year" if parameter.type == "year" else "percent"
                for index, mention in enumerate(mentions):
                    if index not in used and mention.role == role:
                        used.add(index)
                        value = Value(parameter.name, parameter.type, mention.typed,
                                      mention.literal or mention.typed, mention.typed)
                        break
            else:
                words = quoted or [self.accents.get(w, w) for w in
                                   _leftover(profile, found, typed, mended, mentions)]
                if words:
                    joined = " ".join(words)[: parameter.max_length]
                    value = Value(parameter.name, parameter.type, joined, joined, joined)
            if value is not None:
                values[parameter.name] = value
            elif parameter.required and parameter.default is None:
                missing.append(parameter.name)
        names_left = sum(1 for i, m in enumerate(mentions)
                         if i not in used and m.role == "name" and not m.scope)
        literals_left = sum(1 for i, m in enumerate(mentions)
                            if i not in used and m.role != "name")
        return Choice(query, values, missing, used=len(used) + (1 if any(
            v.type == "text" for v in values.values()) else 0),
            unused_names=names_left, unused_literals=literals_left,
            used_mentions=frozenset(used))

    def _resource(self, pname: str, ptype: str, mentions: list[Mention], used: set[int],
                  readings: dict[tuple[int, str], Reading | None]) -> Value | None:
        kinds = RESOURCE_TYPES[ptype]
        for index, mention in enumerate(mentions):
            if index in used or mention.role != "name" or not mention.kinds & kinds:
                continue
            memo = (index, ptype)
            if memo not in readings:
                readings[memo] = self.lexicon.read(mention, kinds, pname)
            reading = readings[memo]
            if reading is None:
                continue
            used.add(index)
            chosen = reading.candidate
            return Value(pname, ptype, mention.typed, str(chosen.iri), chosen.label,
                         reading.others, reading.ambiguous, mention.fuzzy, chosen.kind)
        return None


def _content_positions(found: list[str], mentions: list[Mention]) -> list[int]:
    """The word positions :func:`.intent.content` keeps, in order (a value: its first)."""
    taken = {i: m for m in mentions for i in range(m.start, m.end)}
    positions = []
    for i, word in enumerate(found):
        mention = taken.get(i)
        if mention is not None:
            if i == mention.start:
                positions.append(i)
            continue
        if word in STOPWORDS or word.isdigit() or word == "%":
            continue
        positions.append(i)
    return positions


def _leftover(profile: Profile, found: list[str], typed: list[str], mended: dict[int, str],
              mentions: list[Mention]) -> list[str]:
    """The words a text parameter receives: those that say nothing of the query itself,
    as typed. None unless the question also uses the query's own words (a search needs
    to be asked for: "actions qui parlent de vélo", not just "vélo")."""
    taken = {i for m in mentions for i in range(m.start, m.end)}
    own = [i for i, s in mended.items()
           if not s.startswith("_") and profile.weights.get(s, 0.0) >= 0.8]
    if not own:
        return []
    return [typed[i] for i, s in sorted(mended.items())
            if i not in taken and profile.weights.get(s, 0.0) < 0.8 and found[i] != QUOTED_WORD
            and stem(found[i]) not in STOPWORDS]


def _other_readings(choice: Choice) -> list[Choice]:
    """The same query with another resource for an ambiguous name."""
    readings = []
    for name, value in choice.values.items():
        for other in value.others:
            values = dict(choice.values)
            values[name] = Value(name, value.type, value.typed, str(other.iri), other.label,
                                 kind=other.kind)
            readings.append(Choice(choice.query, values, [], choice.score))
    return readings


def _confidence(best: Scored | None) -> float:
    """How well the words match, 0 to 1: the mean of coverage and closeness of the best
    query (the values' fit, which can push the score past 1, left out)."""
    if best is None:
        return 0.0
    return round(max(0.0, min(1.0, 0.5 * best.coverage + 0.5 * best.closeness)), 2)
