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
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
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
from .progress import Steps
from .publishing.dumps import prepare_dumps, write_prepared
from .sources import QUAD_FORMATS, SourceFile, Sources, load_sources
from .store import EmbeddedStore, prebuilt
from .store.canonical import canonical_lines, graph_text, store_lines
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
    """Quad files given with ``--with`` (national imports), loaded straight into the working
    pyoxigraph store: reading 900k triples into rdflib takes over a minute, pyoxigraph a few
    seconds. Each file's named graphs, triple count and SHA-256 are kept for the manifest
    and the validation reports."""

    def __init__(self, paths: list[Path], store: ox.Store):
        self.store = store
        self.files: list[SourceFile] = []
        self.graphs_of: dict[str, set[str]] = {}
        for path in paths:
            self._load(path)

    def _load(self, path: Path) -> None:
        store = self.store
        fmt = ox.RdfFormat.TRIG if path.suffix.lower() == ".trig" else ox.RdfFormat.N_QUADS
        before, size = set(store.named_graphs()), len(store)
        try:
            store.load(path=str(path), format=fmt)
        except (OSError, SyntaxError, ValueError) as exc:
            raise InputError(f"{path}: cannot parse: {exc}") from None
        if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None):
            raise InputError(f"{path}: triples outside a named graph are not accepted")
        new = [g for g in store.named_graphs() if g not in before]
        added = len(store) - size
        count = sum(_graph_size(store, g) for g in new)
        if not new or count != added:
            # The file also adds to a graph an earlier file holds: read it on its own to
            # tell its graphs and its size.
            scratch = ox.Store()
            scratch.load(path=str(path), format=fmt)
            new, count = list(scratch.named_graphs()), len(scratch)
        graphs = {g.value for g in new if isinstance(g, ox.NamedNode)}
        self.graphs_of[str(path)] = graphs
        name = next(iter(graphs)) if len(graphs) == 1 else str(vocab.GRAPH["opendata"])
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        self.files.append(SourceFile(path, URIRef(name), count, sha))

    def files_of(self, subject: Node) -> list[str]:
        node = ox.NamedNode(str(subject)) if isinstance(subject, URIRef) else None
        if node is None:
            return []
        return sorted(
            path for path, graphs in self.graphs_of.items()
            if any(next(iter(self.store.quads_for_pattern(node, None, None, ox.NamedNode(g))),
                        None) for g in graphs)
        )


def _graph_size(store: ox.Store, graph: ox.NamedNode | ox.BlankNode) -> int:
    rows = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                       substitutions={ox.Variable("g"): graph})
    if not isinstance(rows, ox.QuerySolutions):
        raise TypeError("a COUNT gave no solutions")
    return sum(int(row["n"].value) for row in rows)


def _load_bulk(paths: list[Path], store: ox.Store) -> BulkData:
    """The quad files into ``store``, and their union into its (empty) default graph."""
    bulk = BulkData(paths, store)
    with_union_default_graph(store)
    return bulk


def _dataset_into(store: ox.Store, sources: Sources, skip: Collection[URIRef] = (),
                  only: Collection[URIRef] | None = None, *, union: bool = False) -> None:
    """Copy the rdflib dataset's named graphs (``only`` those, never ``skip``) into a
    pyoxigraph store; with ``union``, into its default graph as well."""
    for context in sources.dataset.graphs():
        name = context.identifier
        if not isinstance(name, URIRef) or name in skip or not len(context):
            continue
        if only is not None and name not in only:
            continue
        data = context.serialize(format="nt", encoding="utf-8")
        store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(name)))
        if union:
            store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph())


def _graphs_as_nquads(store: ox.Store, names: Iterable[URIRef]) -> bytes:
    """These named graphs of ``store`` as N-Quads, and their triples in the default graph
    as well: what the build adds to the prebuilt store after the reasoning."""
    parts = []
    for name in names:
        graph = ox.NamedNode(str(name))
        parts += [store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph) or b"",
                  graph_text(store, graph)]
    return b"".join(parts)


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


