"""Reading the project's RDF sources (ontology/, shapes/, data/) into graphs.

Every file is parsed on its own so that an error names the file and the line, and so that
each subject can be traced back to the files that describe it (validation reports use it).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Container
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat
from xml.sax import SAXParseException

from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

from . import vocab
from .config import Settings
from .errors import InputError

#: File suffix -> rdflib parser name. Quad formats carry their own graph names.
TRIPLE_FORMATS = {".ttl": "turtle", ".nt": "nt", ".rdf": "xml", ".owl": "xml", ".jsonld": "json-ld"}
QUAD_FORMATS = {".trig": "trig", ".nq": "nquads"}


@dataclass
class SourceFile:
    path: Path
    graph: URIRef
    triples: int
    sha256: str


@dataclass
class Sources:
    """The project's sources as one dataset, with where each subject was described."""

    dataset: Dataset
    files: list[SourceFile] = field(default_factory=list)
    subject_files: dict[Node, set[str]] = field(default_factory=lambda: defaultdict(set))

    def graph(self, name: URIRef) -> Graph:
        return self.dataset.graph(name)

    def files_describing(self, subject: Node) -> list[str]:
        return sorted(self.subject_files.get(subject, ()))


def new_dataset() -> Dataset:
    dataset = Dataset()
    vocab.bind_prefixes(dataset)
    return dataset


