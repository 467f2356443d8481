"""The planners' spreadsheet template: its columns, and what each column means in RDF.

Only ``titre`` is required as a column; headers are matched without accents, case or
punctuation, in French or English, or by an alias (:data:`COLUMNS`).
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS

from ...territories import TERRITORY_KINDS
from ...vocab import AULA


@dataclass(frozen=True)
class Column:
    key: str
    fr: str
    en: str
    help_fr: str
    help_en: str
    multi: bool = False
    aliases: tuple[str, ...] = ()

    def header(self, lang: str) -> str:
        return self.fr if lang == "fr" else self.en


#: The template's columns, in order. Only ``titre`` is required to be present as a column.
COLUMNS: tuple[Column, ...] = (
    Column("id", "identifiant", "identifier",
           "Identifiant stable (minuscules, chiffres, tirets). Vide pour une nouvelle action : "
           "il est tiré du titre.",
           "Stable identifier (lower case, digits, hyphens). Empty for a new action: made "
           "from the title.", aliases=("id",)),
    Column("communes", "commune(s)", "commune(s)",
           "Noms ou codes INSEE, séparés par « ; ». Vide si la source ne nomme pas de commune.",
           "Names or INSEE codes, separated by ';'. Empty when the source names no commune.",
           multi=True, aliases=("commune", "communes")),
    Column("programme", "programme", "programme",
           "Le programme : ACV, PVD, ORT…", "The programme: ACV, PVD, ORT…"),
    Column("title", "titre", "title", "Titre en français (obligatoire).",
           "French title (required)."),
    Column("title_en", "titre (en)", "title (en)", "Titre en anglais (facultatif).",
           "English title (optional)."),
    Column("description", "description", "description", "Description en français.",
           "Description in French."),
    Column("kind", "type", "kind", "Type d'action : Étude, Mobilité…",
           "Kind of action: Study, Mobility…", aliases=("type d action", "kind of action")),
    Column("recommendations", "préconisation(s)", "recommendation(s)",
           "Usages, Organisation, Régulation, Opérationnel, Innovation (ou 1 à 5), séparées "
           "par « ; ».",
           "Usages, Organisation, Régulation, Opérationnel, Innovation (or 1 to 5), separated "
           "by ';'.", multi=True,
           aliases=("preconisation", "preconisations", "recommandation", "recommandations",
                    "recommendation", "recommendations")),
    Column("functions", "fonction(s) urbaine(s)", "urban function(s)",
           "Économique, Habitat, Identité, Services, séparées par « ; ».",
           "Economic, Housing, Identity, Services, separated by ';'.", multi=True,
           aliases=("fonction urbaine", "fonctions urbaines", "urban function",
                    "urban functions")),
    Column("status", "état", "status", "Réalisée, Lancée ou En cours de définition.",
           "Done, Under way or Being defined.", aliases=("etat d avancement", "statut")),
    Column("year", "année", "year", "Année (quatre chiffres).", "Year (four digits)."),
    Column("source", "source", "source",
           "Partie d'un document source (ex. zoom-acv-2021/usages) ou citation libre.",
           "Section of a source document (e.g. zoom-acv-2021/usages) or a free citation.",
           multi=True, aliases=("sources",)),
    Column("communes_note", "précision sur les communes", "note on the communes",
           "Ce que la source dit des communes quand elle ne les nomme pas.",
           "What the source says of the communes when it does not name them."),
    Column("purpose", "objet", "purpose", "Objet de l'action, en français.",
           "Purpose of the action, in French."),
    Column("purpose_en", "objet (en)", "purpose (en)", "Objet de l'action, en anglais.",
           "Purpose of the action, in English."),
    Column("study", "étude", "study", "« oui » si l'action est aussi une étude.",
           "'yes' if the action is also a study."),
    Column("studied", "territoire étudié", "studied territory",
           "Pour une étude : territoire(s) étudié(s), séparés par « ; ».",
           "For a study: studied territory(ies), separated by ';'.", multi=True),
    Column("note", "remarque", "note", "Remarque (skos:scopeNote), en français.",
           "Remark (skos:scopeNote), in French.", aliases=("note d usage",)),
    Column("census", "recensement(s)", "census(es)",
           "Identifiant(s) du ou des recensements qui ont relevé l'action (feuille "
           "« recensements »), séparés par « ; ». Vide si aucun recensement ne l'a relevée.",
           "Identifier(s) of the census(es) that recorded the action (sheet 'censuses'), "
           "separated by ';'. Empty when no census recorded it.", multi=True,
           aliases=("recensement", "recensements", "census", "censuses", "etat des lieux")),
    Column("revises", "révise", "revises",
           "Identifiant de l'action d'un recensement antérieur que cette ligne met à jour "
           "(prov:wasRevisionOf).",
           "Identifier of the action of an earlier census this row updates "
           "(prov:wasRevisionOf).", aliases=("revision de", "revision of")),
)
BY_KEY = {c.key: c for c in COLUMNS}

#: Column -> predicate (for mapping SHACL results back to a cell, and for diffs).
PREDICATES: dict[str, URIRef] = {
    "title": DCTERMS.title, "title_en": DCTERMS.title, "description": DCTERMS.description,
    "purpose": AULA.purpose, "purpose_en": AULA.purpose, "communes_note": AULA.communesNote,
    "communes": AULA.concernsCommune, "studied": AULA.studiedTerritory,
    "programme": AULA.withinProgramme, "kind": AULA.actionKind,
    "recommendations": AULA.servesRecommendation, "functions": AULA.servesUrbanFunction,
    "status": AULA.actionStatus, "year": AULA.year, "note": SKOS.scopeNote,
    "source": PROV.wasDerivedFrom, "study": RDF.type, "census": AULA.recordedBy,
    "revises": PROV.wasRevisionOf,
}
COLUMN_OF_PREDICATE = {
    DCTERMS.title: "title", DCTERMS.description: "description", AULA.purpose: "purpose",
    AULA.communesNote: "communes_note", AULA.concernsCommune: "communes",
    AULA.studiedTerritory: "studied", AULA.withinProgramme: "programme",
    AULA.actionKind: "kind", AULA.servesRecommendation: "recommendations",
    AULA.servesUrbanFunction: "functions", AULA.actionStatus: "status", AULA.year: "year",
    SKOS.scopeNote: "note", PROV.wasDerivedFrom: "source", RDF.type: "study",
    AULA.recordedBy: "census", PROV.wasRevisionOf: "revises",
}
#: Resource columns -> NameIndex kinds.
KINDS: dict[str, set[str]] = {
    "communes": {"commune"}, "programme": {"programme"}, "kind": {"action-kind"},
    "recommendations": {"recommendation"}, "functions": {"urban-function"},
    "status": {"action-status"}, "studied": TERRITORY_KINDS,
    "census_programme": {"programme"}, "census_scope": {"commune", "pair", "epci"},
}
YES = {"oui", "o", "yes", "y", "x", "vrai", "true", "1"}
NO = {"", "non", "n", "no", "faux", "false", "0"}

#: The census sheet (XLSX) or file (CSV): one row per census of actions (aula:ActionCensus).
#: Keys are prefixed ``census_`` so that one table of columns names every cell.
CENSUS_COLUMNS: tuple[Column, ...] = (
    Column("census_id", "identifiant", "identifier",
           "Identifiant stable du recensement (minuscules, chiffres, tirets), ex. acv-2021-10.",
           "Stable identifier of the census (lower case, digits, hyphens), e.g. acv-2021-10.",
           aliases=("id",)),
    Column("census_label", "libellé", "label", "Libellé en français (obligatoire).",
           "French label (required).", aliases=("titre", "title")),
    Column("census_label_en", "libellé (en)", "label (en)", "Libellé en anglais.",
           "English label."),
    Column("census_date", "date", "date",
           "Date du recensement : année, mois ou jour (2021, 2021-10, 2021-10-15).",
           "Date of the census: year, month or day (2021, 2021-10, 2021-10-15)."),
    Column("census_programme", "programme", "programme",
           "Le programme dont les actions sont recensées : ACV, PVD…",
           "The programme whose actions are counted: ACV, PVD…"),
    Column("census_scope", "périmètre", "scope",
           "Communes, binômes ou EPCI couverts (noms, codes INSEE ou SIREN), séparés par « ; ».",
           "Communes, pairs or EPCI covered (names, INSEE codes or SIREN), separated by ';'.",
           multi=True, aliases=("perimetre", "territoires couverts")),
    Column("census_method", "méthode", "method", "Ce qui a été compté, en français.",
           "What was counted, in French.", aliases=("methode",)),
    Column("census_method_en", "méthode (en)", "method (en)", "Ce qui a été compté, en anglais.",
           "What was counted, in English."),
    Column("census_source", "source", "source",
           "Partie d'un document source (ex. zoom-acv-2021/synthese) ou citation libre.",
           "Section of a source document (e.g. zoom-acv-2021/synthese) or a free citation.",
           multi=True, aliases=("sources",)),
)
CENSUS_BY_KEY = {c.key: c for c in CENSUS_COLUMNS}
#: Every column of either table, by key (for messages).
ALL_COLUMNS = {**BY_KEY, **CENSUS_BY_KEY}
