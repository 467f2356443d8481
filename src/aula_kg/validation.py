"""SHACL validation with the project's own shapes, and reports a person can act on.

Only the shapes in ``shapes/`` are ever used: shapes found inside data are ignored (pySHACL
reads shapes from the shapes graph we pass, never from the data graph).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pyshacl import validate as shacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from . import vocab
from .vocab import SH


@dataclass
class Violation:
    focus: str
    path: str | None
    message: dict[str, str]
    severity: str
    shape: str
    value: str | None = None
    files: list[str] = field(default_factory=list)

    def text(self, lang: str = "en") -> str:
        message = self.message.get(lang) or self.message.get("") or next(
            iter(self.message.values()), "constraint violated"
        )
        where = ", ".join(self.files) if self.files else "(no source file)"
        path = f" {self.path}" if self.path else ""
        return f"{where}: {self.severity}: <{self.focus}>{path}: {message}"


@dataclass
class ValidationReport:
    conforms: bool
    violations: list[Violation]

    def lines(self, lang: str = "en") -> list[str]:
        return [v.text(lang) for v in self.violations]


def _short(term: Node | None) -> str | None:
    if term is None:
        return None
    if isinstance(term, URIRef):
        return vocab.curie(term) or f"<{term}>"
    return str(term)


def validate_graph(
    data: Graph, shapes: Graph, ontology: Graph | None = None,
    files_of: Callable[[Node], Iterable[str]] | None = None,
) -> ValidationReport:
    """Validate ``data`` (with ``ontology`` mixed in for class hierarchies) against ``shapes``."""
    conforms, report_graph, _ = shacl_validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        abort_on_first=False,
        allow_infos=True,
        allow_warnings=True,
        advanced=True,
    )
    violations: list[Violation] = []
    for result in report_graph.subjects(RDF.type, SH.ValidationResult):
        messages: dict[str, str] = {}
        for message in report_graph.objects(result, SH.resultMessage):
            if isinstance(message, Literal):
                messages[message.language or ""] = str(message)
        focus = report_graph.value(result, SH.focusNode)
        severity = report_graph.value(result, SH.resultSeverity)
        violations.append(
            Violation(
                focus=str(focus),
                path=_short(report_graph.value(result, SH.resultPath)),
                message=messages,
                # SHACL gives every result a severity; "" should a report lack one.
                severity=(_short(severity) or "").split("#")[-1].removeprefix("sh:"),
                shape=_short(report_graph.value(result, SH.sourceShape)) or "",
                value=_short(report_graph.value(result, SH.value)),
                files=list(files_of(focus)) if files_of else [],
            )
        )
    violations.sort(key=lambda v: (v.files, v.focus, v.path or "", v.shape))
    return ValidationReport(bool(conforms), violations)
