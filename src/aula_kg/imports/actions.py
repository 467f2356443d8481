"""Planners' spreadsheet of actions: template, export, validated import into ``data/actions.ttl``.

The agency's planners keep their actions in a spreadsheet. This module turns one filled
template (CSV, or XLSX with openpyxl) into the curated actions file, and the file back
into the template:

- :func:`write_table` writes the template (the columns of :data:`COLUMNS`, no row) or, with
  :func:`current_rows`, the current actions in the same format (CSV, or XLSX with a help
  sheet of allowed values);
- :func:`import_actions` reads a filled template, resolves every name the way stored
  queries do (:class:`aula_kg.territories.NameIndex`: accents, case, hyphens, INSEE codes,
  former codes of merged communes), builds the rows' RDF, validates it with the project's
  SHACL shapes together with the rest of the data, and reports each problem as
  ``ligne N, colonne « … » : …`` (French, or English on request) with a suggestion when a
  value is close to a known one. Nothing is written unless the whole file is valid.

The file is the complete list of actions: an action of ``data/actions.ttl`` that no row
names any more is removed (``--dry-run`` lists what would be added, changed and removed).
A successful import writes canonical Turtle (fixed prefixes, actions grouped by their first
recommendation and sorted by IRI, predicates in a fixed order, the file's header comment
kept), atomically, then rebuilds the graph; if the build fails the previous file is put
back. Importing the same spreadsheet twice changes nothing, byte for byte.

IRIs are stable: ``id/action/<identifiant>``, or a slug of the French title when the
identifiant is left empty (then the identifiant to keep is the one ``export`` shows).
A source is a section of a source document (``zoom-acv-2021/usages``, its IRI or its
label); any other text is a free citation, modelled as ``id/source/citation/<slug>`` with
``dcterms:bibliographicCitation``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS, XSD

from .. import vocab
from ..build import build, data_graph, nquads_lines, write_atomically
from ..config import Settings
from ..errors import AmbiguousName, AulaKgError, InputError, ParameterError, ValidationFailed
from ..sources import load_sources, parse_file
from ..store import EmbeddedStore, Store
from ..territories import TERRITORY_KINDS, NameIndex, normalise
from ..validation import validate_graph
from ..vocab import AULA, ID

ACTIONS_FILE = "actions.ttl"
ACTION_BASE = str(ID) + "action/"
SOURCE_BASE = str(ID) + "source/"
CITATION_BASE = SOURCE_BASE + "citation/"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SOURCE_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:/[a-z0-9]+(?:-[a-z0-9]+)*)*$")

#: The line written first in the header comment of the canonical file.
GENERATED_NOTE = (
    "# Tenu par tableur : « aula-kg export actions » puis « aula-kg import actions FICHIER » "
    "réécrit ce fichier."
)


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
    "source": PROV.wasDerivedFrom, "study": RDF.type,
}
COLUMN_OF_PREDICATE = {
    DCTERMS.title: "title", DCTERMS.description: "description", AULA.purpose: "purpose",
    AULA.communesNote: "communes_note", AULA.concernsCommune: "communes",
    AULA.studiedTerritory: "studied", AULA.withinProgramme: "programme",
    AULA.actionKind: "kind", AULA.servesRecommendation: "recommendations",
    AULA.servesUrbanFunction: "functions", AULA.actionStatus: "status", AULA.year: "year",
    SKOS.scopeNote: "note", PROV.wasDerivedFrom: "source", RDF.type: "study",
}
#: Predicate order in the canonical file.
PREDICATE_ORDER = [
    RDF.type, DCTERMS.title, DCTERMS.description, AULA.purpose, AULA.communesNote,
    AULA.concernsCommune, AULA.studiedTerritory, AULA.withinProgramme, AULA.actionKind,
    AULA.servesRecommendation, AULA.servesUrbanFunction, AULA.actionStatus, AULA.year,
    SKOS.scopeNote, DCTERMS.bibliographicCitation, PROV.wasDerivedFrom,
]
#: Prefixes of the canonical file, in this order (after ``@base <…/id/>``).
FILE_PREFIXES = ("aula", "dcterms", "prov", "rdfs", "skos", "xsd")

#: Resource columns -> NameIndex kinds.
KINDS: dict[str, set[str]] = {
    "communes": {"commune"}, "programme": {"programme"}, "kind": {"action-kind"},
    "recommendations": {"recommendation"}, "functions": {"urban-function"},
    "status": {"action-status"}, "studied": TERRITORY_KINDS,
}
YES = {"oui", "o", "yes", "y", "x", "vrai", "true", "1"}
NO = {"", "non", "n", "no", "faux", "false", "0"}


# --------------------------------------------------------------------------- messages


@dataclass
class RowError:
    """One problem in one cell (``column`` None: the row as a whole)."""

    line: int
    column: str | None
    fr: str
    en: str

    def text(self, lang: str = "fr") -> str:
        message = self.fr if lang == "fr" else self.en
        if self.column is None:
            return (f"ligne {self.line} : {message}" if lang == "fr"
                    else f"line {self.line}: {message}")
        header = BY_KEY[self.column].header(lang)
        if lang == "fr":
            return f"ligne {self.line}, colonne « {header} » : {message}"
        return f"line {self.line}, column '{header}': {message}"


class ActionsInvalid(ValidationFailed):
    """The spreadsheet has errors; ``errors`` lists them, nothing was written."""

    def __init__(self, path: Path, errors: list[RowError], lang: str = "fr"):
        self.errors = errors
        if lang == "fr":
            head = (f"{path} : rien n'est importé, {len(errors)} erreur(s) à corriger "
                    "dans le tableur :")
        else:
            head = f"{path}: nothing imported, {len(errors)} error(s) to fix in the spreadsheet:"
        super().__init__("\n".join([head, *("  " + e.text(lang) for e in errors)]))


def _q(value: str, lang: str) -> str:
    return f"« {value} »" if lang == "fr" else f"'{value}'"


def _unknown(line: int, column: str, value: str, suggestions: list[str],
             options: list[str] | None = None) -> RowError:
    if suggestions:
        fr = (f"{_q(value, 'fr')} est inconnu ; vouliez-vous dire "
              + " ou ".join(_q(s, "fr") for s in suggestions) + " ?")
        en = (f"{_q(value, 'en')} is unknown; did you mean "
              + " or ".join(_q(s, "en") for s in suggestions) + "?")
    elif options:
        fr = f"{_q(value, 'fr')} est inconnu (valeurs possibles : {', '.join(options)})"
        en = f"{_q(value, 'en')} is unknown (possible values: {', '.join(options)})"
    else:
        fr = f"{_q(value, 'fr')} est inconnu"
        en = f"{_q(value, 'en')} is unknown"
    return RowError(line, column, fr, en)


# --------------------------------------------------------------------------- reading


@dataclass
class Row:
    line: int
    cells: dict[str, str]


def _cell_text(value, column: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "year") and column == "year":
        return str(value.year)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _header_map(headers: list[str], path: Path) -> tuple[dict[int, str], list[str]]:
    """Column index -> column key; headers not in the template are returned as ignored."""
    lookup: dict[str, str] = {}
    for column in COLUMNS:
        for name in (column.key, column.fr, column.en, *column.aliases):
            lookup.setdefault(normalise(name), column.key)
    mapping: dict[int, str] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        key = lookup.get(normalise(header or ""))
        if key is None:
            if (header or "").strip():
                ignored.append(header.strip())
            continue
        if key in mapping.values():
            raise InputError(f"{path}: ligne 1 : la colonne « {BY_KEY[key].fr} » figure deux "
                             f"fois / column '{BY_KEY[key].en}' appears twice")
        mapping[index] = key
    if "title" not in mapping.values():
        raise InputError(
            f"{path}: ligne 1 : pas de colonne « titre » : ce fichier n'est pas un modèle "
            "d'actions (voir « aula-kg template actions ») / no 'titre' column: not an actions "
            "template (see 'aula-kg template actions')"
        )
    return mapping, ignored


def _rows_from_table(table: Iterable[tuple[int, list]], path: Path) -> tuple[list[Row], list[str]]:
    iterator = iter(table)
    try:
        _, headers = next(iterator)
    except StopIteration:
        raise InputError(f"{path}: fichier vide (pas de ligne d'en-tête) / empty file") from None
    mapping, ignored = _header_map([_cell_text(h) for h in headers], path)
    rows = []
    for line, values in iterator:
        cells = {key: "" for key in BY_KEY}
        for index, key in mapping.items():
            value = values[index] if index < len(values) else None
            cells[key] = _cell_text(value, key).strip()
        if any(cells.values()):
            rows.append(Row(line, cells))
    return rows, ignored


def _csv_table(path: Path) -> Iterable[tuple[int, list]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's plain "CSV" on a French Windows is Windows-1252.
        text = raw.decode("cp1252", errors="strict") if _is_cp1252(raw) else None
        if text is None:
            raise InputError(f"{path}: ni UTF-8 ni Windows-1252 / neither UTF-8 nor "
                             "Windows-1252 text") from None
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    table = []
    record = 0
    try:
        for fields in reader:
            record += 1
            table.append((record, fields))
    except csv.Error as exc:
        raise InputError(f"{path}:{reader.line_num}: CSV mal formé / malformed CSV: {exc}") from exc
    return table


def _is_cp1252(raw: bytes) -> bool:
    try:
        raw.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False


def _xlsx_table(path: Path) -> Iterable[tuple[int, list]]:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise InputError("reading .xlsx needs openpyxl (pip install openpyxl)") from None
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise InputError(f"{path}: classeur illisible / unreadable workbook: {exc}") from None
    try:
        sheet = workbook["actions"] if "actions" in workbook.sheetnames else workbook.worksheets[0]
        return [(index, list(values)) for index, values in
                enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        workbook.close()


def read_rows(path: Path) -> tuple[list[Row], list[str]]:
    """The filled template's rows (with their spreadsheet line numbers) and ignored headers."""
    if not path.is_file():
        raise InputError(f"{path}: fichier introuvable / no such file")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        table = _xlsx_table(path)
    elif suffix in (".csv", ".txt", ".tsv"):
        table = _csv_table(path)
    else:
        raise InputError(f"{path}: format inconnu (.csv ou .xlsx attendu) / unknown format "
                         "(expected .csv or .xlsx)")
    return _rows_from_table(table, path)


