"""Commune outlines for the map: a 2018 commune GeoJSON cut down to today's AULA communes.

``aula-kg import boundaries PATH`` reads a FeatureCollection of communes whose features
carry ``code`` (INSEE, any edition: the shared file is IGN Admin Express COG 2018, as
simplified by gregoiredavid/france-geojson) and writes
``data/opendata/communes-aula.geojson``:

- only the communes of the AULA territory (members of the five EPCI in the graph);
- 2018 codes mapped to today's commune through the graph's ``dcterms:isReplacedBy`` links
  (Hesdin 62447, Huby-Saint-Leu 62461, Marconne 62549, Sainte-Austreberthe 62743 are one
  feature, Hesdin-la-Forêt 62447): the parts are dissolved by removing the edges they
  share, so the merged commune is drawn with its outer outline only;
- one feature per commune, sorted by code, with ``code``, ``nom``, ``epci`` and
  ``codes_2018``; coordinates rounded to 5 decimals (about a metre);
- provenance as a foreign member ``aula_kg`` (RFC 7946 §6.1): the source file's name and
  SHA-256, publisher, licence, edition, the mapping of former codes, the communes without
  an outline, and the aula-kg version. No time stamp: importing the same file twice gives
  the same bytes.

The communes, their EPCI and the former codes come from the built graph (the store every
reader opens, :func:`.graph_store.built_graph`), not from the source files; the file is
replaced atomically under the lock of its directory, like the open-data graphs beside it.

The file sits beside the open-data named graphs but is not RDF: the build ignores it and
:mod:`aula_kg.pictures` reads it (:func:`aula_kg.pictures.load_boundaries`).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__, files, vocab
from ..config import Settings
from ..errors import InputError
from ..store import Store
from .graph_store import built_graph
from .writing import lock_wait

BOUNDARIES_FILE = "communes-aula.geojson"

Point = tuple[float, float]
Ring = list[Point]

_COMMUNES_QUERY = """
PREFIX aula: <https://w3id.org/aula-kg/ontology#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?code ?label ?siren ?territory WHERE {
  ?territory aula:hasMember ?epci .
  ?epci aula:siren ?siren .
  ?commune igeo:subdivisionDirecteDe ?epci ; a igeo:Commune ; igeo:codeINSEE ?code ;
           rdfs:label ?label .
}
"""

_REPLACED_QUERY = """
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
SELECT ?old ?new WHERE {
  ?former dcterms:isReplacedBy ?today . ?former igeo:codeINSEE ?old . ?today igeo:codeINSEE ?new
}
"""


def boundaries_path(settings: Settings) -> Path:
    return settings.data_dir / "opendata" / BOUNDARIES_FILE


# --------------------------------------------------------------------------- geometry


def _key(point: Sequence[float]) -> Point:
    return (round(float(point[0]), 5), round(float(point[1]), 5))


def rings_of(geometry: dict[str, Any]) -> list[Ring]:
    """Every ring (outer and holes) of a Polygon or MultiPolygon, as rounded points."""
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates") or []
    polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else []
    return [[_key(p) for p in ring] for polygon in polygons for ring in polygon if len(ring) >= 4]


def segments(rings: list[Ring]) -> Counter[tuple[Point, Point]]:
    """Undirected edges of the rings, counted: an edge two rings share counts twice."""
    count: Counter[tuple[Point, Point]] = Counter()
    for ring in rings:
        for a, b in zip(ring, ring[1:], strict=False):
            if a != b:
                count[(a, b) if a < b else (b, a)] += 1
    return count


def outline(rings: list[Ring]) -> list[tuple[Point, Point]]:
    """The edges on the outside of a group of rings (shared edges dissolved)."""
    return sorted(edge for edge, n in segments(rings).items() if n % 2 == 1)


def chain(edges: list[tuple[Point, Point]]) -> list[list[Point]]:
    """Join edges into as few polylines as possible (closed rings end where they start)."""
    neighbours: dict[Point, list[Point]] = defaultdict(list)
    for a, b in edges:
        neighbours[a].append(b)
        neighbours[b].append(a)
    used: set[tuple[Point, Point]] = set()
    lines = []
    # Start at the ends of open lines first (odd degree), then at any point left.
    starts = sorted(p for p, n in neighbours.items() if len(n) % 2 == 1) + sorted(neighbours)
    for start in starts:
        while True:
            line = [start]
            current = start
            while True:
                nxt = next((q for q in sorted(neighbours[current])
                            if (min(current, q), max(current, q)) not in used), None)
                if nxt is None:
                    break
                used.add((min(current, nxt), max(current, nxt)))
                line.append(nxt)
                current = nxt
            if len(line) > 1:
                lines.append(line)
            if not any((min(start, q), max(start, q)) not in used for q in neighbours[start]):
                break
    return lines


def _ring_area(ring: Ring) -> float:
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:], strict=False)) / 2


def dissolve(rings: list[Ring]) -> dict[str, Any]:
    """One geometry for parts that share edges: their outer outline (holes kept as rings).

    Falls back to a MultiPolygon of the parts when the outline does not close into rings.
    """
    lines = chain(outline(rings))
    closed = [line for line in lines if len(line) >= 4 and line[0] == line[-1]]
    if len(closed) != len(lines) or not closed:
        return {"type": "MultiPolygon", "coordinates": [[list(map(list, r))] for r in rings]}
    closed.sort(key=lambda r: -abs(_ring_area(r)))
    outer = [r for r in closed if not any(_inside(r[0], o) for o in closed if o is not r)]
    polygons = []
    for shell in outer:
        shell = shell if _ring_area(shell) > 0 else shell[::-1]  # RFC 7946: outer anticlockwise
        holes = [h if _ring_area(h) < 0 else h[::-1] for h in closed
                 if h is not shell and h not in outer and _inside(h[0], shell)]
        polygons.append([list(map(list, shell)), *(list(map(list, h)) for h in holes)])
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def _inside(point: Point, ring: Ring) -> bool:
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


# --------------------------------------------------------------------------- import


@dataclass
class BoundariesReport:
    path: Path
    communes: int
    merged: dict[str, list[str]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    written: bool = True

    def lines(self) -> list[str]:
        out = [f"{'written' if self.written else 'unchanged'}: {self.path} "
               f"({self.communes} communes of the AULA territory)"]
        for today, codes in sorted(self.merged.items()):
            out.append(f"  {today} <- 2018 codes {', '.join(codes)} (merged since)")
        if self.missing:
            listed = ", ".join(self.missing)
            out.append(f"  no outline for {len(self.missing)} commune(s): {listed}")
        return out


def read_geojson(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        data = json.loads(path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a GeoJSON file ({exc})") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(
        data.get("features"), list
    ):
        raise InputError(f"{path}: expected a GeoJSON FeatureCollection")
    return data


def import_boundaries(path: Path, settings: Settings | None = None,
                      out: Path | None = None, store: Store | None = None) -> BoundariesReport:
    settings = settings or Settings.from_env()
    out = out or boundaries_path(settings)
    data = read_geojson(path)
    store = store or built_graph(settings)
    communes = {str(code): (str(label), str(siren)) for code, label, siren, _
                in store.select(_COMMUNES_QUERY, {"territory": vocab.AULA_TERRITORY}).rows}
    if not communes:
        raise InputError("the graph has no commune of the AULA territory: import the COG first")
    replaced = {str(old): str(new) for old, new in store.select(_REPLACED_QUERY).rows}
    parts: dict[str, list[Ring]] = defaultdict(list)
    codes_2018: dict[str, list[str]] = defaultdict(list)
    for index, feature in enumerate(data["features"]):
        properties = (feature or {}).get("properties") or {}
        code = str(properties.get("code") or properties.get("insee") or "")
        if not code:
            raise InputError(f"{path}: feature {index} has no 'code' property (INSEE code)")
        today = replaced.get(code, code)
        if today not in communes:
            continue
        parts[today].extend(rings_of((feature or {}).get("geometry") or {}))
        codes_2018[today].append(code)
    features = []
    for code in sorted(parts):
        rings = parts[code]
        geometry = dissolve(rings) if len(codes_2018[code]) > 1 else (
            {"type": "Polygon", "coordinates": [list(map(list, r)) for r in rings]}
            if len(rings) == 1 else dissolve(rings))
        label, siren = communes[code]
        features.append({
            "type": "Feature",
            "properties": {"code": code, "nom": label, "epci": siren,
                           "codes_2018": sorted(codes_2018[code])},
            "geometry": geometry,
        })
    merged = {code: sorted(c) for code, c in codes_2018.items() if len(c) > 1}
    missing = sorted(set(communes) - set(parts))
    collection = {
        "type": "FeatureCollection",
        "aula_kg": {
            "description": "Communes of the AULA territory (today's codes), outlines from a "
                           "2018 commune file; merged communes dissolved. Written by "
                           "'aula-kg import boundaries'.",
            "source_file": path.name,
            "source_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "source": "IGN Admin Express COG 2018, simplified by gregoiredavid/france-geojson",
            "licence": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
            "edition": "2018",
            "former_codes_mapped": merged,
            "communes_without_outline": missing,
            "software": f"aula-kg {__version__}",
        },
        "features": features,
    }
    text = (json.dumps(collection, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
            + "\n").encode()
    report = BoundariesReport(out, len(features), merged, missing)
    report.written = files.write_if_changed(out, text, what="aula-kg import boundaries",
                                            timeout=lock_wait())
    return report
