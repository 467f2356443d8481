"""Reading the project's RDF sources (ontology/, shapes/, data/) into graphs.

Every file is parsed on its own so that an error names the file and the line, and so that
each subject can be traced back to the files that describe it (validation reports use it).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax import SAXParseException

from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax

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
    subject_files: dict = field(default_factory=lambda: defaultdict(set))

    def graph(self, name: URIRef) -> Graph:
        return self.dataset.graph(name)

    def files_describing(self, subject) -> list[str]:
        return sorted(self.subject_files.get(subject, ()))


def new_dataset() -> Dataset:
    dataset = Dataset()
    vocab.bind_prefixes(dataset)
    return dataset


def parse_file(path: Path, graph: Graph | None = None, *, fmt: str | None = None) -> Graph:
    """Parse one RDF file, raising InputError with file and line on any syntax problem.

    RDF/XML is parsed with external entities off (rdflib's default SAX parser does not
    fetch them, and we refuse DOCTYPE declarations outright to stop entity expansion).
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
    if fmt == "xml" and b"<!DOCTYPE" in path.read_bytes()[:65536].upper():
        raise InputError(f"{path}: DOCTYPE declarations are not accepted in RDF/XML input")
    try:
        target.parse(path, format=fmt)
    except BadSyntax as exc:
        raise InputError(f"{path}:{exc.lines + 1}: Turtle syntax error: {exc._why}") from None
    except SAXParseException as exc:
        raise InputError(f"{path}:{exc.getLineNumber()}: XML syntax error: {exc.getMessage()}")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except Exception as exc:  # rdflib raises many types; all mean "unreadable"
        raise InputError(f"{path}: cannot parse as {fmt}: {exc}") from None
    return target


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
        scratch.parse(path, format=fmt)
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


def rdf_files(directory: Path, suffixes) -> list[Path]:
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
