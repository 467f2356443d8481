"""A dossier's chart: a territory's actions by recommendation and by status, from the
``actions_by_recommendation`` stored query, each recommendation in one of three states (from
``unexplored_recommendations``): explored (a bar), unexplored (hatched), not assessed (plain
neutral grey, and a sentence saying no census covers the territory); the census the answer
comes from is named with its date, and the covered communes when the coverage is partial."""

from __future__ import annotations

from collections import defaultdict
from xml.sax.saxutils import escape

from ..answering import Answer
from .heatmap import recommendation_columns
from .svg import INK, MUTED, NEUTRAL, TEXT, attr, hatch, svg, text, text_width

#: Order of the statuses in the chart, by the last segment of their IRI.
STATUS_ORDER = {"realisee": 0, "lancee": 1, "en-cours-de-definition": 2}


def status_labels(statuses: Answer, lang: str) -> tuple[dict[str, str], dict[str, int]]:
    """From the internal ``action_statuses`` query: French label (as the stored queries
    return it) -> label in ``lang``, and label in ``lang`` -> its rank in the chart."""
    french: dict[str, str] = {}
    local: dict[str, str] = {}
    for row in statuses.rows():
        status, status_label = str(row["status"]), row["label"]
        if status_label.language == "fr":
            french[status] = str(status_label)
        if status_label.language == lang:
            local[status] = str(status_label)
    in_lang = {french[s]: local[s] for s in french if s in local}
    rank = {local[s]: STATUS_ORDER.get(s.rsplit("/", 1)[-1], 9) for s in local}
    return in_lang, rank


def census_line(states: Answer | None, lang: str) -> tuple[dict[str, str], str | None]:
    """From ``unexplored_recommendations``: notation -> state of each recommendation it
    lists, and the sentence saying which census the answer comes from (None when unknown)."""
    words = TEXT[lang]
    by_notation: dict[str, str] = {}
    line = None
    for row in (states.rows() if states is not None else []):
        state = str(row.get("state") or "")
        by_notation[str(row["notation"])] = state
        if state == "not-assessed":
            line = words["no_census"]
        elif row.get("census_date") is not None:
            date = str(row["census_date"])
            line = (words["census_partial"].format(date=date, communes=row["covered_communes"])
                    if str(row.get("coverage") or "") == "partial"
                    else words["census_of"].format(date=date))
    return by_notation, line


def dossier_chart(actions: Answer, recommendations: Answer, statuses: Answer, *, label: str,
                  lang: str = "fr", id_prefix: str = "aula-dossier",
                  states: Answer | None = None) -> str:
    """A territory's actions counted by recommendation and by status (two bar panels).

    ``actions`` answers ``actions_by_recommendation`` for the territory named ``label``;
    ``recommendations`` and ``statuses`` the internal queries of those names; ``states``
    ``unexplored_recommendations`` (without it, a recommendation with no action is drawn
    unexplored)."""
    words = TEXT[lang]
    state_of, census = census_line(states, lang)
    by_recommendation: dict[str, set] = defaultdict(set)
    status_of: dict[str, str] = {}
    for row in actions.rows():
        by_recommendation[str(row["notation"])].add(str(row["action"]))
        status_of[str(row["action"])] = str(row["status_label"]) if row["status_label"] else ""
    in_lang, rank = status_labels(statuses, lang)
    by_status: dict[str, int] = defaultdict(int)
    for status_label in status_of.values():
        by_status[in_lang.get(status_label, status_label) or words["no_status"]] += 1
    status_rows = [(s, by_status.get(s, 0)) for s in
                   [*sorted(set(in_lang.values()), key=lambda s: rank.get(s, 9)),
                    words["no_status"]]]
    rec_rows = [(f"{n}. {label}", len(by_recommendation.get(n, ()))) for n, label, _ in
                recommendation_columns(recommendations, lang)]
    rec_states = [state_of.get(n, "explored" if by_recommendation.get(n) else "unexplored")
                  for n, _, _ in recommendation_columns(recommendations, lang)]
    total = len(status_of)

    panel_w, bar_h, gap = 330, 20, 6
    label_w = max(text_width(label, 11) for label, _ in rec_rows + status_rows) + 12
    highest = max([count for _, count in rec_rows + status_rows] + [1])
    title = words["dossier"].format(label=label, n=total)
    body = [text(14, 26, title, 15, weight="bold")]
    panels = ((words["by_recommendation"], rec_rows, "recommendation", "#3d7ab8"),
              (words["by_status"], status_rows, "status", "#5f9e6e"))
    for index, (heading, rows, kind, colour) in enumerate(panels):
        x0 = 14 + index * (panel_w + 30)
        body.append(text(x0, 54, heading, 12, weight="bold", fill=MUTED))
        for row_index, (label, count) in enumerate(rows):
            y = 66 + row_index * (bar_h + gap)
            length = (panel_w - label_w - 34) * count / highest
            state = rec_states[row_index] if kind == "recommendation" else ""
            tip = f"{label} : {count}"
            if state == "not-assessed":
                tip = f"{label} : {words['not_assessed']}"
                empty = (f'<rect x="{x0 + label_w:.1f}" y="{y:.1f}" width="14" '
                         f'height="{bar_h}" fill="{NEUTRAL}" stroke="#d5dbe1"/>')
            else:
                if state == "unexplored":
                    tip += f" ({words['unexplored']})"
                empty = (f'<rect x="{x0 + label_w:.1f}" y="{y:.1f}" width="14" '
                         f'height="{bar_h}" fill="url(#{id_prefix}-hatch)" stroke="#d5dbe1"/>')
            classes = f"bar {kind}" + (f" {state}" if state and not count else "")
            body.append(f'<g class="{classes}" data-label={attr(label)} data-count="{count}"'
                        + (f' data-state="{state}"' if state else "") + ">"
                        f"<title>{escape(tip)}</title>"
                        + text(x0, y + 14, label, 11)
                        + (f'<rect x="{x0 + label_w:.1f}" y="{y:.1f}" width="{length:.1f}" '
                           f'height="{bar_h}" rx="2" fill="{colour}"/>' if count else empty)
                        + text(x0 + label_w + max(length, 14) + 6, y + 14, count, 11,
                                weight="bold" if count else "normal",
                                fill=INK if count else MUTED) + "</g>")
    height = 66 + max(len(rec_rows), len(status_rows)) * (bar_h + gap) + 12
    if total == 0:
        body.append(text(14, height + 4, words["no_action"], 11, fill=MUTED))
        height += 18
    if census:
        body.append(f'<text class="census" x="14" y="{height + 4:.1f}" font-size="11" '
                    f'fill="{MUTED}">{escape(census)}</text>')
        height += 18
    desc = f"{title}. " + "; ".join(f"{label}: {count}" for label, count in rec_rows + status_rows)
    if census:
        desc += f". {census}"
    return svg(14 + 2 * panel_w + 44, height, title, desc, body, id_prefix,
                hatch(f"{id_prefix}-hatch"))

