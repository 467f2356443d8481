"""The build: sources -> OWL 2 RL closure -> SHACL validation -> one N-Quads artefact.

The artefact (``build/aula-kg.nq``) holds one named graph per source (ontology, shapes,
curated data, each open-data import, inferred facts) and is written atomically beside a
manifest, so a failed build never leaves a half-written graph for the server to load.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Graph, URIRef

from . import __version__, reasoning, vocab
from .catalog import Catalog, run_query
from .config import Settings
from .errors import ValidationFailed
from .sources import Sources, load_sources
from .store import EmbeddedStore
from .validation import ValidationReport, validate_graph


@dataclass
class BuildSummary:
    graphs: dict[str, int]
    quads: int
    inferred: int
    seconds: dict[str, float]
    report: ValidationReport
    path: Path
    content_hash: str

    def lines(self) -> list[str]:
        out = [f"built {self.path} ({self.quads} quads, {self.inferred} inferred triples)"]
        for name, count in sorted(self.graphs.items()):
            out.append(f"  {name:<60} {count:>8}")
        timings = ", ".join(f"{step} {secs:.2f}s" for step, secs in self.seconds.items())
        out.append(f"  timings: {timings}")
        warnings = sum(1 for v in self.report.violations if v.severity != "Violation")
        out.append(f"  validation: conforms ({warnings} warnings)")
        return out


def data_graph(sources: Sources) -> Graph:
    """Curated data and open-data imports together: what the shapes validate."""
    data = Graph()
    for context in sources.dataset.graphs():
        name = context.identifier
        if name in (vocab.ONTOLOGY_GRAPH, vocab.SHAPES_GRAPH, vocab.INFERRED_GRAPH):
            continue
        for triple in context:
            data.add(triple)
    return data


def validate_sources(sources: Sources) -> ValidationReport:
    # The concept schemes live with the ontology and value checks need them: validate the
    # data together with the ontology (which the ontology lint shapes then check too).
    data = data_graph(sources)
    for triple in sources.graph(vocab.ONTOLOGY_GRAPH):
        data.add(triple)
    return validate_graph(
        data,
        sources.graph(vocab.SHAPES_GRAPH),
        ontology=sources.graph(vocab.ONTOLOGY_GRAPH),
        files_of=sources.files_describing,
    )


def nquads_lines(sources: Sources) -> list[str]:
    """Sorted N-Quads lines, one named graph per source: same sources, same bytes."""
    text = sources.dataset.serialize(format="nquads")
    return sorted({line for line in text.splitlines() if line.strip()})


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def failing_checks(store: EmbeddedStore, catalog: Catalog) -> list[str]:
    """The ``*-violation`` stored queries (ODK convention) that return rows, with the rows."""
    failed = []
    for query in catalog:
        if query.name.endswith("-violation"):
            result = run_query(store, query, {})
            if result.rows:
                shown = ", ".join(str(row[0]) for row in result.rows[:5])
                failed.append(f"  {query.name}: {len(result.rows)} row(s): {shown}")
    return failed


def build(settings: Settings, extra_data: list[Path] | None = None) -> BuildSummary:
    """Build, reason and validate; write the artefact only if the data conforms."""
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    sources = load_sources(settings, extra_data)
    seconds["read"] = time.perf_counter() - start

    start = time.perf_counter()
    report = validate_sources(sources)
    seconds["validate"] = time.perf_counter() - start
    if not report.conforms:
        violations = [v for v in report.violations if v.severity == "Violation"]
        raise ValidationFailed(
            f"the data does not conform to the shapes ({len(violations)} violations):\n"
            + "\n".join(v.text() for v in violations)
        )

    start = time.perf_counter()
    inferred = reasoning.closure(
        [sources.graph(vocab.ONTOLOGY_GRAPH), data_graph(sources)]
    )
    target = sources.graph(vocab.INFERRED_GRAPH)
    for triple in inferred:
        target.add(triple)
    seconds["reason"] = time.perf_counter() - start

    start = time.perf_counter()
    catalog = Catalog.load(settings.queries_dir)
    target = sources.graph(vocab.CATALOG_GRAPH)
    for triple in catalog.to_rdf():
        target.add(triple)
    lines = nquads_lines(sources)
    body = ("\n".join(lines) + "\n").encode()
    failed = failing_checks(EmbeddedStore.from_nquads(body), catalog)
    if failed:
        raise ValidationFailed(
            "data-quality checks return rows (they must return none):\n" + "\n".join(failed)
        )
    seconds["check"] = time.perf_counter() - start

    start = time.perf_counter()
    write_atomically(settings.graph_file, body)
    graphs = {
        str(g.identifier): len(g)
        for g in sources.dataset.graphs()
        if isinstance(g.identifier, URIRef) and len(g)
    }
    content_hash = hashlib.sha256(body).hexdigest()
    manifest = {
        "version": __version__,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "graph_file": settings.graph_file.name,
        "sha256": content_hash,
        "quads": len(lines),
        "graphs": graphs,
        "sources": [
            {"path": str(f.path.relative_to(settings.home)) if f.path.is_relative_to(settings.home)
             else str(f.path), "graph": str(f.graph), "triples": f.triples, "sha256": f.sha256}
            for f in sources.files
        ],
    }
    write_atomically(
        settings.manifest_file, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    )
    seconds["write"] = time.perf_counter() - start
    return BuildSummary(
        graphs, len(lines), len(inferred), seconds, report, settings.graph_file, content_hash
    )
