"""The territory map: the communes of the AULA territory (or of one EPCI, pair or
commune) from the imported outlines, coloured by programme (ACV, PVD, ORT), EPCI outlines,
laureates labelled; without outlines, a clear message and the laureates listed by EPCI."""

from __future__ import annotations

import math
from collections import defaultdict
from xml.sax.saxutils import escape

from ..answering import Answer
from ..imports.boundaries import chain, outline, rings_of
from .svg import FILLS, INK, MUTED, PROGRAMMES, TEXT, attr, hatch, svg, text, text_width


def _main_programme(programmes: set[str]) -> str | None:
    return next((p for p in PROGRAMMES if p in programmes), None)


def communes_of(answer: Answer) -> dict[str, dict]:
    """INSEE code -> the commune's IRI, label, EPCI and programmes, from the internal
    ``map_communes`` query."""
    communes: dict[str, dict] = {}
    for row in answer.rows():
        entry = communes.setdefault(str(row["code"]), {
            "iri": str(row["commune"]), "label": str(row["label"]),
            "epci": str(row["epci"] or ""), "epci_label": str(row["epci_label"] or ""),
            "programmes": set()})
        if row["programme"] is not None:
            entry["programmes"].add(str(row["programme"]).rsplit("/", 1)[-1])
    return communes


def territory_map(communes_answer: Answer, boundaries: dict | None, *,
                  territory_label: str | None = None, lang: str = "fr", width: float = 920,
                  id_prefix: str = "aula-map") -> str:
    """The communes coloured by programme, EPCI outlines, laureates named.

    ``communes_answer`` answers the internal ``map_communes`` query for the territory drawn;
    ``territory_label`` names it in the title (None: the whole AULA territory).
    ``boundaries`` is :func:`load_boundaries`' result; None draws the fallback (a message
    and the laureates listed by EPCI).
    """
    words = TEXT[lang]
    communes = communes_of(communes_answer)
    title = (words["map"] if territory_label is None
             else words["map_of"].format(label=territory_label))
    features = [f for f in (boundaries or {}).get("features", [])
                if str((f.get("properties") or {}).get("code")) in communes]
    if not features:
        return _map_fallback(communes, title, words, width, id_prefix, boundaries is None)

    shapes = {str(f["properties"]["code"]): rings_of(f.get("geometry") or {}) for f in features}
    points = [p for rings in shapes.values() for ring in rings for p in ring]
    lon0, lon1 = min(p[0] for p in points), max(p[0] for p in points)
    lat0, lat1 = min(p[1] for p in points), max(p[1] for p in points)
    k_lon = math.cos(math.radians((lat0 + lat1) / 2))
    margin, top, legend_h = 16, 44, 86
    scale = (width - 2 * margin) / max((lon1 - lon0) * k_lon, 1e-9)
    map_h = (lat1 - lat0) * scale
    height = top + map_h + legend_h

    def xy(p) -> tuple[float, float]:
        return margin + (p[0] - lon0) * k_lon * scale, top + (lat1 - p[1]) * scale

    def path(rings) -> str:
        return "".join("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in map(xy, ring)) + "Z"
                       for ring in rings)

    body = [text(margin, 28, title, 16, weight="bold")]
    body.append('<g class="communes" stroke="#ffffff" stroke-width="0.6" fill-rule="evenodd">')
    for code in sorted(shapes):
        info = communes[code]
        main = _main_programme(info["programmes"])
        names_of = ", ".join(p.upper() for p in PROGRAMMES if p in info["programmes"])
        tip = f"{info['label']} ({code})" + (f" : {names_of}" if names_of else "")
        body.append(f'<path class="commune" data-code="{code}" '
                    f'data-programmes="{" ".join(sorted(info["programmes"]))}" '
                    f'fill="{FILLS[main]}" d="{path(shapes[code])}"><title>{escape(tip)}</title>'
                    f"</path>")
        if "ort" in info["programmes"] and main != "ort":
            body.append(f'<path class="ort" fill="url(#{id_prefix}-ort)" stroke="none" '
                        f'pointer-events="none" d="{path(shapes[code])}"/>')
    body.append("</g>")

    by_epci: dict[str, list] = defaultdict(list)
    for code, rings in shapes.items():
        by_epci[communes[code]["epci"]].extend(rings)
    body.append(f'<g class="epci" fill="none" stroke="{INK}" stroke-width="1.6" '
                f'stroke-linejoin="round">')
    for epci in sorted(by_epci):
        lines = chain(outline(by_epci[epci]))
        d = "".join("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in map(xy, line)) for line in lines)
        body.append(f'<path data-epci={attr(epci)} d="{d}"/>')
    body.append("</g>")

    # Labels: ACV and PVD laureates first, then ORT communes, each where it does not overlap.
    placed: list[tuple[float, float, float, float]] = []
    labels = []
    order = sorted((code for code in shapes if communes[code]["programmes"]),
                   key=lambda c: (_rank(communes[c]["programmes"]), communes[c]["label"]))
    for code in order:
        info = communes[code]
        size = 11 if _rank(info["programmes"]) < 2 else 10
        cx, cy = xy(_label_point(shapes[code]))
        w, h = text_width(info["label"], size), size
        for dx, dy in ((0, 0), (0, -h - 2), (0, h + 2), (w / 2 + 4, 0), (-w / 2 - 4, 0),
                       (0, -2 * h - 4), (0, 2 * h + 4)):
            box = (cx + dx - w / 2, cy + dy - h, cx + dx + w / 2, cy + dy + 2)
            if not any(_overlap(box, other) for other in placed):
                placed.append(box)
                labels.append((cx + dx, cy + dy, info["label"], size, code))
                break
    body.append('<g class="labels" text-anchor="middle">')
    for x, y, label, size, code in labels:
        weight = "bold" if size > 10 else "normal"
        body.append(f'<g class="label" data-code="{code}">'
                    + text(x, y, label, size, "middle", weight, "#ffffff",
                            ' stroke="#ffffff" stroke-width="3" stroke-linejoin="round"')
                    + text(x, y, label, size, "middle", weight, INK) + "</g>")
    body.append("</g>")

    y = top + map_h + 18
    x = margin
    items = [("acv", FILLS["acv"], words["acv"]), ("pvd", FILLS["pvd"], words["pvd"]),
             ("ort", FILLS["ort"], words["ort"]), ("ort-hatch", f"url(#{id_prefix}-ort)",
                                                   words["ort_hatch"]),
             ("none", FILLS[None], words["none"])]
    body.append('<g class="legend">')
    for key, fill, label in items:
        body.append(f'<rect class="legend-{key}" x="{x:.1f}" y="{y:.1f}" width="18" height="13" '
                    f'fill="{fill}" stroke="#c3cad2"/>')
        body.append(text(x + 24, y + 11, label, 11))
        x += 24 + text_width(label, 11) + 18
    body.append(f'<line x1="{x:.1f}" y1="{y + 7:.1f}" x2="{x + 22:.1f}" y2="{y + 7:.1f}" '
                f'stroke="{INK}" stroke-width="1.6"/>')
    body.append(text(x + 28, y + 11, words["epci"], 11))
    body.append("</g>")
    body.append(text(margin, y + 38, words["map_source"], 10, fill=MUTED))
    desc = words["map_desc"].format(n=len(shapes))
    defs = hatch(f"{id_prefix}-ort", "#8a4b08", "none").replace(
        '<rect width="6" height="6" fill="none"/>', "")
    return svg(width, height, title, desc, body, id_prefix, defs)


def _rank(programmes: set[str]) -> int:
    return 0 if "acv" in programmes else 1 if "pvd" in programmes else 2


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _label_point(rings) -> tuple[float, float]:
    """The centroid of the largest ring (good enough for communes, which are compact)."""
    ring = max(rings, key=lambda r: abs(_area(r)))
    area = _area(ring)
    if abs(area) < 1e-12:
        return ring[0]
    edges = list(zip(ring, ring[1:], strict=False))
    cx = sum((a[0] + b[0]) * (a[0] * b[1] - b[0] * a[1]) for a, b in edges)
    cy = sum((a[1] + b[1]) * (a[0] * b[1] - b[0] * a[1]) for a, b in edges)
    return cx / (6 * area), cy / (6 * area)


def _area(ring) -> float:
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:], strict=False)) / 2


