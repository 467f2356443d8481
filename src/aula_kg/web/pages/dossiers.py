"""Territory dossiers: ``/dossier`` (pick a territory by name) and
``/dossier/{commune|pair|epci|territory}/{key}``, built from the stored queries
``territory_dossier``, ``unexplored_recommendations`` and ``actions_by_recommendation``
(and ``coverage_matrix`` for the list of territories), run through the query pool."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from rdflib.term import Identifier

from ... import vocab
from ...errors import AmbiguousName, AulaKgError, ParameterError
from ...messages import Message
from ...territories import TERRITORY_KINDS, collation_key
from .. import connections
from ..connections import KIND_NAMES, dossier_href
from ..services import AppServices, app_services
from ..terms import href
from .common import not_found_page, render
from .queries import run_rows, territory_choices, typed_value

router = APIRouter(include_in_schema=False)

PLANNING_STATES = [("approuv", "ok"), ("révision", "progress"), ("élaboration", "progress"),
                   ("cours", "progress"), ("prescri", "progress"), ("mature", "early")]
KIND_LABELS = {"commune": "Commune", "pair": "Binôme Action Cœur de Ville", "epci": "EPCI",
               "territory": "Territoire"}


def status_class(text: str) -> str:
    lowered = text.lower()
    return next((cls for key, cls in PLANNING_STATES if key in lowered), "neutral")


def listed(value, separator: str) -> str:
    """A GROUP_CONCAT list in alphabetical order: SPARQL leaves the order of a group to the
    server (1.1, 11.4.7), and a dossier reads the same on every store."""
    parts = [p for p in str(value or "").split(separator) if p]
    return separator.join(sorted(parts, key=collation_key))


def assessment(unexplored: list[dict[str, Identifier | None]],
               covering: list[dict[str, Identifier | None]],
               censuses: list[dict[str, Identifier | None]]) -> dict[str, Any]:
    """What the sources assessed on the territory, for the sentence above the tiles:
    ``coverage`` (complete, partial or none), the communes a partial census covered, the
    censuses covering the territory (latest first, from territory_dossier) and, when none
    does, what the graph's censuses do cover (so that the page says what the sources cover,
    never that the territory lacks actions)."""
    first = unexplored[0] if unexplored else {}
    coverage = str(first.get("coverage") or ("complete" if covering else "none"))
    covering_censuses: dict[str, dict[str, Any]] = {}
    for row in covering:
        covering_censuses.setdefault(str(row["item"]), {
            "href": href(row["item"]), "label": str(row["item_label"]),
            "date": str(row.get("detail") or "")})
    ordered = sorted(covering_censuses.values(), key=lambda c: c["date"], reverse=True)
    elsewhere: dict[str, dict[str, Any]] = {}
    for row in censuses:
        entry = elsewhere.setdefault(str(row["census"]), {
            "href": href(row["census"]), "label": str(row["census_label"]),
            "date": str(row["census_date"]), "programme": str(row["programme_label"]),
            "scopes": []})
        entry["scopes"].append(str(row["scope_label"]))
    return {
        "coverage": coverage,
        "covered_communes": listed(first.get("covered_communes"), ", "),
        "latest": ordered[0] if ordered else None,
        "earlier": ordered[1:],
        "censuses": sorted(elsewhere.values(), key=lambda c: c["date"], reverse=True),
    }


async def dossier_data(services: AppServices, iri: str) -> dict[str, Any]:
    service = services.queries
    names = await service.names_async()
    given = {"territory": iri}
    facts = (await run_rows(service, "territory_dossier", given)).rows
    unexplored = (await run_rows(service, "unexplored_recommendations", given)).rows
    censuses = (await service.answer(service.internal.get("censuses"), {})).rows()
    actions = (await run_rows(service, "actions_by_recommendation", given)).rows
    view = services.graph
    await anyio.to_thread.run_sync(
        view.prefetch, [r.get(k) for rows in (facts, actions) for r in rows
                        for k in ("action", "item")])

    recommendations: dict[str, dict[str, Any]] = {}
    for row in actions:
        notation = str(row["notation"])
        rec = recommendations.get(notation)
        if rec is None:
            try:
                rec_iri = str(names.resolve(notation, {"recommendation"}, "recommendation").iri)
            except ParameterError:
                rec_iri = None
            rec = recommendations[notation] = {
                "notation": notation, "label": str(row["recommendation_label"]),
                "href": href(rec_iri) if rec_iri else None, "explored": True, "actions": [],
                "state": "explored", "upstream": "",
            }
        rec["actions"].append({
            "cell": view.cell(row["action"]),
            "title": str(row["title"]),
            "communes": listed(row.get("communes"), ", "),
            "status": str(row.get("status_label") or ""),
        })
    for row in unexplored:
        notation = str(row["notation"])
        recommendations[notation] = {
            "notation": notation, "label": str(row["label"]),
            "href": href(row["recommendation"]), "explored": False, "actions": [],
            "state": str(row.get("state") or "unexplored"),
            "upstream": listed(row.get("upstream_documents"), " ; "),
        }
    recs = sorted(recommendations.values(), key=lambda r: r["notation"].zfill(4))
    for rec in recs:
        rec["actions"].sort(key=lambda a: collation_key(a["title"]))

    sections: dict[str, list[dict[str, Identifier | None]]] = {}
    for row in facts:
        sections.setdefault(str(row["section"]).split(" ", 1)[1], []).append(row)
    programmes: dict[str, dict[str, Any]] = {}
    for row in sections.get("programme", []):
        entry = programmes.setdefault(
            str(row["item"]), {"cell": view.cell(row["item"]), "communes": []})
        entry["cell"].text = str(row["item_label"])
        commune = str(row.get("detail") or "")
        if commune and commune not in entry["communes"]:
            entry["communes"].append(commune)
    for entry in programmes.values():  # laureates open their dossier
        entry["communes"] = [
            {"label": name, "href": dossier_href(str(found.iri)) if found else None}
            for name in sorted(entry["communes"], key=collation_key)
            for found in [names.find(name, {"commune"})]
        ]
    plans = [{"cell": view.cell(r["item"]), "label": str(r["item_label"]),
              "status": str(r.get("detail") or ""),
              "status_class": status_class(str(r.get("detail") or ""))}
             for r in sections.get("planification", [])]
    indicators = [{"cell": view.cell(r["item"]), "label": str(r["item_label"]),
                   "period": str(r.get("detail") or "")}
                  for r in sections.get("indicateur", [])]
    findings = [{"cell": view.cell(r["item"]), "label": str(r["item_label"]),
                 "statement": str(r.get("detail") or "")}
                for r in sections.get("constat", [])]
    members = [{"cell": view.cell(r["item"]), "iri": str(r["item"]), "label": str(r["item_label"]),
                "code": str(r.get("detail") or "")} for r in sections.get("membre", [])]
    for group in (plans, indicators, findings, members):
        for entry in group:
            entry["cell"].text = entry["label"]
    return {
        "recommendations": recs,
        "unexplored": [r for r in recs if r["state"] == "unexplored"],
        "assessment": assessment(unexplored, sections.get("recensement", []), censuses),
        "programmes": sorted(programmes.values(), key=lambda p: collation_key(p["cell"].text)),
        "plans": plans, "indicators": indicators, "findings": findings, "members": members,
        "action_count": sum(len(r["actions"]) for r in recs),
    }


def other_readings(names, taken, typed: str) -> dict[str, Any] | None:
    """For a dossier reached from a typed name: the reading taken and the others, each a
    link to its dossier ("Béthune-Bruay": the pair; or the CA)."""
    typed = typed.strip()[:200]
    if not typed:
        return None
    others = [c for c in names.readings(typed, TERRITORY_KINDS) if c.iri != taken.iri]
    others += [c for c in names.search(typed, TERRITORY_KINDS, limit=6)
               if c.iri != taken.iri and c.kind != taken.kind and c not in others]
    return {"typed": typed, "kind": KIND_NAMES.get(taken.kind, taken.kind),
            "others": [{"label": c.label, "kind": KIND_NAMES.get(c.kind, c.kind),
                        "href": dossier_href(str(c.iri))} for c in others[:3]]}


@router.get("/dossier", response_class=HTMLResponse)
async def dossier_index(request: Request) -> Response:
    text = request.query_params.get("territoire", "").strip()
    territories = await territory_choices(request)
    if not text:
        return render("dossiers.html", title="Dossiers de territoire", territories=territories,
                      error=None, candidates=[], value="")
    names = await app_services(request).queries.names_async()
    try:
        found = names.resolve(text, TERRITORY_KINDS, "territoire")
    except AmbiguousName as exc:
        candidates = [{"label": label, "href": "/dossier/" + iri.removeprefix(str(vocab.ID))}
                      for iri, label in exc.candidates]
        return render("dossiers.html", 400, title="Dossiers de territoire",
                      territories=territories, error=exc.text("fr"),
                      candidates=candidates, value=text)
    except ParameterError:
        # A partial or misspelt name: the territories whose names contain it, clickable.
        found = names.search(text, TERRITORY_KINDS)
        if len(found) == 1 and names.completes(text, found[0]):
            return RedirectResponse(dossier_href(str(found[0].iri)) + "?" + urlencode(
                {"lu": text}), 303)
        candidates = [{"label": c.label, "kind": KIND_NAMES.get(c.kind, c.kind),
                       "href": dossier_href(str(c.iri))} for c in found]
        message = (Message("search.candidates", given=text) if candidates
                   else Message("search.no_match", given=text))
        return render("dossiers.html", 400, title="Dossiers de territoire",
                      territories=territories, error=message.render("fr"),
                      candidates=candidates, value=text)
    return RedirectResponse(dossier_href(str(found.iri)) + "?" + urlencode({"lu": text}), 303)


@router.get("/dossier/{path:path}", response_class=HTMLResponse)
async def dossier_page(path: str, request: Request) -> Response:
    iri = str(vocab.ID) + path
    services = app_services(request)
    names = await services.queries.names_async()
    try:
        found = names.resolve(iri, TERRITORY_KINDS, "territoire")
    except ParameterError:
        return not_found_page(f"de territoire {iri}")
    try:
        data = await dossier_data(services, iri)
    except AulaKgError as exc:
        return render("error.html", exc.http_status, title="Dossier indisponible",
                      code=exc.http_status, message=exc.text("fr"))
    store = services.store
    links = await anyio.to_thread.run_sync(connections.around, store, names, iri)
    figures = await anyio.to_thread.run_sync(connections.populations, store, iri)
    for entry in data["members"]:  # members open their own dossier
        member = names.candidate(entry["iri"])
        if member is not None and member.kind in TERRITORY_KINDS:
            entry["cell"].href = dossier_href(str(member.iri))
    data["members"].sort(key=lambda m: collation_key(m["label"]))
    return render("dossier.html", title=f"Dossier : {found.label}", label=found.label,
                  kind=KIND_LABELS.get(found.kind, found.kind), iri=iri, resource=href(iri),
                  around=links, populations=figures,
                  understood=other_readings(names, found, request.query_params.get("lu", "")),
                  typed=typed_value(names, found, TERRITORY_KINDS),
                  territories=await territory_choices(request), **data)