# --------------------------------------------------------------------------- resolving

_SOURCES_QUERY = """
PREFIX aula: <https://w3id.org/aula-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?source ?label WHERE {
  VALUES ?class { aula:SourceSection aula:SourceDocument }
  ?source a ?class . OPTIONAL { ?source rdfs:label ?label }
}
"""

_CONCEPTS_QUERY = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX aula: <https://w3id.org/aula-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
SELECT ?resource ?scheme ?label ?notation ?abbreviation ?code WHERE {
  { ?resource skos:inScheme ?scheme ; skos:prefLabel ?label .
    OPTIONAL { ?resource skos:notation ?notation } }
  UNION { ?resource a aula:Programme ; rdfs:label ?label . BIND("programme" AS ?scheme)
          OPTIONAL { ?resource aula:abbreviation ?abbreviation } }
  UNION { ?resource a igeo:Commune ; rdfs:label ?label . BIND("commune" AS ?scheme)
          OPTIONAL { ?resource igeo:codeINSEE ?code } }
  UNION { VALUES ?class { aula:CommunePair igeo:Intercommunalite aula:InterventionTerritory }
          ?resource a ?class ; rdfs:label ?label . BIND("territory" AS ?scheme) }
  FILTER(lang(?label) IN ("fr", ""))
}
"""


class Resolver:
    """Cell values to resources, through the stored queries' NameIndex (plus IRI slugs)."""

    def __init__(self, store: Store):
        self.names = NameIndex(store)
        self.slugs: dict[str, dict[str, URIRef]] = {}
        self.labels: dict[URIRef, str] = {}
        self.notations: dict[URIRef, str] = {}
        self.abbreviations: dict[URIRef, str] = {}
        self.codes: dict[URIRef, str] = {}
        for resource, scheme, label, notation, abbreviation, code in store.select(
            _CONCEPTS_QUERY
        ).rows:
            iri = URIRef(resource)
            kind = str(scheme).removeprefix(str(ID))
            self.labels.setdefault(iri, str(label))
            if notation is not None:
                self.notations[iri] = str(notation)
            if abbreviation is not None:
                self.abbreviations[iri] = str(abbreviation)
            if code is not None:
                self.codes[iri] = str(code)
            tail = str(iri).rsplit("/", 1)[-1]
            self.slugs.setdefault(kind, {})[normalise(tail)] = iri
        self.sources: dict[URIRef, list[str]] = {}
        for source, label in store.select(_SOURCES_QUERY).rows:
            self.sources.setdefault(URIRef(source), [])
            if label is not None:
                self.sources[URIRef(source)].append(str(label))

    def options(self, kinds: set[str]) -> list[str]:
        """The allowed values of a small vocabulary (for messages and the template)."""
        found = []
        for kind in sorted(kinds):
            for iri in sorted(self.slugs.get(kind, {}).values(),
                              key=lambda i: (self.notations.get(i, ""), str(i))):
                found.append(self.display(iri, kinds))
        return found

    def resolve(self, value: str, column: str, line: int) -> URIRef | RowError:
        kinds = KINDS[column]
        text = value.strip()
        match = re.fullmatch(r"(.*\S)\s*\((\d[0-9AB]\d{3})\)", text)
        if match and kinds & {"commune"}:  # "Béthune (62119)": the code decides
            text = match.group(2)
        try:
            return self.names.resolve(text, kinds, BY_KEY[column].fr).iri
        except AmbiguousName as exc:
            listed = "; ".join(f"{label} ({self.codes.get(URIRef(iri)) or iri})"
                               for iri, label in exc.candidates)
            return RowError(line, column,
                            f"{_q(value, 'fr')} est ambigu : {listed} ; précisez (code INSEE)",
                            f"{_q(value, 'en')} is ambiguous: {listed}; say which (INSEE code)")
        except ParameterError:
            pass
        for kind in kinds:  # the last segment of a concept's IRI: "en-cours-de-definition"
            iri = self.slugs.get(kind, {}).get(normalise(text))
            if iri is not None and kind not in ("commune", "territory"):
                return iri
        suggestions = self.names.suggest(text, kinds)
        if not suggestions:
            close = self._close(text, kinds)
            suggestions = close
        small = sum(len(self.slugs.get(k, {})) for k in kinds) <= 15
        return _unknown(line, column, value, suggestions, self.options(kinds) if small else None)

    def _close(self, text: str, kinds: set[str]) -> list[str]:
        import difflib

        choices: dict[str, str] = {}
        for kind in kinds:
            for slug, iri in self.slugs.get(kind, {}).items():
                label = self.labels.get(iri, slug)
                choices.setdefault(slug, label)
                choices.setdefault(normalise(label), label)
        close = difflib.get_close_matches(normalise(text), list(choices), n=3, cutoff=0.75)
        seen: list[str] = []
        for key in close:
            if choices[key] not in seen:
                seen.append(choices[key])
        return seen

    def display(self, iri: URIRef, kinds: set[str]) -> str:
        """The shortest name that resolves back to ``iri`` (label, abbreviation, code, IRI)."""
        candidates = [self.abbreviations.get(iri), self.labels.get(iri), self.codes.get(iri),
                      self.notations.get(iri)]
        for candidate in candidates:
            if not candidate:
                continue
            try:
                if self.names.resolve(candidate, kinds, "-").iri == iri:
                    return candidate
            except ParameterError:
                continue
        return str(iri)

    def source(self, value: str, line: int) -> tuple[URIRef, str | None] | RowError:
        """A known source section or document, or a free citation (IRI and its text)."""
        text = value.strip()
        if text.startswith(("http://", "https://")):
            iri = URIRef(text)
            if iri in self.sources or str(iri).startswith(CITATION_BASE):
                return iri, None
            return RowError(line, "source", f"{_q(value, 'fr')} n'est pas une source connue",
                            f"{_q(value, 'en')} is not a known source")
        slug = text.removeprefix("source/")
        if SOURCE_SLUG.fullmatch(slug):
            iri = URIRef(SOURCE_BASE + slug)
            if iri in self.sources:
                return iri, None
            import difflib

            known = sorted(str(s).removeprefix(SOURCE_BASE) for s in self.sources)
            return _unknown(line, "source", value,
                            difflib.get_close_matches(slug, known, n=3, cutoff=0.75))
        key = normalise(text)
        for iri, labels in sorted(self.sources.items()):
            if any(normalise(label) == key for label in labels):
                return iri, None
        digest = hashlib.sha256(text.encode()).hexdigest()[:8]
        stem = vocab.slugify(text)[:60].strip("-") or "citation"
        return URIRef(f"{CITATION_BASE}{stem}-{digest}"), text


