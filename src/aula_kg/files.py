"""Every file aula-kg writes goes through here: one atomic write, one canonical Turtle writer.

The atomic write (:func:`write_atomically`): the bytes go to a temporary file
``.NAME.XXXX.tmp`` in the target's directory, are flushed to disk (``fsync``), then replace
the target in one ``os.replace``. A reader sees the old file or the new one, never a part;
a writer killed half way leaves a temporary file, which readers ignore (it does not end in
``.ttl``, ``.trig``, ``.nq``...) and the next writer of that name sweeps. The write holds
the lock of the directory (:func:`aula_kg.locking.hold`, re-entrant: a job that already
holds it, such as a build or an import, just goes on), so two writers never interleave.

The canonical writer (:class:`TurtleWriter`): the same graph always gives the same bytes,
so that a diff of a committed file shows meaning and re-running an import changes nothing.
Fixed prefixes in a fixed order, subjects, predicates and objects in a fixed order, one
escaping of literals, names compacted by :func:`aula_kg.vocab.compactor`. It lays documents out
two ways: a TriG named graph (:func:`canonical_trig`, the open-data imports) and a Turtle
file in titled sections (:func:`canonical_turtle`, the planners' ``data/actions.ttl``).
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from . import locking, vocab

Triple = tuple[Node, Node, Node]
#: How terms sort: (IRI first, text, datatype, language).
SortKey = tuple[int, str, str, str]

#: Before each predicate after a subject's first line.
INDENT = "    "
#: Mode of a new file (an existing file keeps its own).
FILE_MODE = 0o644


def temporary_files(directory: Path, name: str) -> list[Path]:
    """The temporary files a killed writer of ``name`` may have left in ``directory``."""
    return locking.stale_temporaries(directory, name)


def write_atomically(path: Path, data: bytes, *, what: str = "aula-kg",
                     timeout: float | None = None) -> None:
    """Replace ``path`` with ``data`` in one step, holding the lock of its directory.

    The new file keeps the mode of the one it replaces (``0o644`` for a new file). On any
    failure the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    with locking.hold(path.parent, what, timeout, sweep=[path.name]):
        mode = path.stat().st_mode & 0o777 if path.exists() else FILE_MODE
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def write_if_changed(path: Path, data: bytes, *, what: str = "aula-kg",
                     timeout: float | None = None) -> bool:
    """:func:`write_atomically` unless ``path`` already holds ``data``; True when written."""
    with locking.hold(Path(path).parent, what, timeout, sweep=[Path(path).name]):
        if Path(path).is_file() and Path(path).read_bytes() == data:
            return False
        write_atomically(path, data, what=what, timeout=timeout)
        return True


# --------------------------------------------------------------------------- canonical RDF


def escape(text: str) -> str:
    """A string's body in a Turtle ``"..."`` literal: one line, whatever the text holds."""
    return (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            .replace("\r", "\\r").replace("\t", "\\t"))


def sort_key(term: Node) -> SortKey:
    """IRIs before literals, then by text, datatype and language."""
    return (
        0 if isinstance(term, URIRef) else 1,
        str(term),
        str(getattr(term, "datatype", "")),
        getattr(term, "language", "") or "",
    )


@dataclass(frozen=True)
class Layout:
    """How statements are laid out; each layout is canonical (same graph, same bytes).

    - ``indent``: before a subject (two spaces inside a TriG graph);
    - ``subject_alone``: the subject on a line of its own, its predicates below it;
    - ``objects``: what separates two objects of one predicate;
    - ``wrap_at``: when set, objects stay on the predicate's line (``objects``) unless the
      line grows past this width, then go one per line (``wrapped``).
    """

    indent: str = ""
    subject_alone: bool = False
    objects: str = ",\n        "
    wrap_at: int | None = None
    wrapped: str = " ,\n        "


#: The open-data TriG files: ``  subject`` then ``    predicate object,\n        object``.
TRIG_LAYOUT = Layout(indent="  ", subject_alone=True)
#: Hand-read Turtle files: ``subject predicate object , object`` wrapped past 100 columns.
TURTLE_LAYOUT = Layout(objects=" , ", wrap_at=100)


def _type_first(predicate: Node) -> tuple[bool, SortKey]:
    return (predicate != RDF.type, sort_key(predicate))