def _map_fallback(communes: dict, title: str, words: dict, width: float, id_prefix: str,
                  missing: bool) -> str:
    body = [text(16, 28, title, 16, weight="bold")]
    body.append(f'<rect x="16" y="44" width="{width - 32:.0f}" height="52" rx="6" '
                f'fill="#fff4e5" stroke="#f4a259"/>')
    body.append(text(30, 66, words["no_boundaries"], 13, weight="bold",
                      extra=' class="message"'))
    body.append(text(30, 86, words["no_boundaries_how"], 11, fill=MUTED))
    y = 124
    body.append(text(16, y, words["no_boundaries_list"], 12, weight="bold"))
    y += 10
    by_epci: dict[str, list] = defaultdict(list)
    for code, info in communes.items():
        if info["programmes"]:
            by_epci[info["epci_label"]].append((code, info))
    for epci_label in sorted(by_epci):
        y += 24
        body.append(text(16, y, epci_label, 12, weight="bold", fill=MUTED))
        y += 8
        x = 16
        for code, info in sorted(by_epci[epci_label], key=lambda c: c[1]["label"]):
            main = _main_programme(info["programmes"])
            listed = ", ".join(p.upper() for p in PROGRAMMES if p in info["programmes"])
            label = f"{info['label']} ({listed})"
            w = text_width(label, 11) + 16
            if x + w > width - 16:
                x, y = 16, y + 24
            ink = "#ffffff" if main in ("acv", "pvd") else INK
            body.append(f'<g class="point" data-code="{code}"><rect x="{x:.1f}" y="{y:.1f}" '
                        f'width="{w:.1f}" height="18" rx="9" fill="{FILLS[main]}"/>'
                        + text(x + 8, y + 13, label, 11, fill=ink) + "</g>")
            x += w + 6
        y += 18
    desc = words["no_boundaries"] + " " + words["no_boundaries_how"]
    return svg(width, y + 24, title, desc, body, id_prefix)