def source_display(iri: URIRef, citations: dict[URIRef, str]) -> str:
    if iri in citations:
        return citations[iri]
    value = str(iri)
    return value.removeprefix(SOURCE_BASE) if value.startswith(SOURCE_BASE) else value


# --------------------------------------------------------------------------- rows -> RDF


@dataclass
class Parsed:
    graph: Graph
    #: focus node (str) -> spreadsheet line
    lines: dict[str, int]
    errors: list[RowError]
    actions: list[URIRef]


def _action_iri(row: Row, errors: list[RowError]) -> URIRef | None:
    value = row.cells["id"]
    if value:
        slug = value.removeprefix(ACTION_BASE).removeprefix("action/")
        if SLUG.fullmatch(slug):
            return URIRef(ACTION_BASE + slug)
        fixed = vocab.slugify(slug)
        hint_fr = f" ; vouliez-vous dire {_q(fixed, 'fr')} ?" if fixed else ""
        hint_en = f"; did you mean {_q(fixed, 'en')}?" if fixed else ""
        errors.append(RowError(
            row.line, "id",
            f"{_q(value, 'fr')} n'est pas un identifiant (minuscules, chiffres et tirets){hint_fr}",
            f"{_q(value, 'en')} is not an identifier (lower case, digits and hyphens){hint_en}"))
        return None
    if row.cells["title"]:
        slug = vocab.slugify(row.cells["title"])
        if len(slug) > 80:
            slug = slug[:80].rsplit("-", 1)[0]
        if slug:
            return URIRef(ACTION_BASE + slug)
    return None


