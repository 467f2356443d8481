"""Media types of SPARQL results and RDF graphs, and content negotiation.

A SELECT or ASK answer is a *results* document (JSON, XML, CSV, TSV); a CONSTRUCT or DESCRIBE
answer is a *graph* (Turtle, N-Triples, JSON-LD, RDF/XML). :func:`choose` picks the format of
one kind from a ``format=`` override or from an ``Accept`` header, honouring q-values,
wildcards and combined headers (``text/turtle;q=0.9, */*;q=0.1``); it returns ``None`` when
nothing the client accepts is available, which the web layer turns into a 406.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox

RESULTS = "results"
GRAPH = "graph"


@dataclass(frozen=True)
class Format:
    """One serialisation: ``media_type`` is what the response says it is; ``accepts`` lists
    every media type that selects it (``media_type`` first); ``names`` are the values a
    ``format=`` parameter may give."""

    name: str
    kind: str
    media_type: str
    accepts: tuple[str, ...]
    names: tuple[str, ...]
    #: The format's IRI in the W3C formats namespace, for the service description.
    w3c_iri: str


_W3C = "http://www.w3.org/ns/formats/"

#: Results formats in server preference order (the first wins a tie such as ``*/*``).
RESULT_FORMATS: tuple[Format, ...] = (
    Format(
        "json",
        RESULTS,
        "application/sparql-results+json",
        ("application/sparql-results+json", "application/json"),
        ("json", "srj"),
        _W3C + "SPARQL_Results_JSON",
    ),
    Format(
        "xml",
        RESULTS,
        "application/sparql-results+xml",
        ("application/sparql-results+xml", "application/xml", "text/xml"),
        ("xml", "srx"),
        _W3C + "SPARQL_Results_XML",
    ),
    Format("csv", RESULTS, "text/csv", ("text/csv",), ("csv",), _W3C + "SPARQL_Results_CSV"),
    Format(
        "tsv",
        RESULTS,
        "text/tab-separated-values",
        ("text/tab-separated-values",),
        ("tsv",),
        _W3C + "SPARQL_Results_TSV",
    ),
)

#: Graph formats in server preference order.
GRAPH_FORMATS: tuple[Format, ...] = (
    Format(
        "turtle",
        GRAPH,
        "text/turtle",
        ("text/turtle", "application/turtle", "application/x-turtle"),
        ("turtle", "ttl"),
        _W3C + "Turtle",
    ),
    Format(
        "ntriples",
        GRAPH,
        "application/n-triples",
        ("application/n-triples", "text/plain"),
        ("nt", "ntriples", "n-triples"),
        _W3C + "N-Triples",
    ),
    Format(
        "jsonld",
        GRAPH,
        "application/ld+json",
        ("application/ld+json", "application/x-json+ld", "application/json"),
        ("json-ld", "jsonld", "json"),
        _W3C + "JSON-LD",
    ),
    Format(
        "rdfxml",
        GRAPH,
        "application/rdf+xml",
        ("application/rdf+xml", "application/xml", "text/xml"),
        ("rdfxml", "rdf+xml", "rdf/xml", "rdf", "xml"),
        _W3C + "RDF_XML",
    ),
)

FORMATS_BY_NAME: dict[str, Format] = {f.name: f for f in RESULT_FORMATS + GRAPH_FORMATS}

#: The one media type -> pyoxigraph format table (JSON-LD is written with rdflib, which
#: compacts it with the project's prefixes, so it has no entry).
OXIGRAPH_FORMATS: dict[str, ox.QueryResultsFormat | ox.RdfFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
}
#: Graph media types pyoxigraph writes, for code that dumps a graph straight from a store.
OXIGRAPH_GRAPH_FORMATS: dict[str, ox.RdfFormat] = {
    media: fmt for media, fmt in OXIGRAPH_FORMATS.items() if isinstance(fmt, ox.RdfFormat)
    and media in {f.media_type for f in GRAPH_FORMATS}
}


def oxigraph_format(name: str) -> ox.QueryResultsFormat | ox.RdfFormat:
    """pyoxigraph's format for a :class:`Format` name (``json``, ``turtle``, ...)."""
    return OXIGRAPH_FORMATS[FORMATS_BY_NAME[name].media_type]


