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
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

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
_XSD_STRING = str(XSD.string)


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


def gzipped(text: str | bytes) -> bytes:
    """``text`` gzip-compressed, the same bytes every time (no time stamp, no file name)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)


def _packed(text: str | bytes) -> tuple[bytes, str]:
    """The gzip bytes of ``text`` and their SHA-256 (zlib and hashlib release the GIL: a
    thread packs one file while the next is laid out)."""
    data = gzipped(text)
    return data, hashlib.sha256(data).hexdigest()


class _Terms:
    """Terms of the canonical N-Quads lines (N-Triples syntax) written the Turtle way: IRIs
    compacted with the project's prefixes where Turtle allows it, datatypes too; blank
    nodes keep their canonical labels. Each distinct term is written once."""

    def __init__(self) -> None:
        self.compact = vocab.compactor(vocab.PREFIXES, turtle=True)
        self.term = functools.cache(self._term)

    def _term(self, text: str) -> str:
        if text.startswith("<<"):  # a quoted triple: as it is
            return text
        if text.startswith("<"):
            return self.compact(text[1:-1]) or text
        if text.startswith('"'):
            end = text.rindex('"')  # the suffix (language, datatype) holds no quote
            suffix = text[end + 1:]
            if suffix.startswith("^^<"):
                datatype = suffix[3:-1]
                if datatype == _XSD_STRING:
                    return text[: end + 1]
                short = self.compact(datatype)
                return f"{text[: end + 1]}^^{short}" if short else text
        return text

    def verb(self, predicate: str) -> str:
        return "a" if predicate == _RDF_TYPE else self.term(predicate)


def _declarations() -> list[str]:
    return [f"@prefix {prefix}: <{ns}> ." for prefix, ns in vocab.PREFIXES.items()]


#: graph (its N-Triples term) -> subject -> predicate -> objects, as the lines give them.
Grouped = dict[str, dict[str, dict[str, list[str]]]]


def by_graph(lines: Iterable[str]) -> Grouped:
    """The canonical N-Quads lines split into their terms, by named graph (in sorted graph
    order), subject (in the lines' order) and predicate. Read as text: subjects, predicates
    and graph names hold no space, so the object is what lies between them."""
    graphs: Grouped = {}
    for line in lines:
        subject, predicate, rest = line.split(" ", 2)
        obj, graph = rest[:-2].rsplit(" ", 1)  # rest ends with " ."
        graphs.setdefault(graph, {}).setdefault(subject, {}).setdefault(predicate, []).append(obj)
    return dict(sorted(graphs.items(), key=lambda item: _graph_value(item[0])))


def _graph_value(term: str) -> str:
    return term[1:-1] if term.startswith("<") else term.removeprefix("_:")


def _statements(subjects: dict[str, dict[str, list[str]]], terms: _Terms) -> Iterator[
        tuple[str, list[str]]]:
    """Each subject written, with its predicate-objects parts: ``rdf:type`` first, then the
    predicates and the objects sorted by their N-Triples form."""
    for subject, predicates in subjects.items():
        parts = []
        for predicate in sorted(predicates, key=lambda p: (p != _RDF_TYPE, p)):
            objects = sorted(set(predicates[predicate]))
            parts.append(terms.verb(predicate) + " " + ", ".join(map(terms.term, objects)))
        yield terms.term(subject), parts


def _laid_out(grouped: Grouped, header: str, terms: _Terms) -> Iterator[tuple[str, str]]:
    """(graph, its Turtle text) for each graph, then ("", the TriG text of them all): one
    pass over the statements makes both layouts."""
    declarations = _declarations()
    trig = [f"# {header}", *declarations, ""]
    for graph, subjects in grouped.items():
        value = _graph_value(graph)
        turtle = [f"# aula-kg: named graph <{value}>", *declarations, ""]
        trig.append(f"{terms.term(graph)} {{")
        for subject, parts in _statements(subjects, terms):
            turtle += [f"{subject} " + " ;\n    ".join(parts) + " .", ""]
            trig.append(f"  {subject} " + " ;\n      ".join(parts) + " .")
        trig += ["}", ""]
        yield value, "\n".join(turtle)
    yield "", "\n".join(trig)


@dataclass(frozen=True)
class Prepared:
    """A dump made in memory, not yet written: its entry in the index and its bytes."""

    dump: Dump
    data: bytes


def prepare_dumps(lines: Sequence[str], content_hash: str, *,
                  body: bytes | None = None) -> list[Prepared]:
    """The dumps of a build's canonical N-Quads ``lines`` (``body``: the same lines as the
    artefact's bytes, when at hand), compressed in two threads while the next is laid out."""
    header = f"aula-kg build {content_hash}"
    whole = body if body is not None else ("\n".join(lines) + "\n").encode("utf-8")
    grouped = by_graph(lines)
    counts = {_graph_value(graph): sum(len(objects) for predicates in subjects.values()
                                       for objects in predicates.values())
              for graph, subjects in grouped.items()}
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="dumps") as pool:
        jobs = [(WHOLE_NQUADS, "nquads", None, len(lines), pool.submit(_packed, whole))]
        graph_jobs = []
        for graph, text in _laid_out(grouped, header, _Terms()):
            if graph:
                graph_jobs.append((vocab.graph_dump_name(graph), "turtle", graph,
                                   counts[graph], pool.submit(_packed, text)))
            else:
                jobs.append((WHOLE_TRIG, "trig", None, len(lines), pool.submit(_packed, text)))
        prepared = []
        for name, fmt, graph_name, count, job in jobs + graph_jobs:
            data, sha = job.result()
            prepared.append(Prepared(Dump(name, fmt, graph_name, count, len(data), sha), data))
    return prepared


def write_prepared(build_dir: Path, prepared: Sequence[Prepared], content_hash: str,
                   built_at: str) -> DumpIndex:
    """Write prepared dumps into ``build_dir/dumps``, then their index; remove the dumps of
    graphs the build no longer has."""
    directory = dumps_dir(build_dir)
    directory.mkdir(parents=True, exist_ok=True)
    for item in prepared:
        write_if_changed(directory / item.dump.name, item.data, what="aula-kg build (dumps)")
    dumps = tuple(item.dump for item in prepared)
    index = DumpIndex(directory, content_hash, built_at, dumps)
    document = {"content_hash": content_hash, "built_at": built_at,
                "dumps": [asdict(d) for d in dumps]}
    write_atomically(directory / INDEX_FILE,
                     (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode())
    kept = {d.name for d in dumps}
    for old in directory.glob("*.gz"):
        if old.name not in kept:
            old.unlink(missing_ok=True)
    return index


def write_dumps(build_dir: Path, lines: Sequence[str], content_hash: str,
                built_at: str) -> DumpIndex:
    """Write the dumps of a build's canonical N-Quads ``lines`` into ``build_dir/dumps``,
    then their index; remove the dumps of graphs the build no longer has."""
    return write_prepared(build_dir, prepare_dumps(lines, content_hash), content_hash,
                          built_at)


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
