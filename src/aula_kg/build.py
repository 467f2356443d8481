"""The build: sources -> OWL 2 RL closure -> SHACL validation -> one N-Quads artefact.

The artefact (``build/aula-kg.nq``) holds one named graph per source (ontology, shapes,
curated data, each open-data import, inferred facts) and is written atomically beside a
manifest, so a failed build never leaves a half-written graph for the server to load. The
same graph is also written as an on-disk store the readers open in milliseconds
(``build/store/``, see store.prebuilt); the manifest names it.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

from . import __version__, locking, prepared, reasoning, vocab
from .answering import run_query
from .catalog import Catalog
from .config import Settings
from .errors import InputError, ValidationFailed
from .files import write_atomically
from .publishing.dumps import write_dumps
from .sources import QUAD_FORMATS, SourceFile, Sources, load_sources
from .store import EmbeddedStore, prebuilt
from .store.terms import with_union_default_graph
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


def bulk_shape_files(settings: Settings) -> list[Path]:
    """The shapes of what the open-data importers write, applied to ``--with`` files."""
    return [p for p in [settings.shapes_dir / "opendata.ttl"] if p.is_file()]


def _focus_set(report: ValidationReport) -> set[str]:
    return {v.focus for v in report.violations}


def canonical_lines(quads: Iterable[ox.Quad]) -> list[str]:
    """Sorted, deduplicated N-Quads lines, blank nodes with their RDFC-1.0 canonical labels.

    Only the quads that mention a blank node are canonicalised (the labels depend on those
    alone), so the cost stays small on the national graph; the same content always gives
    the same bytes, whatever labels a parser gave the blank nodes.
    """
    plain: set[str] = set()
    with_blanks = ox.Dataset()
    for quad in quads:
        if any(isinstance(t, ox.BlankNode) for t in (quad.subject, quad.object, quad.graph_name)):
            with_blanks.add(quad)
        else:
            plain.add(f"{quad} .")
    if len(with_blanks):
        with_blanks.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        plain.update(f"{quad} ." for quad in with_blanks)
    return sorted(plain)


def nquads_lines(sources: Sources) -> list[str]:
    """Sorted N-Quads lines, one named graph per source: same sources, same bytes."""
    text = sources.dataset.serialize(format="nquads").encode()
    return canonical_lines(ox.parse(text, format=ox.RdfFormat.N_QUADS))


def failing_checks(store: EmbeddedStore, catalog: Catalog) -> list[str]:
    """The ``*-violation`` stored queries (ODK convention) that return rows, with the rows."""
    failed = []
    for query in catalog:
        if query.name.endswith("-violation"):
            result = run_query(store, query, {})
            if isinstance(result, bool):  # an ASK check: true is a failure
                if result:
                    failed.append(f"  {query.name}: true")
                continue
            if result.rows:
                shown = ", ".join(str(row[0]) for row in result.rows[:5])
                failed.append(f"  {query.name}: {len(result.rows)} row(s): {shown}")
    return failed


class BulkData:
    """Quad files given with ``--with`` (national imports), held in pyoxigraph: reading
    900k triples into rdflib takes over a minute, pyoxigraph a few seconds."""

    def __init__(self, paths: list[Path], store: ox.Store | None = None):
        import pyoxigraph as ox

        self.store = store if store is not None else ox.Store()
        self.files: list[SourceFile] = []
        self.graphs_of: dict[str, set[str]] = {}
        for path in paths:
            fmt = ox.RdfFormat.TRIG if path.suffix.lower() == ".trig" else ox.RdfFormat.N_QUADS
            scratch = ox.Store()
            try:
                scratch.bulk_load(path=str(path), format=fmt)
            except (OSError, SyntaxError, ValueError) as exc:
                raise InputError(f"{path}: cannot parse: {exc}") from None
            graphs = {g.value for g in scratch.named_graphs() if isinstance(g, ox.NamedNode)}
            if next(iter(scratch.quads_for_pattern(None, None, None, ox.DefaultGraph())), None):
                raise InputError(f"{path}: triples outside a named graph are not accepted")
            self.graphs_of[str(path)] = graphs
            self.store.bulk_extend(scratch)
            name = next(iter(graphs)) if len(graphs) == 1 else str(vocab.GRAPH["opendata"])
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            self.files.append(SourceFile(path, URIRef(name), len(scratch), sha))

    def files_of(self, subject: Node) -> list[str]:
        import pyoxigraph as ox

        node = ox.NamedNode(str(subject)) if isinstance(subject, URIRef) else None
        if node is None:
            return []
        return sorted(
            path for path, graphs in self.graphs_of.items()
            if any(next(iter(self.store.quads_for_pattern(node, None, None, ox.NamedNode(g))),
                        None) for g in graphs)
        )


def _dataset_into(store: ox.Store, sources: Sources, skip: Collection[URIRef] = (),
                  only: Collection[URIRef] | None = None) -> None:
    """Copy the rdflib dataset's named graphs (``only`` those, never ``skip``) into a
    pyoxigraph store."""
    import pyoxigraph as ox

    for context in sources.dataset.graphs():
        name = context.identifier
        if not isinstance(name, URIRef) or name in skip or not len(context):
            continue
        if only is not None and name not in only:
            continue
        data = context.serialize(format="nt", encoding="utf-8")
        store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(name)))


def validate_bulk(working: ox.Store, shapes: Graph,
                  files_of: Callable[[Node], Iterable[str]]) -> ValidationReport:
    """The open-data shapes over the whole data (default graph of ``working``), as SPARQL
    in pyoxigraph when they translate (shacl_sparql), else with pySHACL through rdflib."""
    from .shacl_sparql import UnsupportedShape, validate_store

    try:
        return validate_store(working, shapes, files_of)
    except UnsupportedShape:
        import pyoxigraph as ox

        data = Graph()
        data.parse(data=working.dump(format=ox.RdfFormat.N_TRIPLES,
                                     from_graph=ox.DefaultGraph()), format="nt")
        return validate_graph(data, shapes, files_of=files_of)


def _fail_on(report: ValidationReport) -> None:
    if not report.conforms:
        violations = [v for v in report.violations if v.severity == "Violation"]
        raise ValidationFailed(
            f"the data does not conform to the shapes ({len(violations)} violations):\n"
            + "\n".join(v.text() for v in violations)
        )


@locking.holding(
    lambda call: call["settings"].build_dir, "aula-kg build",
    sweep_of=lambda call: [call["settings"].graph_file.name, call["settings"].manifest_file.name],
)
def build(
    settings: Settings,
    extra_data: list[Path] | None = None,
    reasoner: str = reasoning.DEFAULT_ENGINE,
) -> BuildSummary:
    """Build, reason and validate; write the artefact only if the data conforms.

    Project sources (curated data, the committed open-data slices) go through rdflib and
    pySHACL with every shape. Quad files in ``extra_data`` (national imports) stay in
    pyoxigraph, checked with the open-data shapes (``shapes/opendata.ttl``) as SPARQL.
    """
    import pyoxigraph as ox

    seconds: dict[str, float] = {}
    start = time.perf_counter()
    extra = list(extra_data or [])
    bulk_paths = [p for p in extra if p.suffix.lower() in QUAD_FORMATS]
    sources = load_sources(settings, [p for p in extra if p not in bulk_paths])
    # One pyoxigraph store holds every source in its named graph: the open-data shapes
    # check their union (when there is bulk data), the reasoner extends it, and it becomes
    # the artefact. The rdflib dataset keeps only the small project sources.
    working = ox.Store()
    bulk = BulkData(bulk_paths, working) if bulk_paths else None
    seconds["read"] = time.perf_counter() - start

    start = time.perf_counter()
    report = validate_sources(sources)
    _fail_on(report)
    if bulk is not None:
        # A national import replaces the committed AULA slice of the same named graph (it
        # holds the slice's facts, with its own import scope and edition). The curated data
        # was validated above with the slices, so that its references resolve.
        replaced = {URIRef(g) for graphs in bulk.graphs_of.values() for g in graphs}
        for name in replaced:
            sources.dataset.remove_graph(sources.dataset.graph(name))
        sources.files = [f for f in sources.files if f.graph not in replaced]
    _dataset_into(working, sources, skip=(vocab.SHAPES_GRAPH, vocab.INFERRED_GRAPH,
                                          vocab.CATALOG_GRAPH))
    with_union_default_graph(working)
    if bulk is not None:
        opendata_shapes = Graph()
        for path in bulk_shape_files(settings):
            opendata_shapes.parse(path, format="turtle")
        bulk_report = validate_bulk(working, opendata_shapes, bulk.files_of)
        _fail_on(bulk_report)
        report.violations += [
            v for v in bulk_report.violations if v.focus not in _focus_set(report)
        ]
    seconds["validate"] = time.perf_counter() - start

    start = time.perf_counter()
    inferred = reasoning.closure_oxigraph(working, reasoner)
    working.update("DROP DEFAULT")
    seconds["reason"] = time.perf_counter() - start

    start = time.perf_counter()
    # Each query parsed once per text: the last build's parse is reused (aula_kg.prepared).
    catalog = prepared.catalog(settings)
    target = sources.graph(vocab.CATALOG_GRAPH)
    for triple in catalog.to_rdf():
        target.add(triple)
    full = working
    _dataset_into(full, sources, only=(vocab.SHAPES_GRAPH, vocab.CATALOG_GRAPH))
    inferred_graph = ox.NamedNode(str(vocab.INFERRED_GRAPH))
    full.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, inferred_graph)
                     for t in inferred)
    graph_names = list(full.named_graphs())
    with_union_default_graph(full)
    # The on-disk copy is written in the background while the checks run (see
    # store.prebuilt); it is kept only if the build succeeds.
    writer = prebuilt.PrebuiltWriter(full, settings.build_dir)
    try:
        lines = canonical_lines(
            quad for name in graph_names for quad in full.quads_for_pattern(None, None, None, name)
        )
        body = ("\n".join(lines) + "\n").encode()
        checked = EmbeddedStore(full)
        failed = failing_checks(checked, catalog)
        if failed:
            raise ValidationFailed(
                "data-quality checks return rows (they must return none):\n" + "\n".join(failed)
            )
        seconds["check"] = time.perf_counter() - start

        start = time.perf_counter()
        content_hash = hashlib.sha256(body).hexdigest()
        # What readers need at start, computed once here (aula_kg.prepared).
        prepared_entry = prepared.write(settings, checked, content_hash[:16], catalog,
                                        prepared.internal_catalog(settings))
        seconds["prepare"] = time.perf_counter() - start

        start = time.perf_counter()
        counts = full.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
        if not isinstance(counts, ox.QuerySolutions):
            raise TypeError("a SELECT gave no solutions")
        graphs = {row["g"].value: int(row["n"].value) for row in counts}
        previous_store = prebuilt.named_in(settings.manifest_file)
        waited = time.perf_counter()
        store_path = writer.finish(content_hash[:16])
        # What the on-disk store cost the build beyond the steps it overlapped.
        seconds["store"] = time.perf_counter() - waited
    except BaseException:
        writer.abandon()
        raise
    del full
    built_at = datetime.now(UTC).isoformat(timespec="seconds")
    manifest = {
        "version": __version__,
        "built_at": built_at,
        "graph_file": settings.graph_file.name,
        "sha256": content_hash,
        "store": store_path,
        "prepared": prepared_entry,
        "quads": len(lines),
        "graphs": graphs,
        "sources": [
            {"path": settings.relative_source(f.path), "graph": str(f.graph),
             "triples": f.triples, "sha256": f.sha256}
            for f in sources.files + (bulk.files if bulk else [])
        ],
    }
    # The graph, then at once its manifest: the two are replaced back to back (a reader can
    # tell them apart by the manifest's sha256 in the instant between).
    write_atomically(settings.graph_file, body)
    write_atomically(
        settings.manifest_file, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    )
    # The downloadable dumps of the same lines, with their index (publishing.dumps).
    write_dumps(settings.build_dir, lines, content_hash, built_at)
    kept = {store_path} | ({previous_store} if previous_store else set())
    prebuilt.sweep(settings.build_dir, kept)
    prepared.sweep(settings.build_dir, {Path(name).name for name in kept})
    seconds["write"] = time.perf_counter() - start - seconds["store"]
    return BuildSummary(
        graphs, len(lines), len(inferred), seconds, report, settings.graph_file, content_hash
    )
