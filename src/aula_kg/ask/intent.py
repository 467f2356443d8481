"""Which stored query a question asks: its words against each query's example questions,
title, tags and description, and its values against the query's parameters.

Each stored query gets a profile: a weight per word stem (1 for a word of its example
questions, 0.8 of its title, 0.6 of its tags, 0.3 of its description), the example
questions themselves with their values replaced by their type (``_territory_``...), and its
parameters. A question scores, for each query:

* coverage: how much of the question's words (weighted by rarity across queries, like
  IDF) the query's profile holds; a word no stored query knows counts against every query,
  so "quel temps fait-il à Lens" covers nothing;
* closeness: rapidfuzz's token-set ratio between the question and the query's nearest
  example, both as word stems and value types;
* fit: a bonus for each value of the question a parameter takes, a penalty for a value no
  parameter takes and a larger one for a required parameter the question does not give.

Typos in ordinary words are mended against the words of the profiles (rapidfuzz ratio).
No randomness: ties fall to the query name.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from ..catalog import RESOURCE_TYPES, StoredQuery
from .normalise import STOPWORDS, stem, words
from .values import FILLERS, Lexicon, Mention, literal_mentions

#: Weight of a word by where the query's metadata has it.
WEIGHTS = {"examples": 1.0, "title": 0.8, "tags": 0.6, "description": 0.3}
QUOTED = re.compile(r"«\s*([^»]{1,100}?)\s*»|“\s*([^”]{1,100}?)\s*”|\"\s*([^\"]{1,100}?)\s*\"")


def quoted_texts(text: str) -> list[str]:
    """The texts between « », “ ” or straight double quotes."""
    return [next(g for g in groups if g).strip() for groups in QUOTED.findall(text)
            if any(g.strip() for g in groups)]
#: What a quoted text becomes among the words (a word no name or question uses).
QUOTED_WORD = "zzquotedzz"


def placeholder(group: str) -> str:
    return f"_{group}_"


def param_group(ptype: str) -> str:
    if ptype in ("territory", "commune", "epci"):
        return "territory"
    return ptype


@dataclass
class Profile:
    query: StoredQuery
    weights: dict[str, float] = field(default_factory=dict)
    #: (language, example as written, its stems and value types joined by spaces)
    examples: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, stems: list[str], weight: float) -> None:
        for s in stems:
            if self.weights.get(s, 0.0) < weight:
                self.weights[s] = weight


@dataclass
class Scored:
    profile: Profile
    score: float
    coverage: float
    closeness: float
    nearest: dict[str, str]


class IntentModel:
    """The profiles of a catalogue's stored queries (not the ``*-violation`` checks)."""

    def __init__(self, queries: list[StoredQuery], lexicon: Lexicon):
        self.lexicon = lexicon
        self.profiles: list[Profile] = []
        for query in sorted(queries, key=lambda q: q.name):
            if query.name.endswith("-violation"):
                continue
            profile = Profile(query)
            for lang, questions in sorted(query.questions.items()):
                for text in questions:
                    content, named = self.example_content(text)
                    profile.add(content, WEIGHTS["examples"])
                    # A name's words are words too, for a question that uses them otherwise
                    # ("qui a lancé PVD": "lancé" is no status there).
                    profile.add(named, WEIGHTS["examples"])
                    profile.examples.append((lang, text, " ".join(content)))
            for lang in ("fr", "en"):
                profile.add(self.plain_content(query.title.get(lang, "")), WEIGHTS["title"])
                profile.add(self.plain_content(query.description.get(lang, "")),
                            WEIGHTS["description"])
            profile.add(self.plain_content(" ".join(query.tags)), WEIGHTS["tags"])
            self.profiles.append(profile)
        count = len(self.profiles) or 1
        frequency: dict[str, int] = {}
        for profile in self.profiles:
            for s in profile.weights:
                frequency[s] = frequency.get(s, 0) + 1
        self.idf = {s: math.log(1 + count / n) for s, n in frequency.items()}
        self.unknown_idf = math.log(1 + count)
        self.vocabulary = sorted(s for s in self.idf if not s.startswith("_"))
        self.known = set(self.vocabulary)

    # -- words of the metadata ------------------------------------------------------------

    def example_content(self, text: str) -> tuple[list[str], list[str]]:
        """An example's stems with its values (exact names, years, « text ») as their types,
        and the stems of its names' words."""
        found = words(QUOTED.sub(f" {QUOTED_WORD} ", text))
        mentions = self.lexicon.find(found, None)  # exact names only
        taken = {i for m in mentions for i in range(m.start, m.end)}
        mentions = sorted(mentions + literal_mentions(found, taken), key=lambda m: m.start)
        return content(found, mentions), [s for m in mentions if m.role == "name"
                                          for s in mention_stems(found, m)]

    def plain_content(self, text: str) -> list[str]:
        return [stem(w) for w in words(text) if w not in STOPWORDS and not w.isdigit()]

    # -- a question -----------------------------------------------------------------------

    def mend(self, stems: list[str]) -> list[str]:
        """Each unknown stem replaced by the closest known one (typos), when close enough."""
        mended = []
        for s in stems:
            if s in self.known or s.startswith("_") or len(s) < 4:
                mended.append(s)
                continue
            hit = process.extractOne(s, self.vocabulary, scorer=fuzz.ratio, score_cutoff=80)
            mended.append(hit[0] if hit else s)
        return mended

    def score(self, stems: list[str], fits: dict[str, float],
              unused: dict[str, list[str]] | None = None) -> list[Scored]:
        """Every profile scored for the question's content ``stems`` (mended), best first.
        ``fits``: query name -> the value fit computed by the caller; ``unused``: query
        name -> the stems of the names that query takes no value from (read as words)."""
        # Coverage counts words only: the values' types weigh in through the fit.
        plain = [s for s in stems if not s.startswith("_")]
        joined = " ".join(stems)
        scored = []
        for profile in self.profiles:
            counted = plain + (unused or {}).get(profile.query.name, [])
            weights = [self.idf.get(s, self.unknown_idf) for s in counted]
            total = sum(weights) or 1.0
            covered = sum(w * profile.weights.get(s, 0.0)
                          for s, w in zip(counted, weights, strict=True))
            coverage = covered / total if counted else 0.0
            nearest: dict[str, str] = {}
            best_by_lang: dict[str, float] = {}
            closeness = 0.0
            for lang, text, example in profile.examples:
                ratio = fuzz.token_sort_ratio(joined, example) / 100 if joined else 0.0
                if ratio > best_by_lang.get(lang, -1.0):
                    best_by_lang[lang] = ratio
                    nearest[lang] = text
                closeness = max(closeness, ratio)
            fit = fits.get(profile.query.name, 0.0)
            total_score = 0.5 * coverage + 0.5 * closeness + fit
            scored.append(Scored(profile, total_score, coverage, closeness, nearest))
        scored.sort(key=lambda s: (-round(s.score, 9), s.profile.query.name))
        return scored


def content(found: list[str], mentions: list[Mention]) -> list[str]:
    """The stems that say what is asked: values as their types, no stop words, no digits."""
    taken = {i: m for m in mentions for i in range(m.start, m.end)}
    out: list[str] = []
    for i, word in enumerate(found):
        mention = taken.get(i)
        if mention is not None:
            if i == mention.start:
                out.append(placeholder(mention.group))
            continue
        if word in STOPWORDS or word.isdigit() or word == "%":
            continue
        out.append(placeholder("text") if word == QUOTED_WORD else stem(word))
    return out


def mention_stems(found: list[str], mention: Mention) -> list[str]:
    """The stems of a name's own words (no small words)."""
    return [stem(w) for w in found[mention.start:mention.end]
            if w not in STOPWORDS and w not in FILLERS and not w.isdigit()]


def accepts(query: StoredQuery) -> dict[str, set[str]]:
    """Parameter name -> the kinds of named resource it accepts."""
    return {p.name: RESOURCE_TYPES[p.type] for p in query.parameters if p.type in RESOURCE_TYPES}
