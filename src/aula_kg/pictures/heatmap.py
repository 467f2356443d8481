"""The coverage heatmap: territories × the five recommendations, from the
``coverage_matrix`` stored query; the number of actions in each cell, in three states: explored
(blue, darker with more actions), unexplored (a census covered the territory and recorded no
action: hatched, "0"), not assessed (no census covers it: plain neutral grey, "–"). A partly
covered territory is marked ◐ and its tooltip names the covered communes."""

from __future__ import annotations

from collections import defaultdict
from xml.sax.saxutils import escape

from rdflib import URIRef

from ..answering import Answer
from ..territories import collation_key
from .svg import INK, MUTED, NEUTRAL, TEXT, attr, blend, hatch, svg, text, text_width


def recommendation_columns(recommendations: Answer, lang: str) -> list[tuple[str, str, URIRef]]:
    """(notation, label in ``lang``, IRI) of each recommendation, by notation, from the
    internal ``recommendations`` query."""
    return sorted((str(row["notation"]), str(row["label"]), URIRef(row["recommendation"]))
                  for row in recommendations.rows() if row["label"].language == lang)


def coverage_heatmap(matrix: Answer, recommendations: Answer, *, lang: str = "fr",
                     id_prefix: str = "aula-coverage") -> str:
    """Territories × recommendations, counts in cells, unexplored cells hatched.

    ``matrix`` answers the ``coverage_matrix`` stored query, ``recommendations`` the
    internal ``recommendations`` query."""
    words = TEXT[lang]
    columns = [(n, label) for n, label, _ in recommendation_columns(recommendations, lang)]
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    counts: dict[tuple[str, str], int] = {}
    states: dict[tuple[str, str], str] = {}
    partial: dict[str, str] = {}
    for row in matrix.rows():
        territory, kind = str(row["territory"]), str(row["kind"])
        if (territory, str(row["territory_label"])) not in groups[kind]:
            groups[kind].append((territory, str(row["territory_label"])))
        counts[(territory, str(row["notation"]))] = int(row["actions"])
        states[(territory, str(row["notation"]))] = str(row.get("state") or "")
        if str(row.get("coverage") or "") == "partial":
            # Read in French order whatever order the store concatenated them in.
            names = str(row.get("covered_communes") or "").split(", ")
            partial[territory] = ", ".join(sorted(filter(None, names), key=collation_key))
    highest = max(counts.values(), default=0) or 1

    label_width = max([text_width(label, 12) + 20 for rows in groups.values() for _, label in rows]
                      + [text_width(words["kinds"][k], 12) for k in groups] + [120]) + 24
    cell_w, cell_h, top = 112, 26, 78
    width = label_width + cell_w * len(columns) + 20
    body = [text(14, 26, words["coverage"], 16, weight="bold")]
    for index, (notation, label) in enumerate(columns):
        x = label_width + cell_w * index + cell_w / 2
        body.append(text(x, top - 24, f"{notation}. {label}", 12, "middle", "bold"))
    y = top
    for kind in ("commune", "pair", "epci"):
        if kind not in groups:
            continue
        body.append(text(14, y + 16, words["kinds"][kind], 12, weight="bold", fill=MUTED))
        y += cell_h
        for territory, label in groups[kind]:
            coverage = "partial" if territory in partial else ""
            body.append(f'<g class="row" data-territory={attr(territory)}'
                        f' data-coverage="{coverage or "complete"}">')
            if coverage:
                tip = words["partial"].format(communes=partial[territory])
                body.append(f"<title>{escape(f'{label} : {tip}')}</title>")
            body.append(text(24, y + 17, label, 12))
            if coverage:
                body.append(text(24 + text_width(label, 12) + 6, y + 17, "◐", 12,
                                 extra=' class="partial-mark"'))
            for index, (notation, rec_label) in enumerate(columns):
                count = counts.get((territory, notation), 0)
                state = states.get((territory, notation)) or (
                    "explored" if count else "unexplored")
                x = label_width + cell_w * index
                tip = (f"{label} × {rec_label} : {count} "
                       f"{words['action'] if count == 1 else words['actions']}")
                if state == "not-assessed":
                    tip = f"{label} × {rec_label} : {words['not_assessed']}"
                    fill, ink, mark = NEUTRAL, MUTED, "–"
                elif count == 0:
                    tip += f" ({words['unexplored']})"
                    fill, ink, mark = f"url(#{id_prefix}-hatch)", MUTED, "0"
                else:
                    t = 0.25 + 0.75 * count / highest
                    fill = blend("#e3eef9", "#1b4f8a", t)
                    ink, mark = ("#ffffff" if t > 0.6 else INK), str(count)
                if coverage and state != "not-assessed":
                    tip += " ; " + words["partial"].format(communes=partial[territory])
                extra = {"not-assessed": " not-assessed", "unexplored": " unexplored"}.get(
                    state if count == 0 else "", "")
                body.append(
                    f'<g class="cell{extra}" data-state="{state}" '
                    f'data-recommendation="{notation}" data-count="{count}">'
                    f"<title>{escape(tip)}</title>"
                    f'<rect x="{x + 2:.1f}" y="{y + 2:.1f}" width="{cell_w - 4}" '
                    f'height="{cell_h - 4}" rx="3" fill="{fill}" stroke="#d5dbe1"/>'
                    + text(x + cell_w / 2, y + 17, mark, 12, "middle",
                            "bold" if count else "normal", ink) + "</g>")
            body.append("</g>")
            y += cell_h
        y += 6
    y += 8
    body.append(f'<rect x="14" y="{y:.1f}" width="22" height="14" rx="2" '
                f'fill="url(#{id_prefix}-hatch)" stroke="#d5dbe1"/>')
    body.append(text(44, y + 12, words["legend_unexplored"], 11, fill=MUTED))
    x = 44 + text_width(words["legend_unexplored"], 11) + 30
    for count in sorted({1, max(1, highest // 2), highest}):
        t = 0.25 + 0.75 * count / highest
        body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="22" height="14" rx="2" '
                    f'fill="{blend("#e3eef9", "#1b4f8a", t)}"/>')
        body.append(text(x + 28, y + 12, f"{count}", 11, fill=MUTED))
        x += 28 + text_width(str(count), 11) + 14
    body.append(text(x, y + 12, words["actions"], 11, fill=MUTED))
    # Second legend line: the third state, and the partly covered territories.
    y += 22
    body.append(f'<rect class="legend-not-assessed" x="14" y="{y:.1f}" width="22" '
                f'height="14" rx="2" fill="{NEUTRAL}" stroke="#d5dbe1"/>')
    body.append(text(22 + 3, y + 11, "–", 11, "middle", fill=MUTED))
    body.append(text(44, y + 12, words["legend_not_assessed"], 11, fill=MUTED))
    if partial:
        x = 44 + text_width(words["legend_not_assessed"], 11) + 30
        body.append(text(x, y + 12, words["legend_partial"], 11, fill=MUTED))
    height = y + 30
    return svg(width, height, words["coverage"], words["coverage_desc"], body, id_prefix,
                hatch(f"{id_prefix}-hatch"))

