"""Pictures for planners and elected officials, drawn on the server as SVG text.

Three pictures, each a function of a store (and a territory) that returns a standalone
``<svg>`` element, so a web page can put it inline and the command line can save it:

- :func:`coverage_heatmap`: territories × the five recommendations, from the
  ``coverage_matrix`` stored query; the number of actions in each cell, unexplored cells
  (no action) hatched and marked;
- :func:`territory_map`: the communes of the AULA territory (or of one EPCI or pair)
  from the imported outlines (:func:`load_boundaries`), coloured by programme (ACV, PVD,
  ORT), EPCI outlines, laureates labelled; without outlines, a clear message and the
  laureates listed by EPCI;
- :func:`dossier_chart`: a territory's actions by recommendation and by status, from the
  ``actions_by_recommendation`` stored query.

Every picture has ``role="img"``, a ``<title>`` and a ``<desc>`` (what a screen reader says),
``<title>`` tooltips on cells and communes, and ids prefixed by ``id_prefix`` so that
several pictures can share one page. :func:`svg_to_png` converts with cairosvg when it and
the cairo library are installed.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from rdflib import URIRef

from . import vocab
from .catalog import Catalog, run_query
from .config import Settings
from .errors import InputError
from .imports.boundaries import boundaries_path, chain, outline, rings_of
from .store import Store
from .territories import TERRITORY_KINDS, NameIndex

FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
INK = "#1f2933"
MUTED = "#6b7785"
PROGRAMMES = ("acv", "pvd", "ort")
#: Fill of a commune by its main programme (ACV before PVD before ORT alone).
FILLS = {"acv": "#d1495b", "pvd": "#3d7ab8", "ort": "#f4a259", None: "#eef1f4"}
TEXT = {
    "fr": {
        "coverage": "Couverture des cinq préconisations par territoire",
        "coverage_desc": "Nombre d'actions recensées par territoire et par préconisation ; "
                         "les cases hachurées sont des préconisations inexplorées (aucune action).",
        "kinds": {"commune": "Communes lauréates ACV", "pair": "Binômes ACV", "epci": "EPCI"},
        "unexplored": "inexplorée", "legend_unexplored": "aucune action : préconisation inexplorée",
        "actions": "actions", "action": "action",
        "map": "Territoire de l'AULA : communes des programmes ACV, PVD et ORT",
        "map_of": "Communes des programmes ACV, PVD et ORT : {label}",
        "map_desc": "Carte des communes ({n}), colorées par programme ; contours des EPCI ; "
                    "noms des communes lauréates.",
        "acv": "Action Cœur de Ville", "pvd": "Petites Villes de Demain",
        "ort": "ORT seule", "ort_hatch": "ORT (hachures)", "none": "autre commune",
        "epci": "limite d'EPCI",
        "no_boundaries": "Pas de contours de communes importés : la carte ne peut pas être "
                         "dessinée.",
        "no_boundaries_how": "Lancez « aula-kg import boundaries "
                             "../shared/opendata/france-geojson-2018/communes-62-pas-de-calais"
                             ".geojson » puis rechargez.",
        "no_boundaries_list": "En attendant, les communes lauréates par EPCI :",
        "map_source": "Contours : IGN Admin Express COG 2018 (Licence Ouverte), communes "
                      "fusionnées rattachées à la commune d'aujourd'hui. Programmes : ANCT.",
        "dossier": "Actions de {label} ({n})",
        "by_recommendation": "Par préconisation", "by_status": "Par état",
        "no_status": "Non précisé", "no_action": "Aucune action rattachée à ce territoire.",
    },
    "en": {
        "coverage": "Coverage of the five recommendations by territory",
        "coverage_desc": "Number of actions on record per territory and recommendation; "
                         "hatched cells are unexplored recommendations (no action).",
        "kinds": {"commune": "ACV laureate communes", "pair": "ACV pairs", "epci": "EPCI"},
        "unexplored": "unexplored", "legend_unexplored": "no action: unexplored recommendation",
        "actions": "actions", "action": "action",
        "map": "AULA territory: communes of the ACV, PVD and ORT programmes",
        "map_of": "Communes of the ACV, PVD and ORT programmes: {label}",
        "map_desc": "Map of the communes ({n}), coloured by programme; EPCI outlines; "
                    "laureate communes named.",
        "acv": "Action Cœur de Ville", "pvd": "Petites Villes de Demain",
        "ort": "ORT only", "ort_hatch": "ORT (hatched)", "none": "other commune",
        "epci": "EPCI boundary",
        "no_boundaries": "No commune outlines imported: the map cannot be drawn.",
        "no_boundaries_how": "Run 'aula-kg import boundaries "
                             "../shared/opendata/france-geojson-2018/communes-62-pas-de-calais"
                             ".geojson' and reload.",
        "no_boundaries_list": "Meanwhile, the laureate communes by EPCI:",
        "map_source": "Outlines: IGN Admin Express COG 2018 (Licence Ouverte), merged communes "
                      "mapped to today's commune. Programmes: ANCT.",
        "dossier": "Actions of {label} ({n})",
        "by_recommendation": "By recommendation", "by_status": "By status",
        "no_status": "Not stated", "no_action": "No action attributed to this territory.",
    },
}
STATUS_ORDER = {"realisee": 0, "lancee": 1, "en-cours-de-definition": 2}


# --------------------------------------------------------------------------- SVG helpers


def _attr(value) -> str:
    return quoteattr(str(value))


def _text_width(text: str, size: float) -> float:
    """A fair estimate of the width of ``text`` in a sans-serif font."""
    return sum(0.32 if ch in "ilIjt.,;:'|!() " else 0.72 if ch.isupper() else 0.6
               for ch in text) * size


def _text(x, y, text, size=12, anchor="start", weight="normal", fill=INK, extra="") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}"{extra}>{escape(str(text))}</text>')


def _svg(width: float, height: float, title: str, desc: str, body: list[str], id_prefix: str,
         defs: str = "") -> str:
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-labelledby="{id_prefix}-title {id_prefix}-desc" font-family={_attr(FONT)} '
        f'class="aula-picture">',
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(desc)}</desc>',
        f"<defs>{defs}</defs>" if defs else "",
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        *body,
        "</svg>",
    ]) + "\n"


def _hatch(pattern_id: str, colour: str = "#9aa5b1", background: str = "#ffffff") -> str:
    return (f'<pattern id="{pattern_id}" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{background}"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="{colour}" stroke-width="1.5"/></pattern>')


def _blend(low: str, high: str, t: float) -> str:
    a = [int(low[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(high[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


def _catalog(catalog: Catalog | None) -> Catalog:
    return catalog or Catalog.load(Settings.from_env().queries_dir)


def _recommendations(store: Store, lang: str) -> list[tuple[str, str, URIRef]]:
    rows = store.select(f"""
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?r ?n ?l WHERE {{ ?r skos:inScheme <{vocab.ID}recommendation> ;
          skos:notation ?n ; skos:prefLabel ?l FILTER(lang(?l) = "{lang}") }}""").rows
    return sorted((str(n), str(label), URIRef(r)) for r, n, label in rows)


# --------------------------------------------------------------------------- coverage


def coverage_heatmap(store: Store, *, lang: str = "fr", catalog: Catalog | None = None,
                     id_prefix: str = "aula-coverage") -> str:
    """Territories × recommendations, counts in cells, unexplored cells hatched."""
    words = TEXT[lang]
    result = run_query(store, _catalog(catalog).get("coverage_matrix"), {})
    recommendations = _recommendations(store, lang)
    columns = [(n, label) for n, label, _ in recommendations]
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    counts: dict[tuple[str, str], int] = {}
    for row in result.as_dicts():
        territory, kind = str(row["territory"]), str(row["kind"])
        if (territory, str(row["territory_label"])) not in groups[kind]:
            groups[kind].append((territory, str(row["territory_label"])))
        counts[(territory, str(row["notation"]))] = int(row["actions"])
    highest = max(counts.values(), default=0) or 1

    label_width = max([_text_width(label, 12) for rows in groups.values() for _, label in rows]
                      + [_text_width(words["kinds"][k], 12) for k in groups] + [120]) + 24
    cell_w, cell_h, top = 112, 26, 78
    width = label_width + cell_w * len(columns) + 20
    body = [_text(14, 26, words["coverage"], 16, weight="bold")]
    for index, (notation, label) in enumerate(columns):
        x = label_width + cell_w * index + cell_w / 2
        body.append(_text(x, top - 24, f"{notation}. {label}", 12, "middle", "bold"))
    y = top
    for kind in ("commune", "pair", "epci"):
        if kind not in groups:
            continue
        body.append(_text(14, y + 16, words["kinds"][kind], 12, weight="bold", fill=MUTED))
        y += cell_h
        for territory, label in groups[kind]:
            body.append(f'<g class="row" data-territory={_attr(territory)}>')
            body.append(_text(24, y + 17, label, 12))
            for index, (notation, rec_label) in enumerate(columns):
                count = counts.get((territory, notation), 0)
                x = label_width + cell_w * index
                tip = (f"{label} × {rec_label} : {count} "
                       f"{words['action'] if count == 1 else words['actions']}")
                if count == 0:
                    tip += f" ({words['unexplored']})"
                    fill, ink, mark = f"url(#{id_prefix}-hatch)", MUTED, "0"
                else:
                    t = 0.25 + 0.75 * count / highest
                    fill = _blend("#e3eef9", "#1b4f8a", t)
                    ink, mark = ("#ffffff" if t > 0.6 else INK), str(count)
                body.append(
                    f'<g class="cell{" unexplored" if count == 0 else ""}" '
                    f'data-recommendation="{notation}" data-count="{count}">'
                    f"<title>{escape(tip)}</title>"
                    f'<rect x="{x + 2:.1f}" y="{y + 2:.1f}" width="{cell_w - 4}" '
                    f'height="{cell_h - 4}" rx="3" fill="{fill}" stroke="#d5dbe1"/>'
                    + _text(x + cell_w / 2, y + 17, mark, 12, "middle",
                            "bold" if count else "normal", ink) + "</g>")
            body.append("</g>")
            y += cell_h
        y += 6
    y += 8
    body.append(f'<rect x="14" y="{y:.1f}" width="22" height="14" rx="2" '
                f'fill="url(#{id_prefix}-hatch)" stroke="#d5dbe1"/>')
    body.append(_text(44, y + 12, words["legend_unexplored"], 11, fill=MUTED))
    x = 44 + _text_width(words["legend_unexplored"], 11) + 30
    for count in sorted({1, max(1, highest // 2), highest}):
        t = 0.25 + 0.75 * count / highest
        body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="22" height="14" rx="2" '
                    f'fill="{_blend("#e3eef9", "#1b4f8a", t)}"/>')
        body.append(_text(x + 28, y + 12, f"{count}", 11, fill=MUTED))
        x += 28 + _text_width(str(count), 11) + 14
    body.append(_text(x, y + 12, words["actions"], 11, fill=MUTED))
    height = y + 30
    return _svg(width, height, words["coverage"], words["coverage_desc"], body, id_prefix,
                _hatch(f"{id_prefix}-hatch"))


# --------------------------------------------------------------------------- map


def load_boundaries(settings: Settings | None = None) -> dict | None:
    """The imported outlines (``aula-kg import boundaries``), or None when there are none."""
    import json

    path = boundaries_path(settings or Settings.from_env())
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_bytes())
    except (ValueError, OSError):
        return None


_MAP_QUERY = """
PREFIX aula: <https://w3id.org/aula-kg/ontology#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?commune ?code ?label ?epci ?epci_label ?programme WHERE {
  VALUES ?territory { UNDEF }
  ?commune a igeo:Commune ; aula:partOfTerritory ?territory ; igeo:codeINSEE ?code ;
           rdfs:label ?label .
  OPTIONAL { ?commune igeo:subdivisionDirecteDe ?epci . ?epci a igeo:Intercommunalite ;
             rdfs:label ?epci_label FILTER(lang(?epci_label) IN ("fr", "")) }
  OPTIONAL { ?commune aula:laureateOf ?programme
             FILTER(?programme IN (<https://w3id.org/aula-kg/id/programme/acv>,
                                   <https://w3id.org/aula-kg/id/programme/pvd>,
                                   <https://w3id.org/aula-kg/id/programme/ort>)) }
}
"""


def _map_communes(store: Store, territory: URIRef) -> dict[str, dict]:
    text = _MAP_QUERY.replace("VALUES ?territory { UNDEF }",
                              f"VALUES ?territory {{ {territory.n3()} }}")
    communes: dict[str, dict] = {}
    for commune, code, label, epci, epci_label, programme in store.select(text).rows:
        entry = communes.setdefault(str(code), {
            "iri": str(commune), "label": str(label), "epci": str(epci or ""),
            "epci_label": str(epci_label or ""), "programmes": set()})
        if programme is not None:
            entry["programmes"].add(str(programme).rsplit("/", 1)[-1])
    return communes


def _main_programme(programmes: set[str]) -> str | None:
    return next((p for p in PROGRAMMES if p in programmes), None)


def _resolve_territory(store: Store, territory: str | None, names: NameIndex | None):
    if territory is None:
        return vocab.ID["territory/aula"], None
    names = names or NameIndex(store)
    candidate = names.resolve(territory, TERRITORY_KINDS, "territory")
    return candidate.iri, candidate.label


def territory_map(store: Store, boundaries: dict | None, *, territory: str | None = None,
                  lang: str = "fr", names: NameIndex | None = None, width: float = 920,
                  id_prefix: str = "aula-map") -> str:
    """The communes coloured by programme, EPCI outlines, laureates named.

    ``boundaries`` is :func:`load_boundaries`' result; None draws the fallback (a message
    and the laureates listed by EPCI). ``territory`` (a name, code or IRI) zooms on one
    EPCI, pair or commune; by default the whole AULA territory.
    """
    words = TEXT[lang]
    territory_iri, territory_label = _resolve_territory(store, territory, names)
    communes = _map_communes(store, territory_iri)
    title = words["map"] if territory is None else words["map_of"].format(label=territory_label)
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

    body = [_text(margin, 28, title, 16, weight="bold")]
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
        body.append(f'<path data-epci={_attr(epci)} d="{d}"/>')
    body.append("</g>")

    # Labels: ACV and PVD laureates first, then ORT communes, each where it does not overlap.
    placed: list[tuple[float, float, float, float]] = []
    labels = []
    order = sorted((code for code in shapes if communes[code]["programmes"]),
                   key=lambda c: (_rank(communes[c]["programmes"]), communes[c]["label"]))
    for code in order:
        info = communes[code]
        size = 11 if _rank(info["programmes"]) < 2 else 9.5
        cx, cy = xy(_label_point(shapes[code]))
        w, h = _text_width(info["label"], size), size
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
                    + _text(x, y, label, size, "middle", weight, "#ffffff",
                            ' stroke="#ffffff" stroke-width="3" stroke-linejoin="round"')
                    + _text(x, y, label, size, "middle", weight, INK) + "</g>")
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
        body.append(_text(x + 24, y + 11, label, 11))
        x += 24 + _text_width(label, 11) + 18
    body.append(f'<line x1="{x:.1f}" y1="{y + 7:.1f}" x2="{x + 22:.1f}" y2="{y + 7:.1f}" '
                f'stroke="{INK}" stroke-width="1.6"/>')
    body.append(_text(x + 28, y + 11, words["epci"], 11))
    body.append("</g>")
    body.append(_text(margin, y + 38, words["map_source"], 9.5, fill=MUTED))
    desc = words["map_desc"].format(n=len(shapes))
    defs = _hatch(f"{id_prefix}-ort", "#8a4b08", "none").replace(
        '<rect width="6" height="6" fill="none"/>', "")
    return _svg(width, height, title, desc, body, id_prefix, defs)


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
    body = [_text(16, 28, title, 16, weight="bold")]
    body.append(f'<rect x="16" y="44" width="{width - 32:.0f}" height="52" rx="6" '
                f'fill="#fff4e5" stroke="#f4a259"/>')
    body.append(_text(30, 66, words["no_boundaries"], 13, weight="bold",
                      extra=' class="message"'))
    body.append(_text(30, 86, words["no_boundaries_how"], 11, fill=MUTED))
    y = 124
    body.append(_text(16, y, words["no_boundaries_list"], 12, weight="bold"))
    y += 10
    by_epci: dict[str, list] = defaultdict(list)
    for code, info in communes.items():
        if info["programmes"]:
            by_epci[info["epci_label"]].append((code, info))
    for epci_label in sorted(by_epci):
        y += 24
        body.append(_text(16, y, epci_label, 12, weight="bold", fill=MUTED))
        y += 8
        x = 16
        for code, info in sorted(by_epci[epci_label], key=lambda c: c[1]["label"]):
            main = _main_programme(info["programmes"])
            listed = ", ".join(p.upper() for p in PROGRAMMES if p in info["programmes"])
            label = f"{info['label']} ({listed})"
            w = _text_width(label, 11) + 16
            if x + w > width - 16:
                x, y = 16, y + 24
            ink = "#ffffff" if main in ("acv", "pvd") else INK
            body.append(f'<g class="point" data-code="{code}"><rect x="{x:.1f}" y="{y:.1f}" '
                        f'width="{w:.1f}" height="18" rx="9" fill="{FILLS[main]}"/>'
                        + _text(x + 8, y + 13, label, 11, fill=ink) + "</g>")
            x += w + 6
        y += 18
    desc = words["no_boundaries"] + " " + words["no_boundaries_how"]
    return _svg(width, y + 24, title, desc, body, id_prefix)


# --------------------------------------------------------------------------- dossier


def dossier_chart(store: Store, territory: str, *, lang: str = "fr",
                  catalog: Catalog | None = None, names: NameIndex | None = None,
                  id_prefix: str = "aula-dossier") -> str:
    """A territory's actions counted by recommendation and by status (two bar panels)."""
    words = TEXT[lang]
    names = names or NameIndex(store)
    candidate = names.resolve(territory, TERRITORY_KINDS, "territory")
    result = run_query(store, _catalog(catalog).get("actions_by_recommendation"),
                       {"territory": str(candidate.iri)}, names)
    recommendations = _recommendations(store, lang)
    by_recommendation: dict[str, set] = defaultdict(set)
    status_of: dict[str, str] = {}
    for row in result.as_dicts():
        by_recommendation[str(row["notation"])].add(str(row["action"]))
        status_of[str(row["action"])] = str(row["status_label"]) if row["status_label"] else ""
    statuses = _statuses(store, lang)
    by_status: dict[str, int] = defaultdict(int)
    for label in status_of.values():
        by_status[statuses.get(label, label) or words["no_status"]] += 1
    status_rows = [(label, by_status.get(label, 0)) for label in
                   [*sorted(set(statuses.values()), key=lambda s: _status_rank(store, s, lang)),
                    words["no_status"]]]
    rec_rows = [(f"{n}. {label}", len(by_recommendation.get(n, ()))) for n, label, _ in
                recommendations]
    total = len(status_of)

    panel_w, bar_h, gap = 330, 20, 6
    label_w = max(_text_width(label, 11) for label, _ in rec_rows + status_rows) + 12
    highest = max([count for _, count in rec_rows + status_rows] + [1])
    title = words["dossier"].format(label=candidate.label, n=total)
    body = [_text(14, 26, title, 15, weight="bold")]
    panels = ((words["by_recommendation"], rec_rows, "recommendation", "#3d7ab8"),
              (words["by_status"], status_rows, "status", "#5f9e6e"))
    for index, (heading, rows, kind, colour) in enumerate(panels):
        x0 = 14 + index * (panel_w + 30)
        body.append(_text(x0, 54, heading, 12, weight="bold", fill=MUTED))
        for row_index, (label, count) in enumerate(rows):
            y = 66 + row_index * (bar_h + gap)
            length = (panel_w - label_w - 34) * count / highest
            body.append(f'<g class="bar {kind}" data-label={_attr(label)} data-count="{count}">'
                        f"<title>{escape(f'{label} : {count}')}</title>"
                        + _text(x0, y + 14, label, 11)
                        + (f'<rect x="{x0 + label_w:.1f}" y="{y:.1f}" width="{length:.1f}" '
                           f'height="{bar_h}" rx="2" fill="{colour}"/>' if count else
                           f'<rect x="{x0 + label_w:.1f}" y="{y:.1f}" width="14" height="{bar_h}" '
                           f'fill="url(#{id_prefix}-hatch)" stroke="#d5dbe1"/>')
                        + _text(x0 + label_w + max(length, 14) + 6, y + 14, count, 11,
                                weight="bold" if count else "normal",
                                fill=INK if count else MUTED) + "</g>")
    height = 66 + max(len(rec_rows), len(status_rows)) * (bar_h + gap) + 12
    if total == 0:
        body.append(_text(14, height + 4, words["no_action"], 11, fill=MUTED))
        height += 18
    desc = f"{title}. " + "; ".join(f"{label}: {count}" for label, count in rec_rows + status_rows)
    return _svg(14 + 2 * panel_w + 44, height, title, desc, body, id_prefix,
                _hatch(f"{id_prefix}-hatch"))


def _statuses(store: Store, lang: str) -> dict[str, str]:
    """French status label (as the stored query returns it) -> label in ``lang``."""
    rows = store.select(f"""
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?fr ?l WHERE {{ ?s skos:inScheme <{vocab.ID}action-status> ;
          skos:prefLabel ?fr , ?l FILTER(lang(?fr) = "fr" && lang(?l) = "{lang}") }}""").rows
    return {str(fr): str(label) for fr, label in rows}


def _status_rank(store: Store, label: str, lang: str) -> int:
    rows = store.select(f"""
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?s WHERE {{ ?s skos:inScheme <{vocab.ID}action-status> ;
          skos:prefLabel ?l FILTER(str(?l) = {_sparql_string(label)}) }}""").rows
    slug = str(rows[0][0]).rsplit("/", 1)[-1] if rows else ""
    return STATUS_ORDER.get(slug, 9)


def _sparql_string(text: str) -> str:
    from rdflib import Literal

    return Literal(text).n3()


# --------------------------------------------------------------------------- output


def render(kind: str, settings: Settings | None = None, *, territory: str | None = None,
           lang: str = "fr", store: Store | None = None) -> str:
    """One picture by name (``coverage``, ``map``, ``dossier``) from the built graph."""
    from .store import open_store

    settings = settings or Settings.from_env()
    store = store or open_store(settings)
    catalog = Catalog.load(settings.queries_dir)
    if kind == "coverage":
        return coverage_heatmap(store, lang=lang, catalog=catalog)
    if kind == "map":
        return territory_map(store, load_boundaries(settings), territory=territory, lang=lang)
    if kind == "dossier":
        if not territory:
            raise InputError("picture dossier needs --territory (a commune, pair or EPCI)")
        return dossier_chart(store, territory, lang=lang, catalog=catalog)
    raise InputError(f"unknown picture {kind!r} (coverage, map, dossier)")


def png_available() -> bool:
    try:
        import cairosvg  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def svg_to_png(svg: str, scale: float = 2.0) -> bytes:
    """PNG bytes through cairosvg (needs the cairo library); InputError when unavailable."""
    try:
        import cairosvg
    except (ImportError, OSError) as exc:
        raise InputError(f"PNG output needs cairosvg and the cairo library ({exc}); "
                         "write .svg instead") from None
    return cairosvg.svg2png(bytestring=svg.encode(), scale=scale)


def save(svg: str, out: Path) -> None:
    from .build import write_atomically

    suffix = out.suffix.lower()
    if suffix == ".svg":
        write_atomically(out, svg.encode())
    elif suffix == ".png":
        write_atomically(out, svg_to_png(svg))
    else:
        raise InputError(f"{out}: expected a .svg or .png file name")
