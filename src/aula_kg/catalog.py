"""Stored queries: the catalogue of the planners' questions.

One query per ``queries/<name>.rq``. Its metadata sits above the SPARQL text as ``#+``
comment lines holding TOML, so the file stays a valid SPARQL query::

    #+ title.fr = "Préconisations inexplorées d'un territoire"
    #+ title.en = "Unexplored recommendations in a territory"
    #+ description.fr = "..."
    #+ description.en = "..."
    #+ tags = ["actions", "préconisations"]
    #+ examples.fr = ["préconisations inexplorées à Lens-Liévin", "..."]
    #+ examples.en = ["unexplored recommendations in Lens-Liévin"]
    #+ [params.territory]
    #+ type = "territory"
    #+ required = true
    #+ description.fr = "..."
    #+ description.en = "..."
    #+ example = "Lens-Liévin"
    #+ [columns.recommendation]
    #+ fr = "Préconisation"
    #+ en = "Recommendation"

Each ``[columns.<variable>]`` table names an answer column for people (page and
spreadsheet headings) in French and English; the API keeps the variable names. A column
without one falls back to a generic heading (:meth:`StoredQuery.heading`).

``examples`` (optional) are questions as a planner would ask them, by language: the
question box (:mod:`aula_kg.ask`) matches questions against them; a value written between
« » is the text a ``text`` parameter receives.

Parameters are declared, never guessed from variable names. Each one has a slot in the
query, ``VALUES ?name { UNDEF }``, placed where the query needs it (inside a sub-query or
in each branch of a union if need be, so that the engine joins on the value early; every
slot of a parameter receives the same term): as written, the file runs with every
parameter free. Binding validates the value
(type, allowed resources, range, length), makes it an RDF term, and fills the slot with the
term's N-Triples form, so ``x" } UNION { ?s ?p ?o } #`` becomes one escaped string literal
that matches nothing. An optional parameter left out keeps ``UNDEF``: its variable is free.

This module reads and binds; it does not run anything. :mod:`aula_kg.answering` answers a
stored query (through the query pool), for every face. Queries the product itself runs (the
pictures' lists of recommendations, statuses and communes, the form's choices) live in
``queries/internal/``, same format, loaded by :meth:`Catalog.load_internal` into a catalogue
of their own: the planners' catalogue (the pages, the API, ``aula-kg queries``, the RDF
description) never lists them, and ``/api/queries/{name}`` cannot run them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.term import Identifier

from . import vocab
from .errors import InputError, ParameterError, UnknownQuery
from .messages import PARAMETER_TYPES, Message
from .territories import TERRITORY_KINDS, NameIndex

#: The sub-folder of the queries directory that holds the internal queries.
INTERNAL_DIR = "internal"
NAME = re.compile(r"^[a-z][a-z0-9_]*(?:-violation)?$")

#: Parameter type -> the kinds of named resource it accepts (see territories.NameIndex).
RESOURCE_TYPES: dict[str, set[str]] = {
    "territory": TERRITORY_KINDS,
    "commune": {"commune"},
    "epci": {"epci"},
    "programme": {"programme"},
    "recommendation": {"recommendation"},
    "urban-function": {"urban-function"},
    "action-status": {"action-status"},
    "action-kind": {"action-kind"},
}
LITERAL_TYPES = {"year", "integer", "text"}
TYPES = set(RESOURCE_TYPES) | LITERAL_TYPES


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    description: dict[str, str]
    required: bool = False
    default: str | None = None
    example: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 200

    def expects(self) -> Message:
        """What a value of this parameter looks like, as a message (rendered in the
        reader's language)."""
        if self.type in RESOURCE_TYPES:
            return Message("expect.resource", type=PARAMETER_TYPES[self.type])
        if self.type == "year":
            return Message("expect.year")
        if self.type == "integer":
            low = self.minimum if self.minimum is not None else "-inf"
            high = self.maximum if self.maximum is not None else "inf"
            return Message("expect.integer", low=low, high=high)
        return Message("expect.text", max_length=self.max_length)

    def bind(self, raw: str, names: NameIndex | None) -> Identifier:
        """The RDF term for ``raw``, or ParameterError naming this parameter."""
        if not isinstance(raw, str):
            raise ParameterError(code="parameter.expected", parameter=self.name,
                                 expected=self.expects())
        if len(raw) > self.max_length or any(ord(ch) < 32 and ch not in "\t" for ch in raw):
            raise ParameterError(code="parameter.too_long", parameter=self.name,
                                 expected=self.expects(), max_length=self.max_length)
        if self.type in RESOURCE_TYPES:
            if names is None:
                raise ParameterError(code="parameter.no_names", parameter=self.name)
            return names.resolve(raw, RESOURCE_TYPES[self.type], self.name).iri
        if self.type in ("year", "integer"):
            text = raw.strip()
            if not re.fullmatch(r"[+-]?\d{1,9}", text):
                raise ParameterError(code="parameter.expected_got", parameter=self.name,
                                     expected=self.expects(), given=raw)
            value = int(text)
            low, high = (1800, 2200) if self.type == "year" else (self.minimum, self.maximum)
            if (low is not None and value < low) or (high is not None and value > high):
                raise ParameterError(code="parameter.expected_got", parameter=self.name,
                                     expected=self.expects(), given=value)
            if self.type == "year":
                return Literal(f"{value:04d}", datatype=XSD.gYear)
            return Literal(value, datatype=XSD.integer)
        return Literal(raw)


@dataclass
class StoredQuery:
    name: str
    path: Path
    title: dict[str, str]
    description: dict[str, str]
    tags: list[str]
    parameters: list[Parameter]
    text: str
    form: str
    examples: dict[str, str] = field(default_factory=dict)
    #: Example questions by language (``examples.fr`` / ``examples.en``), for aula_kg.ask.
    questions: dict[str, list[str]] = field(default_factory=dict)
    #: variable -> {"fr": heading, "en": heading}, from the ``[columns.*]`` tables.
    columns: dict[str, dict[str, str]] = field(default_factory=dict)

    def heading(self, variable: str, lang: str = "fr") -> str:
        """The heading people read for the answer column ``variable``."""
        declared = self.columns.get(variable)
        if declared and lang in declared:
            return declared[lang]
        return variable.replace("_", " ").capitalize()

    @property
    def iri(self) -> URIRef:
        return vocab.query(self.name)

    def render(self, bindings: dict[str, Identifier]) -> str:
        """The query text with each bound parameter's slot holding its term."""
        text = self.text
        for name, term in bindings.items():
            slot = f"VALUES ?{name} {{ {term.n3()} }}"
            text = slot_pattern(name).sub(lambda _m, filled=slot: filled, text)
        return text

    def bindings(self, given: dict[str, str], names: NameIndex | None) -> dict[str, Identifier]:
        declared = {p.name: p for p in self.parameters}
        unknown = sorted(set(given) - set(declared))
        if unknown:
            accepted = ", ".join(sorted(declared)) or "none"
            raise ParameterError(code="parameter.unknown", parameter=unknown[0],
                                 query=self.name, accepted=accepted)
        bound: dict[str, Identifier] = {}
        for parameter in self.parameters:
            raw = given.get(parameter.name, parameter.default)
            if raw is None or raw == "":
                if parameter.required:
                    raise ParameterError(code="parameter.missing", parameter=parameter.name,
                                         query=self.name, expected=parameter.expects())
                continue
            bound[parameter.name] = parameter.bind(raw, names)
        return bound


def slot_pattern(name: str) -> re.Pattern[str]:
    return re.compile(r"VALUES\s+\?" + re.escape(name) + r"\s*\{\s*UNDEF\s*\}")


def text_digest(text: str) -> str:
    """The key of a query text in the build's prepared catalogue."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_of(query: StoredQuery) -> dict[str, Any]:
    """What :func:`parse_stored_query` learnt of a file, as JSON (the build's prepared
    catalogue): everything but the path and the text, which the reader has."""
    return {
        "title": query.title, "description": query.description, "tags": query.tags,
        "parameters": [dataclasses.asdict(p) for p in query.parameters],
        "form": query.form, "examples": query.examples, "questions": query.questions,
        "columns": query.columns,
    }


def from_record(path: Path, text: str, record: Mapping[str, Any]) -> StoredQuery:
    return StoredQuery(
        path.stem, path, dict(record["title"]), dict(record["description"]),
        list(record["tags"]), [Parameter(**p) for p in record["parameters"]], text,
        str(record["form"]), dict(record["examples"]),
        {k: list(v) for k, v in record["questions"].items()},
        {k: dict(v) for k, v in record["columns"].items()},
    )


def parse_stored_query(path: Path, known: Mapping[str, Mapping[str, Any]] | None = None
                       ) -> StoredQuery:
    """Read one ``.rq`` file; InputError names the file and what is wrong. ``known``: what
    an earlier parse learnt of each text, by :func:`text_digest` (the build's prepared
    catalogue); a text found there is not parsed again."""
    name = path.stem
    if not NAME.match(name):
        raise InputError(code="catalog.bad_name", path=str(path))
    text = path.read_text(encoding="utf-8")
    record = known.get(text_digest(text)) if known else None
    if record is not None:
        try:
            return from_record(path, text, record)
        except (KeyError, TypeError, ValueError, AttributeError):
            pass  # a record of another layout: the text is parsed again below
    header = "\n".join(
        line[2:].removeprefix(" ") for line in text.splitlines() if line.startswith("#+")
    )
    try:
        meta = tomllib.loads(header)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(code="catalog.bad_toml", path=str(path), reason=str(exc)) from None
    for key in ("title", "description"):
        if not {"fr", "en"} <= set(meta.get(key, {})):
            raise InputError(code="catalog.needs_languages", path=str(path), key=key)
    parameters = []
    for pname, spec in meta.get("params", {}).items():
        ptype = spec.get("type")
        if ptype not in TYPES:
            raise InputError(code="catalog.unknown_type", path=str(path), parameter=pname,
                             given=repr(ptype), accepted=", ".join(sorted(TYPES)))
        if not {"fr", "en"} <= set(spec.get("description", {})):
            raise InputError(code="catalog.parameter_languages", path=str(path), parameter=pname)
        if not slot_pattern(pname).findall(text):
            raise InputError(code="catalog.no_slot", path=str(path), parameter=pname)
        parameters.append(
            Parameter(
                name=pname, type=ptype, description=spec["description"],
                required=bool(spec.get("required", False)),
                default=None if spec.get("default") is None else str(spec["default"]),
                example=None if spec.get("example") is None else str(spec["example"]),
                minimum=spec.get("min"), maximum=spec.get("max"),
                max_length=int(spec.get("max_length", 200)),
            )
        )
    from .queryform import query_form  # rdflib's SPARQL grammar: only for a new text

    try:
        form = query_form(text)
    except Exception as exc:
        raise InputError(code="catalog.bad_sparql", path=str(path), reason=str(exc)) from None
    examples = {p.name: p.example for p in parameters if p.example is not None}
    questions = meta.get("examples", {})
    if not isinstance(questions, dict) or not all(
        isinstance(v, list) and all(isinstance(q, str) for q in v) for v in questions.values()
    ):
        raise InputError(code="catalog.bad_examples", path=str(path))
    columns = {}
    for variable, labels in meta.get("columns", {}).items():
        if not isinstance(labels, dict) or not {"fr", "en"} <= set(labels):
            raise InputError(code="catalog.column_languages", path=str(path), column=variable)
        columns[variable] = {"fr": str(labels["fr"]), "en": str(labels["en"])}
    return StoredQuery(
        name, path, meta["title"], meta["description"], list(meta.get("tags", [])),
        parameters, text, form, examples, {k: list(v) for k, v in questions.items()}, columns,
    )


class Catalog:
    """All stored queries of a directory, by name."""

    def __init__(self, queries: list[StoredQuery]):
        self.queries = {q.name: q for q in sorted(queries, key=lambda q: q.name)}

    @classmethod
    def load(cls, directory: Path, known: Mapping[str, Mapping[str, Any]] | None = None
             ) -> Catalog:
        """The queries of ``directory``; ``known``: see :func:`parse_stored_query`."""
        if not directory.is_dir():
            raise InputError(code="catalog.no_directory", path=str(directory))
        return cls([parse_stored_query(p, known) for p in sorted(directory.glob("*.rq"))])

    @classmethod
    def load_internal(cls, queries_dir: Path,
                      known: Mapping[str, Mapping[str, Any]] | None = None) -> Catalog:
        """The product's own queries, ``queries_dir/internal/*.rq`` (none when absent)."""
        directory = queries_dir / INTERNAL_DIR
        return cls.load(directory, known) if directory.is_dir() else cls([])

    def records(self) -> dict[str, dict[str, Any]]:
        """Every query's :func:`record_of`, by :func:`text_digest` of its text."""
        return {text_digest(q.text): record_of(q) for q in self}

    def get(self, name: str) -> StoredQuery:
        # Names are checked against the catalogue's keys, never used to build a path.
        query = self.queries.get(name)
        if query is None:
            raise UnknownQuery(code="query.unknown", name=name)
        return query

    def __iter__(self):
        return iter(self.queries.values())

    def to_rdf(self) -> Graph:
        """The catalogue described in RDF, in the manner of sib-swiss/sparql-examples."""
        graph = Graph()
        vocab.bind_prefixes(graph)
        sh, schema = vocab.SH, vocab.SCHEMA
        for query in self:
            node = query.iri
            kind = {"SELECT": sh.SPARQLSelectExecutable, "ASK": sh.SPARQLAskExecutable,
                    "CONSTRUCT": sh.SPARQLConstructExecutable}.get(query.form, sh.SPARQLExecutable)
            graph.add((node, RDF.type, sh.SPARQLExecutable))
            graph.add((node, RDF.type, kind))
            for lang, title in query.title.items():
                graph.add((node, RDFS.label, Literal(title, lang=lang)))
            for lang, text in query.description.items():
                graph.add((node, RDFS.comment, Literal(text, lang=lang)))
            for tag in query.tags:
                graph.add((node, schema.keywords, Literal(tag)))
            graph.add((node, schema.identifier, Literal(query.name)))
            forms = {"SELECT": sh.select, "ASK": sh.ask, "CONSTRUCT": sh.construct}
            body = forms.get(query.form, sh.select)
            graph.add((node, body, Literal(query.text)))
            for parameter in query.parameters:
                pnode = vocab.query_parameter(query.name, parameter.name)
                graph.add((node, sh.parameter, pnode))
                graph.add((pnode, RDF.type, sh.Parameter))
                graph.add((pnode, sh.path, vocab.parameter_path(parameter.name)))
                graph.add((pnode, sh.name, Literal(parameter.name)))
                graph.add((pnode, sh.optional, Literal(not parameter.required)))
                graph.add((pnode, vocab.AULA.parameterType, Literal(parameter.type)))
                for lang, text in parameter.description.items():
                    graph.add((pnode, sh.description, Literal(text, lang=lang)))
                if parameter.default is not None:
                    graph.add((pnode, sh.defaultValue, Literal(parameter.default)))
        return graph