def results_format(name: str) -> ox.QueryResultsFormat:
    """pyoxigraph's format for a results :class:`Format` name (``json``, ``tsv``...)."""
    fmt = oxigraph_format(name)
    if not isinstance(fmt, ox.QueryResultsFormat):
        raise TypeError(f"{name} is not a query results format")
    return fmt


def rdf_format(name: str) -> ox.RdfFormat:
    """pyoxigraph's format for a graph :class:`Format` name (``turtle``, ``ntriples``...)."""
    fmt = oxigraph_format(name)
    if not isinstance(fmt, ox.RdfFormat):
        raise TypeError(f"{name} is not an RDF format")
    return fmt


_BY_KIND = {RESULTS: RESULT_FORMATS, GRAPH: GRAPH_FORMATS}


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    position: int

    @property
    def specificity(self) -> int:
        if self.type == "*":
            return 0
        return 1 if self.subtype == "*" else 2

    def matches(self, media_type: str) -> bool:
        type_, _, subtype = media_type.partition("/")
        if self.type == "*":
            return True
        if self.type != type_:
            return False
        return self.subtype in ("*", subtype)


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an ``Accept`` header; malformed ranges are skipped. No header,
    or an empty one, means ``*/*``."""
    if header is None or not header.strip():
        return [MediaRange("*", "*", 1.0, 0)]
    ranges: list[MediaRange] = []
    for position, part in enumerate(header.split(",")):
        pieces = part.split(";")
        media = pieces[0].strip().lower()
        type_, slash, subtype = media.partition("/")
        if not slash or not type_ or not subtype or (type_ == "*" and subtype != "*"):
            continue
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = -1.0
                break
        if not 0.0 <= q <= 1.0:
            continue
        ranges.append(MediaRange(type_, subtype, q, position))
    return ranges


def _quality(ranges: list[MediaRange], fmt: Format) -> tuple[float, int, int, int] | None:
    """(q, specificity, canonical, -position) of ``fmt``, or ``None`` when refused.

    The most specific ranges that match any of the format's media types decide its q
    (RFC 9110, 12.5.1): ``application/sparql-results+json;q=0.1, */*;q=0.2`` gives JSON
    0.1 even though ``application/json``, one of its aliases, matches ``*/*``."""
    matching = [r for r in ranges if any(r.matches(m) for m in fmt.accepts)]
    if not matching:
        return None
    top = max(r.specificity for r in matching)
    decisive = [r for r in matching if r.specificity == top]
    q = max(r.q for r in decisive)
    if q <= 0.0:
        return None
    winners = [r for r in decisive if r.q == q]
    # Prefer a format matched by its own media type over one matched through an alias.
    canonical = int(any(r.matches(fmt.media_type) for r in winners))
    return (q, top, canonical, -min(r.position for r in winners))


@lru_cache(maxsize=512)
def negotiate(accept: str | None, kind: str) -> Format | None:
    """The format of ``kind`` the ``Accept`` header prefers, or ``None`` if none is acceptable.

    Ties on q go to the more specific range, then to a match on the format's own media
    type rather than an alias, then to the range the client listed first, then to the
    server's order (JSON for results, Turtle for graphs)."""
    ranges = parse_accept(accept)
    best: tuple[tuple[float, int, int, int], int, Format] | None = None
    for order, fmt in enumerate(_BY_KIND[kind]):
        quality = _quality(ranges, fmt)
        if quality is None:
            continue
        key = (quality, -order, fmt)
        if best is None or key[:2] > best[:2]:
            best = key
    return best[2] if best else None


def by_name(value: str, kind: str) -> Format | None:
    """The format of ``kind`` a ``format=`` value names (short name or media type)."""
    value = value.strip().lower()
    for fmt in _BY_KIND[kind]:
        if value in fmt.names or value in fmt.accepts:
            return fmt
    return None


def choose(kind: str, accept: str | None, override: str | None = None) -> Format | None:
    """The format to answer with: the ``format=`` override when given, else negotiation.

    An override may also be a list of media types, as SPARQLWrapper sends for TSV, JSON-LD
    and RDF/XML (``format=application/ld+json,application/x-json+ld``)."""
    if override:
        fmt = by_name(override, kind)
        if fmt is None and "/" in override:
            fmt = negotiate(override, kind)
        return fmt
    return negotiate(accept, kind)


def describe_choices(kind: str) -> str:
    """A short list of what can be asked for, for error messages."""
    return ", ".join(f"{f.media_type} (format={f.names[0]})" for f in _BY_KIND[kind])