def rows_to_graph(rows: list[Row], resolver: Resolver) -> Parsed:
    graph = Graph()
    lines: dict[str, int] = {}
    errors: list[RowError] = []
    actions: list[URIRef] = []
    seen: dict[URIRef, int] = {}
    for row in rows:
        cells = row.cells
        node = _action_iri(row, errors)
        if node is not None and node in seen:
            other = seen[node]
            if cells["id"]:
                errors.append(RowError(
                    row.line, "id",
                    f"l'identifiant {_q(cells['id'], 'fr')} est déjà celui de la ligne {other}",
                    f"identifier {_q(cells['id'], 'en')} is already used on line {other}"))
            else:
                errors.append(RowError(
                    row.line, "title",
                    f"même titre que la ligne {other} : donnez un identifiant à l'une des deux",
                    f"same title as line {other}: give one of them an identifier"))
            node = None
        if node is None:
            # Still validate the row's other cells, under a node of its own.
            # (a missing title is reported by the shapes)
            node = URIRef(f"{ACTION_BASE}ligne-{row.line}")
        else:
            seen[node] = row.line
            actions.append(node)
        lines[str(node)] = row.line
        graph.add((node, RDF.type, AULA.Action))

        for key, lang in (("title", "fr"), ("title_en", "en"), ("description", "fr"),
                          ("purpose", "fr"), ("purpose_en", "en"), ("communes_note", "fr"),
                          ("note", "fr")):
            if cells[key]:
                graph.add((node, PREDICATES[key], Literal(cells[key], lang=lang)))

        for key in ("communes", "programme", "kind", "recommendations", "functions", "status",
                    "studied"):
            if not cells[key]:
                continue
            column = BY_KEY[key]
            values = [v.strip() for v in cells[key].split(";")] if column.multi else [cells[key]]
            values = [v for v in values if v]
            if not column.multi and ";" in cells[key]:
                errors.append(RowError(row.line, key, "une seule valeur attendue ici",
                                       "only one value is expected here"))
                continue
            for value in values:
                result = resolver.resolve(value, key, row.line)
                if isinstance(result, RowError):
                    errors.append(result)
                else:
                    graph.add((node, PREDICATES[key], result))

        year = cells["year"]
        if year:
            if re.fullmatch(r"\d{4}", year) and 1800 <= int(year) <= 2200:
                graph.add((node, AULA.year, Literal(year, datatype=XSD.gYear)))
            else:
                errors.append(RowError(
                    row.line, "year",
                    f"{_q(year, 'fr')} n'est pas une année (quatre chiffres, par exemple 2021)",
                    f"{_q(year, 'en')} is not a year (four digits, e.g. 2021)"))

        study = normalise(cells["study"])
        if study in YES:
            graph.add((node, RDF.type, AULA.Study))
        elif study not in NO:
            errors.append(RowError(row.line, "study",
                                   f"{_q(cells['study'], 'fr')} : écrivez « oui » ou laissez vide",
                                   f"{_q(cells['study'], 'en')}: write 'yes' or leave empty"))

        for value in [v.strip() for v in cells["source"].split(";") if v.strip()]:
            result = resolver.source(value, row.line)
            if isinstance(result, RowError):
                errors.append(result)
                continue
            iri, citation = result
            graph.add((node, PROV.wasDerivedFrom, iri))
            if citation is not None:
                graph.add((iri, DCTERMS.bibliographicCitation, Literal(citation)))
                lines.setdefault(str(iri), row.line)
    return Parsed(graph, lines, errors, actions)


