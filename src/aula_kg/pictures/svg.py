"""SVG primitives shared by the pictures: text, the standalone ``<svg>`` element with its
title and description, hatching, colour blending; the words of each picture in French and
English; the programme colours."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
INK = "#1f2933"
#: The fill of a "not assessed" cell or bar: neutral, distinct from the unexplored hatching.
NEUTRAL = "#eceff2"
MUTED = "#6b7785"
PROGRAMMES = ("acv", "pvd", "ort")
#: Fill of a commune by its main programme (ACV before PVD before ORT alone).
FILLS = {"acv": "#d1495b", "pvd": "#3d7ab8", "ort": "#f4a259", None: "#eef1f4"}
TEXT = {
    "fr": {
        "coverage": "Couverture des cinq préconisations par territoire",
        "coverage_desc": "Nombre d'actions recensées par territoire et par préconisation ; "
                         "les cases hachurées sont des préconisations inexplorées (un "
                         "recensement a couvert le territoire sans relever d'action) ; les cases "
                         "grises unies ne sont pas évaluées (aucun recensement ne couvre le "
                         "territoire).",
        "kinds": {"commune": "Communes lauréates ACV", "pair": "Binômes ACV", "epci": "EPCI"},
        "unexplored": "inexplorée", "legend_unexplored": "aucune action : préconisation inexplorée",
        "not_assessed": "non évaluée : aucun recensement ne couvre ce territoire",
        "legend_not_assessed": "non évaluée (aucun recensement)",
        "partial": "couvert en partie par les recensements : {communes}",
        "legend_partial": "◐ territoire couvert en partie",
        "census_of": "Recensement du {date}",
        "census_partial": "Recensement du {date}, qui ne couvre que : {communes}",
        "no_census": "Aucun recensement des actions ne couvre ce territoire : ses préconisations "
                     "ne sont pas évaluées.",
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
                         "hatched cells are unexplored recommendations (a census covered the "
                         "territory and recorded no action); plain grey cells are not assessed "
                         "(no census covers the territory).",
        "kinds": {"commune": "ACV laureate communes", "pair": "ACV pairs", "epci": "EPCI"},
        "unexplored": "unexplored", "legend_unexplored": "no action: unexplored recommendation",
        "not_assessed": "not assessed: no census covers this territory",
        "legend_not_assessed": "not assessed (no census)",
        "partial": "partly covered by the censuses: {communes}",
        "legend_partial": "◐ partly covered territory",
        "census_of": "Census of {date}",
        "census_partial": "Census of {date}, covering only: {communes}",
        "no_census": "No census of actions covers this territory: its recommendations are not "
                     "assessed.",
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


def attr(value) -> str:
    return quoteattr(str(value))


def text_width(text: str, size: float) -> float:
    """A fair estimate of the width of ``text`` in a sans-serif font."""
    return sum(0.32 if ch in "ilIjt.,;:'|!() " else 0.72 if ch.isupper() else 0.6
               for ch in text) * size


def text(x, y, text, size=12, anchor="start", weight="normal", fill=INK, extra="") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}"{extra}>{escape(str(text))}</text>')


def svg(width: float, height: float, title: str, desc: str, body: list[str], id_prefix: str,
         defs: str = "") -> str:
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-labelledby="{id_prefix}-title {id_prefix}-desc" font-family={attr(FONT)} '
        f'class="aula-picture">',
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(desc)}</desc>',
        f"<defs>{defs}</defs>" if defs else "",
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        *body,
        "</svg>",
    ]) + "\n"


def hatch(pattern_id: str, colour: str = "#9aa5b1", background: str = "#ffffff") -> str:
    return (f'<pattern id="{pattern_id}" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{background}"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="{colour}" stroke-width="1.5"/></pattern>')


def blend(low: str, high: str, t: float) -> str:
    a = [int(low[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(high[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))

