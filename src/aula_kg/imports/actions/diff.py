"""What an import would add, change and remove among the actions (``--dry-run`` shows it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from ... import messages, vocab
from ...vocab import AULA
from .columns import ALL_COLUMNS, COLUMN_OF_PREDICATE, COLUMNS


@dataclass
class Diff:
    added: list[str] = field(default_factory=list)
    changed: list[tuple[str, list[str]]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def lines(self, lang: str = "fr") -> list[str]:
        out = [messages.render("actions.diff_added", {"action": a}, lang) for a in self.added]
        for iri, columns in self.changed:
            names = ", ".join(ALL_COLUMNS[c].header(lang) for c in columns) or "-"
            out.append(messages.render("actions.diff_changed", {"action": iri, "columns": names},
                                       lang))
        out += [messages.render("actions.diff_removed", {"action": r}, lang)
                for r in self.removed]
        return out

    def summary(self, lang: str = "fr") -> str:
        return messages.render("actions.diff_summary", {
            "added": len(self.added), "changed": len(self.changed),
            "removed": len(self.removed)}, lang)


def _closure(graph: Graph, subject: URIRef) -> set:
    """The action's statements, and those of the free citations it cites."""
    triples = set(graph.triples((subject, None, None)))
    for _, _, obj in list(triples):
        if isinstance(obj, URIRef) and vocab.is_citation(obj):
            triples |= set(graph.triples((obj, None, None)))
    return triples


def diff_actions(old: Graph, new: Graph) -> Diff:
    diff = Diff()
    before = set(old.subjects(RDF.type, AULA.Action))
    after = set(new.subjects(RDF.type, AULA.Action))

    def short(iri) -> str:
        return str(iri).removeprefix(str(vocab.ID))

    diff.added = sorted(short(a) for a in after - before)
    diff.removed = sorted(short(a) for a in before - after)
    order = [col.key for col in COLUMNS]
    for action in sorted(before & after, key=str):
        a, b = _closure(old, action), _closure(new, action)
        if a != b:
            columns = sorted({COLUMN_OF_PREDICATE.get(p, "source") for _, p, _ in a ^ b},
                             key=order.index)
            diff.changed.append((short(action), columns))
    return diff


def diff_censuses(old: Graph, new: Graph) -> Diff:
    """Censuses added, changed, removed (whole resources)."""
    diff = Diff()
    before = set(old.subjects(RDF.type, AULA.ActionCensus))
    after = set(new.subjects(RDF.type, AULA.ActionCensus))

    def short(iri) -> str:
        return str(iri).removeprefix(str(vocab.ID))

    diff.added = sorted(short(c) for c in after - before)
    diff.removed = sorted(short(c) for c in before - after)
    for census in sorted(before & after, key=str):
        if set(old.predicate_objects(census)) != set(new.predicate_objects(census)):
            diff.changed.append((short(census), []))
    return diff