def shape_errors(parsed: Parsed, settings: Settings, sources, old: Graph) -> list[RowError]:
    """SHACL results on the rows, validated with the rest of the data and the ontology."""
    data = data_graph(sources)
    for triple in old:
        data.remove(triple)
    ontology = sources.graph(vocab.ONTOLOGY_GRAPH)
    for triple in ontology:
        data.add(triple)
    for triple in parsed.graph:
        data.add(triple)
    report = validate_graph(data, sources.graph(vocab.SHAPES_GRAPH), ontology=ontology)
    already = {(e.line, e.column) for e in parsed.errors}
    errors = []
    for violation in report.violations:
        line = parsed.lines.get(violation.focus)
        if line is None or violation.severity != "Violation":
            continue
        column = None
        if violation.path:
            predicate = _expand(violation.path)
            column = COLUMN_OF_PREDICATE.get(predicate)
        elif "Action" in violation.shape:
            column = "communes"
        if (line, column) in already:
            continue
        already.add((line, column))
        fr = violation.message.get("fr") or next(iter(violation.message.values()), "")
        en = violation.message.get("en") or fr
        errors.append(RowError(line, column, fr, en))
    return errors


def _expand(short: str) -> URIRef | None:
    if short.startswith("<") and short.endswith(">"):
        return URIRef(short[1:-1])
    prefix, _, local = short.partition(":")
    namespace = vocab.PREFIXES.get(prefix)
    return URIRef(namespace + local) if namespace else None


