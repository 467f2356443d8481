"""A question as words: checks, then case, accents, elisions, punctuation and plurals.

Every later step (values, intent) compares these words, never the raw text, so "Quelles
préconisations restent inexplorées à Lens-Liévin ?" and "quelles preconisation reste
inexplorees a lens lievin" read the same. Deterministic and dependency-free.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from ..errors import InputError

#: Longer questions are refused (a sentence a planner types fits well within this).
MAX_LENGTH = 500

_ELIDED = {"l", "d", "qu", "j", "n", "s", "c", "m", "t", "jusqu", "lorsqu", "puisqu"}

#: Function words of both languages: they say nothing about which stored query fits.
STOPWORDS = frozenset("""
a au aux avec ce ces cet cette chaque comme dans de des du donc elle elles en est et etc
il ils je la le les leur leurs lui ma mais me meme mes moi mon ne nos notre nous on
par pour qu que quel quelle quelles quels qui sa se ses si son sont sur ta te tes
toi ton tu un une vos votre vous y ya sont ete etre avoir ont a-t-il t il donne moi svp
stp merci bonjour sil plait peux peut pourrais pouvez voudrais veux aimerais savoir dire
liste lister affiche afficher montre montrer donner donne connaitre voir trouve trouver
the of in on at to for and or is are was were be been what which who whom whose how many
much do does did show me list give tell find please an by with from about there their it
its this that these those i we you can could would all any some
""".split())

_APOSTROPHES = "'\u2019\u2018`\u00b4"


def check(question: object) -> str:
    """The question as text, or InputError with a message a person can act on."""
    if not isinstance(question, str) or not question.strip():
        raise InputError(code="ask.empty")
    if len(question) > MAX_LENGTH:
        raise InputError(code="ask.too_long", length=len(question), max_length=MAX_LENGTH)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in question):
        raise InputError(code="ask.control_characters")
    return question.strip()


def fold(text: str) -> str:
    """Lower case, no accents, œ/æ spelt out."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def words(text: str) -> list[str]:
    """'Qu'est-ce que l'agglo de Lens ?' -> ['est', 'ce', 'que', 'agglo', 'de', 'lens'].

    Elisions (l', d', qu'...) are dropped, hyphens and punctuation split words, a
    percent sign stays a word of its own."""
    return [folded for folded, _typed in typed_words(text)]


def typed_words(text: str) -> list[tuple[str, str]]:
    """Each word folded and as typed (lower case, accents kept): the typed form is what a
    text parameter receives."""
    spaced = text.lower()
    for mark in _APOSTROPHES:
        spaced = spaced.replace(mark, " ' ")
    tokens = re.findall(r"[^\W_]+|%|'", spaced.replace("%", " % "))
    out: list[tuple[str, str]] = []
    for i, token in enumerate(tokens):
        if token == "'":
            continue
        folded = re.sub(r"[^a-z0-9%]", "", fold(token))
        if not folded:
            continue
        elided = i + 1 < len(tokens) and tokens[i + 1] == "'"
        if elided and folded in _ELIDED:
            continue
        out.append((folded, token))
    return out


def stem(word: str) -> str:
    """A light plural and feminine fold: 'preconisations' and 'preconisation' meet,
    'lancees' and 'lance', 'realisees' and 'realise'. Numbers are left alone."""
    if word.isdigit() or len(word) <= 3:
        return word
    for suffix, keep in (("aux", "al"), ("ees", "e"), ("ee", "e"), ("es", "e"), ("s", ""),
                         ("x", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: len(word) - len(suffix)] + keep
    return word


def stems(text: str) -> list[str]:
    return [stem(w) for w in words(text)]


def accent_map(texts: Iterable[str]) -> dict[str, str]:
    """Folded word -> its accented spelling, from ``texts`` (first spelling met wins;
    give the texts in a fixed order). A searched word typed without accents ("velo") gets
    the graph's spelling ("vélo"): the stored search compares accents."""
    spellings: dict[str, str] = {}
    for text in texts:
        for folded, typed in typed_words(text):
            if typed != folded and folded not in spellings and folded.isalpha():
                spellings[folded] = typed
    return spellings