class TurtleWriter:
    """Terms and statement blocks of one document.

    ``prefixes`` are declared in their order and used to compact IRIs (longest namespace
    first); IRIs under ``base`` are written relative to it. ``predicate_key`` and
    ``object_key`` order a subject's statements (default: ``rdf:type`` first, then by
    :func:`sort_key`).
    """

    def __init__(
        self,
        prefixes: Mapping[str, str],
        layout: Layout,
        *,
        base: str | None = None,
        predicate_key: Callable[[Node], tuple[object, ...]] = _type_first,
        object_key: Callable[[Node], tuple[object, ...]] = sort_key,
    ) -> None:
        self.prefixes = dict(prefixes)
        self.layout = layout
        self.base = base
        self.compact = vocab.compactor(self.prefixes, turtle=True)
        self.predicate_key = functools.cache(predicate_key)
        self.object_key = functools.cache(object_key)
        # Terms recur (a class, a predicate, a year on thousands of lines): each is written once.
        self.term = functools.cache(self._term)
        self.verb = functools.cache(self._verb)

    def declarations(self) -> list[str]:
        lines = [f"@base <{self.base}> ."] if self.base else []
        return lines + [f"@prefix {prefix}: <{ns}> ." for prefix, ns in self.prefixes.items()]

    def _term(self, term: Node) -> str:
        if isinstance(term, URIRef):
            value = str(term)
            if self.base and value.startswith(self.base):
                return f"<{value[len(self.base):]}>"
            return self.compact(value) or f"<{value}>"
        if isinstance(term, Literal):
            body = f'"{escape(str(term))}"'
            if term.language:
                return f"{body}@{term.language}"
            if term.datatype is not None and term.datatype != XSD.string:
                return f"{body}^^{self.term(URIRef(term.datatype))}"
            return body
        raise TypeError(f"blank nodes are not written canonically: {term!r}")

    def _verb(self, predicate: Node) -> str:
        return "a" if predicate == RDF.type else self.term(predicate)

    def block(self, subject: Node, statements: Mapping[Node, Iterable[Node]]) -> str:
        """One subject and its statements, ending with `` .``."""
        layout = self.layout
        parts = []
        for predicate in sorted(statements, key=self.predicate_key):
            given = statements[predicate]
            if not isinstance(given, list) or len(given) > 1:  # most have one object
                given = sorted(set(given), key=self.object_key)
            objects = [self.term(o) for o in given]
            verb = self.verb(predicate)
            part = f"{verb} " + layout.objects.join(objects)
            if layout.wrap_at is not None and len(objects) > 1 and (
                    len(INDENT) + len(part) > layout.wrap_at):
                part = f"{verb} " + layout.wrapped.join(objects)
            parts.append(part)
        head = f"{layout.indent}{self.term(subject)}"
        head += f"\n{INDENT}" if layout.subject_alone else " "
        return head + f" ;\n{INDENT}".join(parts) + " ."


def group(triples: Iterable[Triple]) -> dict[Node, dict[Node, list[Node]]]:
    """subject -> predicate -> objects."""
    by_subject: dict[Node, dict[Node, list[Node]]] = {}
    for s, p, o in triples:
        by_subject.setdefault(s, {}).setdefault(p, []).append(o)
    return by_subject


def canonical_trig(triples: Iterable[Triple], graph_iri: URIRef, header: str,
                   prefixes: Mapping[str, str]) -> str:
    """A TriG document holding ``triples`` in the named graph ``graph_iri``, after a comment
    (``header``) and the ``prefixes``; subjects sorted by :func:`sort_key`."""
    writer = TurtleWriter(prefixes, TRIG_LAYOUT)
    out = [f"# {line}".rstrip() for line in header.splitlines()]
    out += writer.declarations()
    out += ["", f"{writer.term(graph_iri)} {{"]
    by_subject = group(triples)
    for subject in sorted(by_subject, key=functools.cache(sort_key)):
        out += [writer.block(subject, by_subject[subject]), ""]
    out.append("}")
    return "\n".join(out) + "\n"


def canonical_turtle(writer: TurtleWriter, triples: Iterable[Triple], comment: Sequence[str],
                     sections: Sequence[tuple[str, Sequence[Node]]]) -> str:
    """A Turtle document: the declarations, the ``comment`` lines, then each section as a
    ``### title`` line followed by its subjects' blocks, in the order given."""
    by_subject = group(triples)
    out = [*writer.declarations(), "", *comment]
    for title, subjects in sections:
        out += ["", f"### {title}"]
        for subject in subjects:
            out += ["", writer.block(subject, by_subject.get(subject, {}))]
    return "\n".join(out) + "\n"