# --------------------------------------------------------------------------- canonical Turtle


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            .replace("\r", "\\r").replace("\t", "\\t"))


def _term(term) -> str:
    if isinstance(term, Literal):
        body = f'"{_escape(str(term))}"'
        if term.language:
            return f"{body}@{term.language}"
        if term.datatype is not None and term.datatype != XSD.string:
            return f"{body}^^{_term(URIRef(term.datatype))}"
        return body
    value = str(term)
    if value.startswith(str(ID)):
        return f"<{value[len(str(ID)):]}>"
    for prefix in FILE_PREFIXES:
        namespace = vocab.PREFIXES[prefix]
        local = value[len(namespace):]
        if value.startswith(namespace) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", local):
            return f"{prefix}:{local}"
    return f"<{value}>"


def _object_key(term) -> tuple:
    if isinstance(term, Literal):
        order = {"fr": 0, "en": 1}.get(term.language or "", 2)
        return (1, order, term.language or "", str(term))
    if term == AULA.Action:
        return (0, 0, "", "")
    return (0, 1, "", str(term))


def _subject_block(graph: Graph, subject: URIRef) -> str:
    predicates = sorted(set(graph.predicates(subject)),
                        key=lambda p: (PREDICATE_ORDER.index(p) if p in PREDICATE_ORDER
                                       else len(PREDICATE_ORDER), str(p)))
    parts = []
    for predicate in predicates:
        objects = [_term(o) for o in sorted(graph.objects(subject, predicate), key=_object_key)]
        name = "a" if predicate == RDF.type else _term(predicate)
        line = f"    {name} {' , '.join(objects)}"
        if len(line) > 100 and len(objects) > 1:
            line = f"    {name} {objects[0]} ,\n" + " ,\n".join(f"        {o}" for o in objects[1:])
        parts.append(line)
    rest = "".join(" ;\n" + p for p in parts[1:])
    return f"{_term(subject)} {parts[0].lstrip()}{rest} .\n"


def header_comment(text: str) -> list[str]:
    """The comment lines above the first resource (section titles ``###`` excluded)."""
    lines = []
    for line in text.splitlines():
        if line.startswith("<") or line.startswith("###"):
            if lines or line.startswith("<"):
                break
            continue
        if line.startswith("#") and line != GENERATED_NOTE:
            lines.append(line)
    return lines


def canonical_turtle(graph: Graph, recommendations: dict[URIRef, tuple[str, str]],
                     header: list[str]) -> str:
    """The actions file, canonical: same graph, same bytes."""
    out = [f"@base <{ID}> ."]
    out += [f"@prefix {p}: <{vocab.PREFIXES[p]}> ." for p in FILE_PREFIXES]
    out += ["", GENERATED_NOTE, *header]
    actions = sorted(set(graph.subjects(RDF.type, AULA.Action)), key=str)
    sections: dict[tuple[str, str], list[URIRef]] = {}
    for action in actions:
        served = [recommendations.get(r, ("9", str(r)))
                  for r in graph.objects(action, AULA.servesRecommendation)]
        key = min(served) if served else ("9", "Sans préconisation")
        sections.setdefault(key, []).append(action)
    for (_, label), members in sorted(sections.items()):
        out += ["", f"### {label}"]
        for action in members:
            out += ["", _subject_block(graph, action).rstrip("\n")]
    others = sorted({s for s in graph.subjects() if isinstance(s, URIRef)} - set(actions), key=str)
    if others:
        out += ["", "### Citations libres (sources hors des documents de l'agence)"]
        for subject in others:
            out += ["", _subject_block(graph, subject).rstrip("\n")]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- the jobs


