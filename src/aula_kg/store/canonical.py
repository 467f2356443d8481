"""The build's canonical N-Quads lines: sorted, one per quad, blank nodes with their RDFC-1.0
labels, so that the same graph always gives the same bytes (the artefact, its SHA-256, the
dumps). Made from a pyoxigraph store by its serialiser rather than a Python object per quad
(seconds less on the national graph)."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox


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


def graph_text(store: ox.Store, graph: ox.NamedNode | ox.BlankNode) -> bytes:
    """One named graph of ``store`` as N-Quads, each line as its quad prints (``str(quad)``
    and `` .``): pyoxigraph's N-Triples, the graph added at the end of each line (a line
    ends with " ." and a newline, which N-Triples escapes inside literals)."""
    text = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph) or b""
    return text.replace(b" .\n", f" {graph} .\n".encode())


def store_lines(store: ox.Store, graphs: Iterable[ox.NamedNode | ox.BlankNode]) -> list[bytes]:
    """:func:`canonical_lines` of the named ``graphs`` of ``store``, as UTF-8 bytes (which
    sort as the text does): the same lines, without a Python object per quad."""
    lines: list[bytes] = []
    candidates: list[bytes] = []
    for graph in graphs:
        text = graph_text(store, graph)
        lines += text.splitlines()
        if b"_:" in text:  # a blank node, or only these characters inside a literal
            candidates += [line for line in text.splitlines() if b"_:" in line]
    if candidates:
        quads = list(ox.parse(b"\n".join(candidates), format=ox.RdfFormat.N_QUADS))
        blank = {f"{q} .".encode() for q in quads if any(
            isinstance(t, ox.BlankNode) for t in (q.subject, q.object, q.graph_name))}
        if blank:  # canonical labels for them (RDFC-1.0)
            lines = [line for line in lines if line not in blank]
            relabelled = canonical_lines(q for q in quads if f"{q} .".encode() in blank)
            lines += [line.encode() for line in relabelled]
    # Distinct graphs give distinct lines, and a graph holds each quad once: no duplicate.
    lines.sort()
    return lines