#: The steps of a build, in order (progress lines and the summary's timings name them).
STEPS = ("read", "validate", "reason", "check", "dumps", "prepare", "store", "write")


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

    One pyoxigraph store holds every source in its named graph and their union in its
    default graph: the open-data shapes check that union, the reasoner extends it, and it
    becomes the artefact. The rdflib dataset keeps only the small project sources. Work
    that holds the GIL (rdflib, pySHACL, the catalogue's parser, the dumps' layout) runs
    beside work that releases it (pyoxigraph's loads, queries and updates, the prebuilt
    store's bulk loads, gzip): two cores are used where the steps allow it.
    """
    extra = list(extra_data or [])
    bulk_paths = [p for p in extra if p.suffix.lower() in QUAD_FORMATS]
    working = ox.Store()
    writer: prebuilt.PrebuiltWriter | None = None
    with Steps("build", STEPS) as steps, ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="build") as beside:
        try:
            with steps.step("read"):
                loading = beside.submit(_load_bulk, bulk_paths, working) if bulk_paths else None
                sources = load_sources(settings, [p for p in extra if p not in bulk_paths])

            with steps.step("validate"):
                report = validate_sources(sources)
                _fail_on(report)
                bulk = loading.result() if loading is not None else None
                if bulk is not None:
                    # A national import replaces the committed AULA slice of the same named
                    # graph (it holds the slice's facts, with its own import scope and
                    # edition). The curated data was validated above with the slices, so
                    # that its references resolve.
                    replaced = {URIRef(g) for graphs in bulk.graphs_of.values() for g in graphs}
                    for name in replaced:
                        sources.dataset.remove_graph(sources.dataset.graph(name))
                    sources.files = [f for f in sources.files if f.graph not in replaced]
                _dataset_into(working, sources, union=True,
                              skip=(vocab.SHAPES_GRAPH, vocab.INFERRED_GRAPH, vocab.CATALOG_GRAPH))
                # The on-disk copy starts now, in the background (see store.prebuilt); it is
                # kept only if the build succeeds.
                writer = prebuilt.PrebuiltWriter(settings.build_dir)
                copied = writer.add_store(working)
                if bulk is not None:
                    _validate_bulk_into(report, working, settings, bulk)
                copied.result()  # the reasoner changes the store: the copy must be taken

            with steps.step("reason"):
                # Each query parsed once per text: the last build's parse is reused.
                catalog_loading = beside.submit(prepared.catalogs, settings)
                inferred = reasoning.closure_oxigraph(working, reasoner)
                inferred_graph = ox.NamedNode(str(vocab.INFERRED_GRAPH))
                working.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, inferred_graph)
                                    for t in inferred)

            with steps.step("check"):
                catalog, internal = catalog_loading.result()
                target = sources.graph(vocab.CATALOG_GRAPH)
                for triple in catalog.to_rdf():
                    target.add(triple)
                added = (vocab.SHAPES_GRAPH, vocab.CATALOG_GRAPH)
                _dataset_into(working, sources, only=added, union=True)
                writer.add(_graphs_as_nquads(working, (vocab.INFERRED_GRAPH, *added)))
                lines = store_lines(working, working.named_graphs())
                checked = EmbeddedStore(working)
                failed = failing_checks(checked, catalog)
                if failed:
                    raise ValidationFailed(
                        "data-quality checks return rows (they must return none):\n"
                        + "\n".join(failed))
                graphs = dict(sorted(checked.graph_sizes().items()))

            body = b"\n".join(lines) + b"\n"
            content_hash = hashlib.sha256(body).hexdigest()
            # What readers need at start (aula_kg.prepared), named after the graph's store.
            preparing = beside.submit(prepared.write, settings, checked, content_hash[:16],
                                      catalog, internal, graph_sizes=graphs)
            with steps.step("dumps"):
                text = body.decode("utf-8").split("\n")
                text.pop()  # after the last newline
                laid_out = prepare_dumps(text, content_hash, body=body)
                del text
            with steps.step("prepare"):
                # Computed beside the dumps (pyoxigraph's queries release the GIL); the
                # step's time is what the build waited for it beyond them.
                prepared_entry = preparing.result()

            with steps.step("store"):
                previous_store = prebuilt.named_in(settings.manifest_file)
                store_path = writer.finish(content_hash[:16])
        except BaseException:
            if writer is not None:
                writer.abandon()
            raise
        del working, checked  # the in-memory graph, freed before the files are written

        with steps.step("write"):
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
            # The graph, then at once its manifest: the two are replaced back to back (a
            # reader can tell them apart by the manifest's sha256 in the instant between).
            write_atomically(settings.graph_file, body)
            write_atomically(settings.manifest_file,
                             (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode())
            # The downloadable dumps of the same lines, with their index (publishing.dumps).
            write_prepared(settings.build_dir, laid_out, content_hash, built_at)
            kept = {store_path} | ({previous_store} if previous_store else set())
            prebuilt.sweep(settings.build_dir, kept)
            prepared.sweep(settings.build_dir, {Path(name).name for name in kept})
    return BuildSummary(graphs, len(lines), len(inferred), steps.seconds, report,
                        settings.graph_file, content_hash)


def _validate_bulk_into(report: ValidationReport, working: ox.Store, settings: Settings,
                        bulk: BulkData) -> None:
    """The open-data shapes over the union in ``working``; their results join ``report``."""
    opendata_shapes = Graph()
    for path in bulk_shape_files(settings):
        opendata_shapes.parse(path, format="turtle")
    bulk_report = validate_bulk(working, opendata_shapes, bulk.files_of)
    _fail_on(bulk_report)
    seen = _focus_set(report)
    report.violations += [v for v in bulk_report.violations if v.focus not in seen]
