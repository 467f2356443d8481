"""The dumps: the built graph as files anyone can download, verify and load.

``aula-kg build`` writes, beside the artefact, in ``build/dumps/``:

- ``aula-kg.nq.gz``: every quad (the artefact's canonical N-Quads lines);
- ``aula-kg.trig.gz``: the same quads as TriG, one block per named graph;
- ``graph-<key>.ttl.gz``: one Turtle file per named graph;
- ``index.json``: each file's name, content, media type, size and SHA-256.

Same graph, same bytes: the Turtle and TriG are written from the canonical N-Quads lines
(sorted, blank nodes with their RDFC-1.0 labels) in a fixed layout, and gzip gets
``mtime=0`` and no file name. Each file is replaced atomically (files.write_if_changed: an
unchanged dump is not even touched) and the index last: a build killed half way leaves the
previous index, and a file that no longer matches it (size or SHA-256) is refused by the
server with a 503, never served under the index's checksum (:func:`open_verified`).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib.namespace import XSD

from .. import vocab
from ..errors import DownloadUnavailable, GraphUnavailable, UnknownDownload
from ..files import write_atomically, write_if_changed

DUMPS_DIR = "dumps"
INDEX_FILE = "index.json"
WHOLE_NQUADS = "aula-kg.nq.gz"
WHOLE_TRIG = "aula-kg.trig.gz"
#: What a dump name may look like (the index is checked against it when read).
NAME = re.compile(r"[a-z0-9][a-z0-9.-]{0,120}\.gz")
#: Formats of the files: media type of the content, of the compression, DCAT-AP file type.
FORMATS = {
    "nquads": ("application/n-quads", "RDF_N_QUADS"),
    "trig": ("application/trig", "RDF_TRIG"),
    "turtle": ("text/turtle", "RDF_TURTLE"),
}
COMPRESSION = "application/gzip"
#: gzip's level: 6 (zlib's default) costs a third of 9's time for 3 % more bytes.
GZIP_LEVEL = 6
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


@dataclass(frozen=True)
class Dump:
    """One dump file as the index records it. ``graph`` is None for the whole graph."""

    name: str
    format: str
    graph: str | None
    quads: int
    bytes: int
    sha256: str

    @property
    def media_type(self) -> str:
        """The media type of the content once decompressed."""
        return FORMATS[self.format][0]


@dataclass(frozen=True)
class DumpIndex:
    """The index of a build's dumps: ``content_hash`` is the artefact's SHA-256."""

    directory: Path
    content_hash: str
    built_at: str
    dumps: tuple[Dump, ...]

    def get(self, name: str) -> Dump | None:
        return next((d for d in self.dumps if d.name == name), None)

    def of_graph(self, graph: str | None) -> list[Dump]:
        return [d for d in self.dumps if d.graph == graph]


def dumps_dir(build_dir: Path) -> Path:
    return Path(build_dir) / DUMPS_DIR


# -- writing ------------------------------------------------------------------------------


def gzipped(text: str) -> bytes:
    """``text`` gzip-compressed, the same bytes every time (no time stamp, no file name)."""
    return gzip.compress(text.encode("utf-8"), compresslevel=GZIP_LEVEL, mtime=0)


class _Terms:
    """N-Triples terms written the Turtle way: IRIs compacted with the project's prefixes
    where Turtle allows it, datatypes too; blank nodes keep their canonical labels."""

    def __init__(self) -> None:
        self.compact = vocab.compactor(vocab.PREFIXES, turtle=True)
        self.term = functools.cache(self._term)

    def _term(self, term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
        if isinstance(term, ox.NamedNode):
            return self.compact(term.value) or str(term)
        if isinstance(term, ox.Literal) and term.language is None:
            datatype = term.datatype.value
            if datatype != str(XSD.string):
                text = str(term)
                suffix = f"^^<{datatype}>"
                short = self.compact(datatype)
                return text[: -len(suffix)] + f"^^{short}" if short else text
        return str(term)

    def verb(self, predicate: ox.NamedNode) -> str:
        return "a" if str(predicate) == _RDF_TYPE else self.term(predicate)


def _declarations() -> list[str]:
    return [f"@prefix {prefix}: <{ns}> ." for prefix, ns in vocab.PREFIXES.items()]


def _blocks(quads: Sequence[ox.Quad], terms: _Terms, indent: str) -> list[str]:
    """One block per subject, in the order of the canonical lines; ``rdf:type`` first, then
    the predicates and objects sorted by their N-Triples form."""
    by_subject: dict[str, dict[str, list[ox.Quad]]] = {}
    subjects: dict[str, ox.NamedNode | ox.BlankNode | ox.Triple] = {}
    for quad in quads:
        key = str(quad.subject)
        subjects.setdefault(key, quad.subject)
        by_subject.setdefault(key, {}).setdefault(str(quad.predicate), []).append(quad)
    out = []
    for key, predicates in by_subject.items():
        parts = []
        for predicate in sorted(predicates, key=lambda p: (p != _RDF_TYPE, p)):
            group = predicates[predicate]
            objects = sorted({str(q.object): terms.term(q.object) for q in group}.items())
            parts.append(terms.verb(group[0].predicate) + " "
                         + ", ".join(text for _, text in objects))
        head = f"{indent}{terms.term(subjects[key])} "
        out.append(head + f" ;\n{indent}    ".join(parts) + " .")
    return out


def by_graph(lines: Iterable[str]) -> dict[str, list[ox.Quad]]:
    """The canonical N-Quads lines parsed, by named graph (in sorted graph order)."""
    text = "\n".join(lines) + "\n"
    graphs: dict[str, list[ox.Quad]] = {}
    for quad in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_QUADS):
        graphs.setdefault(quad.graph_name.value, []).append(quad)
    return dict(sorted(graphs.items()))


def turtle_text(quads: Sequence[ox.Quad], header: str) -> str:
    terms = _Terms()
    out = [f"# {header}", *_declarations(), ""]
    for block in _blocks(quads, terms, ""):
        out += [block, ""]
    return "\n".join(out)


def trig_text(graphs: dict[str, list[ox.Quad]], header: str) -> str:
    terms = _Terms()
    out = [f"# {header}", *_declarations(), ""]
    for graph, quads in graphs.items():
        out.append(f"{terms.term(ox.NamedNode(graph))} {{")
        out += _blocks(quads, terms, "  ")
        out += ["}", ""]
    return "\n".join(out)


def write_dumps(build_dir: Path, lines: Sequence[str], content_hash: str,
                built_at: str) -> DumpIndex:
    """Write the dumps of a build's canonical N-Quads ``lines`` into ``build_dir/dumps``,
    then their index; remove the dumps of graphs the build no longer has."""
    directory = dumps_dir(build_dir)
    directory.mkdir(parents=True, exist_ok=True)
    graphs = by_graph(lines)
    header = f"aula-kg build {content_hash}"
    files: list[tuple[str, str, str | None, int, bytes]] = [
        (WHOLE_NQUADS, "nquads", None, len(lines), gzipped("\n".join(lines) + "\n")),
        (WHOLE_TRIG, "trig", None, len(lines), gzipped(trig_text(graphs, header))),
    ]
    for graph, quads in graphs.items():
        files.append((vocab.graph_dump_name(graph), "turtle", graph, len(quads),
                      gzipped(turtle_text(quads, f"aula-kg: named graph <{graph}>"))))
    dumps = []
    for name, fmt, dumped_graph, count, data in files:
        write_if_changed(directory / name, data, what="aula-kg build (dumps)")
        dumps.append(Dump(name, fmt, dumped_graph, count, len(data),
                          hashlib.sha256(data).hexdigest()))
    index = DumpIndex(directory, content_hash, built_at, tuple(dumps))
    document = {"content_hash": content_hash, "built_at": built_at,
                "dumps": [asdict(d) for d in dumps]}
    write_atomically(directory / INDEX_FILE,
                     (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode())
    kept = {d.name for d in dumps}
    for old in directory.glob("*.gz"):
        if old.name not in kept:
            old.unlink(missing_ok=True)
    return index


# -- reading ------------------------------------------------------------------------------


def read_index(build_dir: Path) -> DumpIndex | None:
    """The index of the dumps (None when the build wrote none); a damaged index is a
    GraphUnavailable (503), never a guess."""
    directory = dumps_dir(build_dir)
    path = directory / INDEX_FILE
    if not path.is_file():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        dumps = tuple(Dump(**entry) for entry in document["dumps"])
        index = DumpIndex(directory, str(document["content_hash"]), str(document["built_at"]),
                          dumps)
    except (OSError, ValueError, KeyError, TypeError):
        raise GraphUnavailable(code="download.index_damaged", path=str(path)) from None
    if any(not NAME.fullmatch(d.name) or d.format not in FORMATS for d in dumps):
        raise GraphUnavailable(code="download.index_damaged", path=str(path))
    return index


@dataclass
class OpenDump:
    """A dump file opened and checked: ``fd`` holds exactly the bytes the index names."""

    dump: Dump
    fd: int
    size: int

    def close(self) -> None:
        os.close(self.fd)


#: (device, inode, size, mtime_ns) -> SHA-256: each file version is hashed once.
_CHECKED: dict[tuple[int, int, int, int], str] = {}


def _sha256_of(fd: int) -> str:
    digest = hashlib.sha256()
    offset = 0
    while chunk := os.pread(fd, 1 << 20, offset):
        digest.update(chunk)
        offset += len(chunk)
    return digest.hexdigest()


def open_verified(index: DumpIndex, name: str) -> OpenDump:
    """The dump ``name`` opened for reading, after checking it is the file the index names.

    The name is looked up in the index, never joined to a path as given (no ``..``, no
    absolute path can reach another file); the file is opened without following a symbolic
    link and must be a regular file of the advertised size and SHA-256. Raises UnknownDownload
    (404) for an unknown name, DownloadUnavailable (503) when the file is missing or differs.
    """
    dump = index.get(name)
    if dump is None:
        raise UnknownDownload(code="download.unknown", name=name[:200])
    path = index.directory / dump.name
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        raise DownloadUnavailable(code="download.missing", name=dump.name) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size != dump.bytes:
            raise DownloadUnavailable(code="download.damaged", name=dump.name)
        key = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
        sha = _CHECKED.get(key)
        if sha is None:
            sha = _sha256_of(fd)
            if len(_CHECKED) > 256:
                _CHECKED.clear()
            _CHECKED[key] = sha
        if sha != dump.sha256:
            raise DownloadUnavailable(code="download.damaged", name=dump.name)
    except BaseException:
        os.close(fd)
        raise
    return OpenDump(dump, fd, info.st_size)