@dataclass
class Diff:
    added: list[str] = field(default_factory=list)
    changed: list[tuple[str, list[str]]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def lines(self, lang: str = "fr") -> list[str]:
        words = ({"added": "ajoutée", "changed": "modifiée", "removed": "supprimée"} if lang == "fr"
                 else {"added": "added", "changed": "changed", "removed": "removed"})
        out = [f"  + {words['added']} : {a}" if lang == "fr" else f"  + {words['added']}: {a}"
               for a in self.added]
        for iri, columns in self.changed:
            names = ", ".join(BY_KEY[c].header(lang) for c in columns)
            out.append(f"  ~ {words['changed']} : {iri} ({names})" if lang == "fr"
                       else f"  ~ {words['changed']}: {iri} ({names})")
        out += [f"  - {words['removed']} : {r}" if lang == "fr" else f"  - {words['removed']}: {r}"
                for r in self.removed]
        return out

    def summary(self, lang: str = "fr") -> str:
        if lang == "fr":
            return (f"{len(self.added)} ajoutée(s), {len(self.changed)} modifiée(s), "
                    f"{len(self.removed)} supprimée(s)")
        return f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed"


def _closure(graph: Graph, subject: URIRef) -> set:
    triples = set(graph.triples((subject, None, None)))
    for _, _, obj in list(triples):
        if isinstance(obj, URIRef) and str(obj).startswith(CITATION_BASE):
            triples |= set(graph.triples((obj, None, None)))
    return triples


def diff_actions(old: Graph, new: Graph) -> Diff:
    diff = Diff()
    before = set(old.subjects(RDF.type, AULA.Action))
    after = set(new.subjects(RDF.type, AULA.Action))
    short = lambda iri: str(iri).removeprefix(str(ID))  # noqa: E731
    diff.added = sorted(short(a) for a in after - before)
    diff.removed = sorted(short(a) for a in before - after)
    for action in sorted(before & after, key=str):
        a, b = _closure(old, action), _closure(new, action)
        if a != b:
            columns = sorted({COLUMN_OF_PREDICATE.get(p, "source") for _, p, _ in a ^ b},
                             key=lambda c: [col.key for col in COLUMNS].index(c))
            diff.changed.append((short(action), columns))
    return diff


@dataclass
class ImportResult:
    rows: int
    diff: Diff
    written: bool
    path: Path
    ignored_columns: list[str]
    build_lines: list[str] = field(default_factory=list)
    #: Whether the canonical text differs from the current file (a reformat counts).
    changes_file: bool = False


def actions_path(settings: Settings) -> Path:
    return settings.data_dir / ACTIONS_FILE


def _context(settings: Settings):
    sources = load_sources(settings)
    body = ("\n".join(nquads_lines(sources)) + "\n").encode()
    return sources, EmbeddedStore.from_nquads(body)


def _recommendations(store: Store) -> dict[URIRef, tuple[str, str]]:
    rows = store.select("""
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?r ?n ?l WHERE { ?r skos:inScheme <https://w3id.org/aula-kg/id/recommendation> ;
          skos:notation ?n ; skos:prefLabel ?l FILTER(lang(?l) = "fr") }""").rows
    return {URIRef(r): (str(n), str(label)) for r, n, label in rows}


def import_actions(path: Path, settings: Settings | None = None, *, dry_run: bool = False,
                   rebuild: bool = True, lang: str = "fr") -> ImportResult:
    """Validate a filled template; unless ``dry_run``, write ``data/actions.ttl`` and rebuild.

    Raises :class:`ActionsInvalid` (exit 1) listing every error, :class:`InputError`
    (exit 2) when the file cannot be read; in both cases nothing is written.
    """
    settings = settings or Settings.from_env()
    rows, ignored = read_rows(path)
    target = actions_path(settings)
    sources, store = _context(settings)
    old = parse_file(target) if target.is_file() else Graph()
    resolver = Resolver(store)
    parsed = rows_to_graph(rows, resolver)
    errors = parsed.errors + shape_errors(parsed, settings, sources, old)
    if errors:
        errors.sort(key=lambda e: (e.line, [c.key for c in COLUMNS].index(e.column)
                                   if e.column else -1))
        raise ActionsInvalid(path, errors, lang)
    diff = diff_actions(old, parsed.graph)
    previous = target.read_bytes() if target.is_file() else None
    header = header_comment(previous.decode()) if previous else []
    text = canonical_turtle(parsed.graph, _recommendations(store), header).encode()
    result = ImportResult(len(rows), diff, False, target, ignored, changes_file=text != previous)
    if dry_run or text == previous:
        return result
    write_atomically(target, text)
    target.chmod(0o644)
    result.written = True
    if rebuild:
        try:
            result.build_lines = build(settings).lines()
        except AulaKgError as exc:
            if previous is None:
                target.unlink(missing_ok=True)
            else:
                write_atomically(target, previous)
            message = (f"la reconstruction du graphe a échoué ; {target} est remis dans son état "
                       f"précédent :\n{exc.message}" if lang == "fr" else
                       f"rebuilding the graph failed; {target} was put back as it was:\n"
                       f"{exc.message}")
            raise type(exc)(message) from exc
    return result


# --------------------------------------------------------------------------- export / template


def current_rows(settings: Settings | None = None) -> tuple[list[dict[str, str]], list[str]]:
    """The current actions as template rows, and warnings for facts no column can carry."""
    settings = settings or Settings.from_env()
    target = actions_path(settings)
    graph = parse_file(target) if target.is_file() else Graph()
    _, store = _context(settings)
    resolver = Resolver(store)
    recommendations = _recommendations(store)
    citations = {URIRef(s): str(o) for s, o in graph.subject_objects(DCTERMS.bibliographicCitation)}
    warnings = []
    order = []
    for action in set(graph.subjects(RDF.type, AULA.Action)):
        served = [recommendations.get(r, ("9", "")) for r in
                  graph.objects(action, AULA.servesRecommendation)]
        order.append((min(served) if served else ("9", ""), str(action), action))
    rows = []
    for _, _, action in sorted(order):
        row = {c.key: "" for c in COLUMNS}
        row["id"] = str(action).removeprefix(ACTION_BASE)
        for predicate, obj in sorted(graph.predicate_objects(action), key=lambda po: (
                str(po[0]), _object_key(po[1]))):
            key = _export_cell(row, predicate, obj, resolver, citations)
            if key is None:
                warnings.append(
                    f"{row['id']}: {predicate} {obj} n'a pas de colonne / has no column")
        rows.append(row)
    return rows, warnings


def _export_cell(row, predicate, obj, resolver: Resolver, citations) -> str | None:
    def put(key, value):
        row[key] = f"{row[key]} ; {value}" if row[key] else value
        return key

    if predicate == RDF.type:
        if obj == AULA.Action:
            return "type"
        if obj == AULA.Study:
            row["study"] = "oui"
            return "study"
        return None
    if predicate == PROV.wasDerivedFrom:
        return put("source", source_display(URIRef(obj), citations))
    if isinstance(obj, Literal):
        key = {DCTERMS.title: "title", DCTERMS.description: "description",
               AULA.purpose: "purpose", AULA.communesNote: "communes_note",
               SKOS.scopeNote: "note", AULA.year: "year"}.get(predicate)
        if key in ("title", "purpose") and obj.language == "en":
            key += "_en"
        elif key not in (None, "year") and obj.language != "fr":
            return None
        if key is None or row[key]:
            return None
        row[key] = str(obj)
        return key
    key = COLUMN_OF_PREDICATE.get(predicate)
    if key not in KINDS:
        return None
    return put(key, resolver.display(URIRef(obj), KINDS[key]))


def write_table(rows: list[dict[str, str]], out: Path | None, lang: str = "fr",
                resolver: Resolver | None = None) -> bytes | None:
    """Rows in the template format: CSV (UTF-8 with BOM, for Excel) or XLSX (by suffix).

    With ``out`` None, returns the CSV bytes.
    """
    headers = [c.header(lang) for c in COLUMNS]
    if out is not None and out.suffix.lower() == ".xlsx":
        write_atomically(out, _xlsx_bytes(headers, rows, lang, resolver))
        return None
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row[c.key] for c in COLUMNS])
    data = ("\ufeff" + buffer.getvalue()).encode()
    if out is None:
        return data
    if out.suffix.lower() not in (".csv", ".txt"):
        raise InputError(f"{out}: .csv ou .xlsx attendu / expected .csv or .xlsx")
    write_atomically(out, data)
    return None