def parse_file(path: Path, graph: Graph | None = None, *, fmt: str | None = None) -> Graph:
    """Parse one RDF file, raising InputError with file and line on any syntax problem.

    RDF/XML is parsed with external entities off (rdflib's default SAX parser does not
    fetch them, and we refuse DOCTYPE declarations outright to stop entity expansion).
    JSON-LD must carry its context inline: a context named by IRI is refused, never fetched.
    """
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    fmt = fmt or TRIPLE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"{path}: unknown RDF format (expected one of "
            f"{', '.join(sorted(TRIPLE_FORMATS))})"
        )
    target = graph if graph is not None else Graph()
    if fmt == "xml":
        _refuse_doctype(path)
    elif fmt == "json-ld":
        _refuse_remote_contexts(path)
    try:
        target.parse(path, format=fmt)
    except BadSyntax as exc:
        raise InputError(f"{path}:{exc.lines + 1}: Turtle syntax error: {exc._why}") from None
    except SAXParseException as exc:
        raise InputError(
            f"{path}:{exc.getLineNumber()}: XML syntax error: {exc.getMessage()}"
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except Exception as exc:  # rdflib raises many types; all mean "unreadable"
        raise InputError(f"{path}: cannot parse as {fmt}: {exc}") from None
    _refuse_invalid_iris(path, target)
    return target


class _Doctype(Exception):
    pass


def _refuse_doctype(path: Path) -> None:
    """Refuse a DOCTYPE anywhere before the root element, in any encoding the XML parser
    reads (a byte search misses UTF-16 files and declarations after a long comment): one
    streaming pass of expat that stops at the declaration, before any entity is read."""

    def refuse(*_args: object) -> None:
        raise _Doctype

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        with path.open("rb") as handle:
            parser.ParseFile(handle)
    except _Doctype:
        raise InputError(
            f"{path}:{parser.CurrentLineNumber}: DOCTYPE declarations are not accepted in "
            f"RDF/XML input"
        ) from None
    except expat.ExpatError:
        pass  # the RDF/XML parser reports it, with its line


def _refuse_remote_contexts(path: Path) -> None:
    """JSON-LD may name its ``@context`` (or ``@import`` one) by IRI, which rdflib fetches:
    from the network, or from ``file:`` paths. Only inline contexts are accepted."""
    try:
        document = json.loads(path.read_bytes())
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: JSON syntax error: {exc.msg}") from None
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                contexts = value if isinstance(value, list) else [value]
                if key in ("@context", "@import") and any(isinstance(c, str) for c in contexts):
                    remote = next(c for c in contexts if isinstance(c, str))
                    raise InputError(
                        f"{path}: remote JSON-LD contexts are not fetched ({key}: {remote!r}); "
                        f"put the context inline"
                    )
                stack.append(value)


#: Characters an IRI never holds (RFC 3987); rdflib only warns about them, and the build
#: would then fail to write the graph, with a traceback instead of the file and line.
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def _refuse_invalid_iris(path: Path, graph: Graph) -> None:
    for triple in graph:
        for term in triple:
            if isinstance(term, URIRef) and _NOT_IN_IRI.search(term):
                line = ""
                with contextlib.suppress(OSError, UnicodeDecodeError):
                    text = path.read_text(encoding="utf-8")
                    at = text.find(str(term))
                    if at >= 0:
                        line = f":{text.count(chr(10), 0, at) + 1}"
                raise InputError(
                    f"{path}{line}: invalid IRI <{term}>: spaces, quotes, angle brackets, "
                    f"braces, '|', '^', '`' and '\\' are not allowed in IRIs"
                )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _add_file(sources: Sources, path: Path, graph_name: URIRef) -> None:
    graph = parse_file(path)
    target = sources.graph(graph_name)
    for triple in graph:
        target.add(triple)
    for subject in set(graph.subjects()):
        sources.subject_files[subject].add(str(path))
    sources.files.append(SourceFile(path, graph_name, len(graph), _sha256(path)))


def _add_quad_file(sources: Sources, path: Path) -> None:
    fmt = QUAD_FORMATS[path.suffix.lower()]
    scratch = Dataset()
    try:
        # Into the default graph's store (Dataset.parse goes through the deprecated
        # default_context); the named graphs land in the same store.
        scratch.default_graph.parse(path, format=fmt)
    except BadSyntax as exc:
        raise InputError(f"{path}:{exc.lines + 1}: syntax error: {exc._why}") from None
    except Exception as exc:
        raise InputError(f"{path}: cannot parse as {fmt}: {exc}") from None
    count = 0
    for s, p, o, g in scratch.quads((None, None, None, None)):
        name = g if isinstance(g, URIRef) else getattr(g, "identifier", None)
        if not isinstance(name, URIRef) or name == URIRef("urn:x-rdflib:default"):
            raise InputError(f"{path}: triples outside a named graph are not accepted")
        sources.graph(name).add((s, p, o))
        sources.subject_files[s].add(str(path))
        count += 1
    graphs = {g for *_, g in scratch.quads((None, None, None, None))}
    graph_name = next(iter(graphs)) if len(graphs) == 1 else vocab.GRAPH["opendata"]
    sources.files.append(SourceFile(path, URIRef(str(graph_name)), count, _sha256(path)))


def rdf_files(directory: Path, suffixes: Container[str]) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in suffixes)


def load_sources(settings: Settings, extra_data: list[Path] | None = None) -> Sources:
    """Ontology, shapes, curated data and the committed open-data slices, each in its graph.

    ``extra_data`` adds quad files (a national import in build/opendata/, for instance).
    """
    sources = Sources(new_dataset())
    for path in rdf_files(settings.ontology_dir, TRIPLE_FORMATS):
        _add_file(sources, path, vocab.ONTOLOGY_GRAPH)
    for path in rdf_files(settings.shapes_dir, TRIPLE_FORMATS):
        _add_file(sources, path, vocab.SHAPES_GRAPH)
    for path in rdf_files(settings.data_dir, TRIPLE_FORMATS):
        _add_file(sources, path, vocab.CURATED_GRAPH)
    for path in rdf_files(settings.data_dir / "opendata", QUAD_FORMATS):
        _add_quad_file(sources, path)
    for path in extra_data or []:
        if path.suffix.lower() in QUAD_FORMATS:
            _add_quad_file(sources, path)
        else:
            _add_file(sources, path, vocab.CURATED_GRAPH)
    return sources