def _xlsx_bytes(headers, rows, lang, resolver: Resolver | None) -> bytes:
    try:
        import openpyxl
        from openpyxl.styles import Font
        from openpyxl.worksheet.datavalidation import DataValidation
    except ImportError:  # pragma: no cover
        raise InputError("writing .xlsx needs openpyxl (pip install openpyxl)") from None
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "actions"
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row[c.key] for c in COLUMNS])
    sheet.freeze_panes = "B2"
    for index, column in enumerate(COLUMNS, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = 40 if column.key in (
            "title", "description", "title_en", "communes_note", "purpose", "purpose_en") else 20
    helper = workbook.create_sheet("aide" if lang == "fr" else "help")
    helper.append(["colonne", "à remplir", "valeurs possibles"] if lang == "fr"
                  else ["column", "what to write", "possible values"])
    for cell in helper[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(COLUMNS, start=1):
        values = resolver.options(KINDS[column.key]) if resolver and column.key in (
            "kind", "recommendations", "functions", "status") else []
        helper.append([column.header(lang), column.help_fr if lang == "fr" else column.help_en,
                       " ; ".join(values)])
        if values and not column.multi:
            letter = openpyxl.utils.get_column_letter(index)
            quoted = ",".join(v.replace(",", " ") for v in values)
            if len(quoted) < 250:
                rule = DataValidation(type="list", formula1=f'"{quoted}"', allow_blank=True)
                rule.add(f"{letter}2:{letter}1000")
                sheet.add_data_validation(rule)
    helper.column_dimensions["A"].width = 28
    helper.column_dimensions["B"].width = 80
    helper.column_dimensions["C"].width = 80
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_resolver(settings: Settings | None = None) -> Resolver:
    _, store = _context(settings or Settings.from_env())
    return Resolver(store)
