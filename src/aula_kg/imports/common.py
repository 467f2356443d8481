"""What the open-data importers share.

- the namespaces the importers name their classes and properties in, each term made once
  (:class:`CachedNamespace`);
- reading gzipped JSON arrays and CSV files, with errors that name the file and the line;
- the reference territory (:class:`Territory`) read from the Etalab COG files: today's
  communes, former codes resolved to today's commune, EPCI members, and the scope filter
  (whole of France, or the AULA territory: five EPCI and their member communes);
- the DCAT/PROV description of an imported source (publisher, licence, edition, files with
  their SHA-256, import activity and time);
- progress on stderr and the final summary (records read, skipped with reasons, triples);
- the set of triples an importer collects (:class:`Triples`), built with the cyclic garbage
  collector paused (:func:`collector_paused`);
- the canonical TriG writer and the atomic write: a graph is serialised to a temporary file
  in the target directory and ``os.replace``d over the previous one, so that a failing import
  leaves the previous file untouched. When the new content equals the old one except for the
  import time, the file is not rewritten at all: re-running an import changes nothing.
"""

from __future__ import annotations

import csv
import functools
import gc
import gzip
import hashlib
import io
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib import namespace as rdflib_namespace
from rdflib.term import Node

from .. import __version__, locking, vocab
from ..errors import InputError
from ..vocab import ID

#: The five EPCI of the AULA territory, by SIREN.
AULA_EPCI = ("200072460", "246200364", "246200299", "200069672", "200044030")

SCOPES = ("aula", "france")

SPDX = "http://spdx.org/rdf/terms#"
#: Prefixes of the written files: the project's, plus SPDX for checksums.
FILE_PREFIXES: dict[str, str] = {**vocab.PREFIXES, "spdx": SPDX}

LICENCE_OUVERTE_2 = URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
MIT = URIRef("https://spdx.org/licenses/MIT")
ANCT = URIRef("https://agence-cohesion-territoires.gouv.fr/")
PUBLISHERS = {
    "etalab": (URIRef("https://www.etalab.gouv.fr/"), "Etalab (DINUM)"),
    "anct": (ANCT, "Agence nationale de la cohésion des territoires (ANCT)"),
    "dgaln": (
        URIRef("https://www.ecologie.gouv.fr/dgaln"),
        "Direction générale de l'aménagement, du logement et de la nature (DGALN)",
    ),
}


# --------------------------------------------------------------------------- namespaces


class CachedNamespace:
    """A namespace whose terms are made once: ``AULA.siren`` is the same URIRef at each use.

    An rdflib namespace builds and checks a new URIRef at every attribute access, and a
    France-wide import names a class or property a million times (a fifth of its time). The
    same object each time also lets the writer's dictionaries match terms by identity.
    """

    def __init__(self, namespace) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> URIRef:
        term = getattr(self._namespace, name)
        setattr(self, name, term)  # found without __getattr__ from now on
        return term


AULA = CachedNamespace(vocab.AULA)
DCAT = CachedNamespace(rdflib_namespace.DCAT)
DCTERMS = CachedNamespace(rdflib_namespace.DCTERMS)
IGEO = CachedNamespace(vocab.IGEO)
ORG = CachedNamespace(vocab.ORG)
PROV = CachedNamespace(rdflib_namespace.PROV)
QB = CachedNamespace(rdflib_namespace.QB)
RDF = CachedNamespace(rdflib_namespace.RDF)
RDFS = CachedNamespace(rdflib_namespace.RDFS)
SDMX_ATTRIBUTE = CachedNamespace(vocab.SDMX_ATTRIBUTE)
SDMX_DIMENSION = CachedNamespace(vocab.SDMX_DIMENSION)
SKOS = CachedNamespace(rdflib_namespace.SKOS)
XSD = CachedNamespace(rdflib_namespace.XSD)


# --------------------------------------------------------------------------- errors


def input_error(path: Path, line: int | None, message: str) -> InputError:
    """An InputError whose message starts with ``file:line:``."""
    where = f"{path}:{line}" if line is not None else str(path)
    return InputError(f"{where}: {message}")


# --------------------------------------------------------------------------- reading


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise input_error(path, None, f"cannot read: {exc.strerror or exc}") from exc
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise input_error(path, None, f"not a valid gzip file: {exc}") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise input_error(path, line, "not UTF-8 text") from exc


def iter_json_array(path: Path) -> Iterator[tuple[int, object]]:
    """Each element of the JSON array in ``path`` (gzipped or not) with its line number."""
    text = _read_text(path)
    decoder = json.JSONDecoder()
    whitespace = re.compile(r"[ \t\r\n]*")
    pos = whitespace.match(text, 0).end()
    line = text.count("\n", 0, pos) + 1
    if not text.startswith("[", pos):
        raise input_error(path, line, "expected a JSON array")
    pos = whitespace.match(text, pos + 1).end()
    if text.startswith("]", pos):
        return
    last = 0
    while True:
        line += text.count("\n", last, pos)
        last = pos
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise input_error(path, exc.lineno, f"invalid JSON: {exc.msg}") from exc
        yield line, value
        pos = whitespace.match(text, pos).end()
        if text.startswith(",", pos):
            pos = whitespace.match(text, pos + 1).end()
            continue
        if text.startswith("]", pos):
            return
        line += text.count("\n", last, pos)
        last = pos
        raise input_error(path, line, "invalid JSON: expected ',' or ']' between records")


def read_json_object(path: Path) -> dict:
    text = _read_text(path)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise input_error(path, exc.lineno, f"invalid JSON: {exc.msg}") from exc
    if not isinstance(value, dict):
        raise input_error(path, 1, "expected a JSON object")
    return value


def iter_csv(path: Path, required: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Each data row of a comma-separated UTF-8 file, as a dict, with the line it starts on.

    A missing required column, or a row with a different number of fields than the header,
    is an InputError naming the file and the line.
    """
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise input_error(path, 1, "empty file (no header row)") from None
    except csv.Error as exc:
        raise input_error(path, 1, f"malformed CSV: {exc}") from exc
    header = [name.strip() for name in header]
    missing = [name for name in required if name not in header]
    if missing:
        raise input_error(path, 1, f"missing column(s): {', '.join(missing)}")
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise input_error(path, start, f"malformed CSV: {exc}") from exc
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue
        if len(fields) != len(header):
            raise input_error(path, start, f"expected {len(header)} fields, found {len(fields)}")
        yield start, dict(zip(header, fields, strict=True))


def parse_date(value: str, path: Path, line: int, column: str) -> date | None:
    """An ISO (YYYY-MM-DD) or French (DD/MM/YYYY) date; None for an empty cell."""
    value = value.strip()
    if not value:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
        match = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", value)
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
    except ValueError:
        pass
    raise input_error(path, line, f"column {column}: not a date: {value!r}")


def check_insee(value: str, path: Path, line: int, column: str) -> str:
    value = value.strip()
    if not vocab.is_insee_commune_code(value):
        raise input_error(path, line, f"column {column}: not an INSEE commune code: {value!r}")
    return value


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find_file(base: Path, name: str, what: str) -> Path:
    """``base`` itself when it is a file, else ``base/name``; InputError when absent."""
    path = base if base.is_file() else base / name
    if not path.is_file():
        raise InputError(f"{path}: {what} not found (give --from a directory or the file)")
    return path


# --------------------------------------------------------------------------- territory


COG_DIRNAME = "decoupage-administratif-6.0.0"
#: npm version of @etalab/decoupage-administratif -> COG edition (year).
COG_EDITIONS = {"3.1.1": 2023, "4.0.0": 2024, "5.0.0": 2025, "6.0.0": 2026}


def cog_dir_in(base: Path) -> Path:
    """The découpage-administratif directory under ``base`` (or ``base`` itself)."""
    if (base / "communes.json.gz").is_file():
        return base
    candidates = sorted(p for p in base.glob("decoupage-administratif-*") if p.is_dir())
    if not candidates:
        raise InputError(f"{base}: no decoupage-administratif-* directory (Etalab COG files)")
    return candidates[-1]


def cog_edition(cog_dir: Path) -> int:
    """The COG year of an Etalab package directory, from its version suffix."""
    match = re.search(r"(\d+\.\d+\.\d+)$", cog_dir.name)
    if match and match.group(1) in COG_EDITIONS:
        return COG_EDITIONS[match.group(1)]
    raise InputError(
        f"{cog_dir}: unknown découpage-administratif version; expected a directory named "
        f"decoupage-administratif-<version> with one of {', '.join(COG_EDITIONS)}"
    )


@dataclass
class Territory:
    """Today's communes and EPCI from the COG, and the scope an import keeps."""

    current: dict[str, str]  # INSEE code -> name, communes actuelles
    former: dict[str, str]  # former INSEE code -> today's code
    epci_members: dict[str, list[str]]  # SIREN -> member INSEE codes
    scope: str = "france"
    edition: int | None = None

    @property
    def scope_epci(self) -> set[str]:
        return set(AULA_EPCI) if self.scope == "aula" else set(self.epci_members)

    @property
    def scope_communes(self) -> set[str]:
        if self.scope == "france":
            return set(self.current)
        return {code for siren in AULA_EPCI for code in self.epci_members.get(siren, [])}

    def resolve(self, code: str) -> str | None:
        """Today's code for a current or former code; None if the COG does not know it."""
        if code in self.current:
            return code
        return self.former.get(code)

    def in_scope(self, code: str) -> bool:
        return self.scope == "france" or code in self._aula

    def __post_init__(self):
        self._aula = self.scope_communes if self.scope == "aula" else set()

    @classmethod
    def from_cog(cls, cog_dir: Path, scope: str = "france") -> Territory:
        if scope not in SCOPES:
            raise InputError(f"unknown scope {scope!r}; expected one of {', '.join(SCOPES)}")
        communes_file = find_file(cog_dir, "communes.json.gz", "Etalab communes file")
        epci_file = find_file(cog_dir, "epci.json.gz", "Etalab EPCI file")
        current: dict[str, str] = {}
        former: dict[str, str] = {}
        for line, record in iter_json_array(communes_file):
            if not isinstance(record, dict) or "code" not in record or "type" not in record:
                raise input_error(communes_file, line, "record without 'code' or 'type'")
            if record["type"] == "commune-actuelle":
                current[record["code"]] = record.get("nom", "")
                for old in record.get("anciensCodes") or []:
                    former[old] = record["code"]
            elif record["type"] in ("commune-deleguee", "commune-associee"):
                chef = record.get("chefLieu")
                if chef and chef != record["code"]:
                    former.setdefault(record["code"], chef)
        for old in list(former):
            if old in current:  # a code still in use is not a former code
                del former[old]
        members: dict[str, list[str]] = {}
        for line, record in iter_json_array(epci_file):
            if not isinstance(record, dict) or "code" not in record:
                raise input_error(epci_file, line, "record without 'code'")
            members[record["code"]] = sorted(
                m["code"]
                for m in record.get("membres") or []
                if isinstance(m, dict) and "code" in m
            )
        if scope == "aula":
            absent = [siren for siren in AULA_EPCI if siren not in members]
            if absent:
                raise InputError(f"{epci_file}: AULA EPCI not found: {', '.join(absent)}")
        try:
            edition = cog_edition(cog_dir)
        except InputError:
            edition = None
        return cls(current, former, members, scope, edition)


# --------------------------------------------------------------------------- reporting


@dataclass
class ImportReport:
    """What an import did: shown as the final summary on stderr."""

    source: str
    read: int = 0
    kept: int = 0
    skipped: Counter = field(default_factory=Counter)
    notes: Counter = field(default_factory=Counter)
    triples: int = 0
    output: Path | None = None
    changed: bool = True
    seconds: float = 0.0
    _started: float = field(default_factory=time.monotonic, repr=False)
    _last_progress: float = field(default=0.0, repr=False)
    quiet: bool = False

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1

    def note(self, remark: str) -> None:
        """Count a kept record with a remark (e.g. no signature date)."""
        self.notes[remark] += 1

    def tick(self, every: int = 5000) -> None:
        """Count one record read; report progress on stderr now and then."""
        self.read += 1
        if self.quiet or self.read % every:
            return
        now = time.monotonic()
        if now - self._last_progress >= 1.0:
            self._last_progress = now
            print(f"  {self.source}: {self.read:,} records read...", file=sys.stderr, flush=True)

    def finish(self) -> None:
        self.seconds = time.monotonic() - self._started

    def summary(self) -> str:
        lines = [
            f"{self.source}: {self.read:,} records read, {self.kept:,} kept, "
            f"{sum(self.skipped.values()):,} skipped, {self.triples:,} triples, "
            f"{self.seconds:.1f} s"
        ]
        for reason, count in sorted(self.skipped.items()):
            lines.append(f"  skipped {count:,}: {reason}")
        for remark, count in sorted(self.notes.items()):
            lines.append(f"  note {count:,}: {remark}")
        if self.output is not None:
            state = "written" if self.changed else "unchanged"
            lines.append(f"  {state}: {self.output}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- triples


Triple = tuple[Node, Node, Node]


class Triples(set[Triple]):
    """The triples of the graph an importer builds: ``add((s, p, o))`` as on an rdflib Graph.

    An import only adds triples and then writes them, so a plain set is enough: the indexes
    and events of rdflib's memory store took most of the time of the France-wide import.
    Duplicates are dropped by the same term equality as in a Graph.
    """


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while an import builds and writes its graph.

    The hundreds of thousands of tuples and terms of a France-wide import live until the file
    is written, and each collection would walk them all again (a third of the import time).
    They hold no reference cycles: reference counting frees them all the same.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --------------------------------------------------------------------------- provenance


@dataclass
class SourceInfo:
    """Who published a source, under which licence, and which edition was read."""

    key: str  # graph slug: cog, acv, pvd...
    title_fr: str
    title_en: str
    publisher: str  # key of PUBLISHERS
    licence: URIRef | tuple[URIRef, ...]
    edition: str  # e.g. "2026" (COG year) or "2024-09"
    landing_page: str | None = None
    description_fr: str | None = None


@functools.cache  # one term per source: every laureateship and observation names it
def dataset(key: str) -> URIRef:
    return ID[f"dataset/{key}"]


def describe_source(
    graph: Triples,
    info: SourceInfo,
    files: list[Path],
    started: datetime,
    territory: Territory,
) -> None:
    """DCAT description of the dataset and PROV description of the graph that imports it."""
    ds = dataset(info.key)
    graph.add((ds, RDF.type, DCAT.Dataset))
    graph.add((ds, DCTERMS.title, Literal(info.title_fr, lang="fr")))
    graph.add((ds, DCTERMS.title, Literal(info.title_en, lang="en")))
    if info.description_fr:
        graph.add((ds, DCTERMS.description, Literal(info.description_fr, lang="fr")))
    publisher, publisher_name = PUBLISHERS[info.publisher]
    graph.add((ds, DCTERMS.publisher, publisher))
    graph.add((publisher, RDF.type, vocab.FOAF.Organization))
    graph.add((publisher, vocab.FOAF.name, Literal(publisher_name)))
    licences = info.licence if isinstance(info.licence, tuple) else (info.licence,)
    for licence in licences:
        graph.add((ds, DCTERMS.license, licence))
    graph.add((ds, AULA.edition, Literal(info.edition)))
    if info.landing_page:
        graph.add((ds, DCAT.landingPage, URIRef(info.landing_page)))
    for path in sorted(files, key=lambda p: p.name):
        dist = ID[f"dataset/{info.key}/distribution/{vocab.slugify(path.name)}"]
        checksum = URIRef(f"{dist}/sha256")
        graph.add((ds, DCAT.distribution, dist))
        graph.add((dist, RDF.type, DCAT.Distribution))
        graph.add((dist, DCTERMS.title, Literal(path.name)))
        graph.add(
            (dist, DCAT.byteSize, Literal(path.stat().st_size, datatype=XSD.nonNegativeInteger))
        )
        graph.add((dist, URIRef(SPDX + "checksum"), checksum))
        graph.add((checksum, RDF.type, URIRef(SPDX + "Checksum")))
        graph.add((checksum, URIRef(SPDX + "algorithm"), URIRef(SPDX + "checksumAlgorithm_sha256")))
        graph.add(
            (
                checksum,
                URIRef(SPDX + "checksumValue"),
                Literal(sha256(path), datatype=XSD.hexBinary),
            )
        )
    g = vocab.opendata_graph(info.key)
    activity = ID[f"activity/import-{info.key}"]
    graph.add((g, RDF.type, DCAT.Dataset))
    graph.add((g, RDFS.label, Literal(f"{info.title_fr} — import aula-kg", lang="fr")))
    graph.add((g, RDFS.label, Literal(f"{info.title_en} — aula-kg import", lang="en")))
    graph.add((g, PROV.wasDerivedFrom, ds))
    graph.add((g, PROV.wasGeneratedBy, activity))
    graph.add((g, AULA.importScope, Literal(territory.scope)))
    if territory.scope == "aula":
        for siren in AULA_EPCI:
            graph.add((g, DCTERMS.spatial, vocab.epci(siren)))
    graph.add((activity, RDF.type, PROV.Activity))
    graph.add((activity, PROV.used, ds))
    graph.add((activity, PROV.startedAtTime, Literal(started.isoformat(), datatype=XSD.dateTime)))
    graph.add((activity, PROV.wasAssociatedWith, ID[f"software/aula-kg/{__version__}"]))
    graph.add((ID[f"software/aula-kg/{__version__}"], RDF.type, PROV.SoftwareAgent))
    graph.add(
        (ID[f"software/aula-kg/{__version__}"], RDFS.label, Literal(f"aula-kg {__version__}"))
    )


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@functools.cache  # one term per programme: every laureateship names it
def programme(slug: str) -> URIRef:
    return ID[f"programme/{slug}"]


def laureateship(programme_slug: str, insee: str) -> URIRef:
    return ID[f"laureateship/{programme_slug}/{insee}"]


def add_laureateship(
    graph: Triples,
    programme_slug: str,
    insee: str,
    source_key: str,
    *,
    signed: date | None = None,
    convention: URIRef | None = None,
    recorded_as: str | None = None,
) -> URIRef:
    """A aula:Laureateship of today's commune ``insee`` and the commune's shortcut link.

    ``recorded_as`` is the code the source used when it is a former code (merged commune).
    """
    lau = laureateship(programme_slug, insee)
    com = vocab.commune(insee)
    prog = programme(programme_slug)
    graph.add((lau, RDF.type, AULA.Laureateship))
    graph.add((lau, AULA.laureate, com))
    graph.add((lau, AULA.programme, prog))
    graph.add((lau, PROV.wasDerivedFrom, dataset(source_key)))
    graph.add((com, AULA.laureateOf, prog))
    if signed is not None:
        graph.add((lau, AULA.signatureDate, Literal(signed.isoformat(), datatype=XSD.date)))
    if convention is not None:
        graph.add((lau, AULA.convention, convention))
    if recorded_as is not None and recorded_as != insee:
        graph.add((lau, AULA.recordedAs, vocab.commune(recorded_as)))
    return lau


#: Programmes the importers mention: slug -> (French label, English label). ACV and PVD
#: carry exactly the labels of data/programmes.ttl, so the union graph has one label each.
PROGRAMMES = {
    "acv": ("Action Cœur de Ville", "Action Cœur de Ville (Heart of Town)"),
    "pvd": ("Petites Villes de Demain", "Petites Villes de Demain (Small Towns of Tomorrow)"),
    "ort": ("Opération de revitalisation de territoire", "Territorial revitalisation operation"),
    "territoires-d-industrie": (
        "Territoires d'industrie",
        "Territoires d'industrie (industrial territories)",
    ),
    "villages-d-avenir": ("Villages d'avenir", "Villages d'avenir (villages of the future)"),
    "france-services": ("France services", "France services (public service centres)"),
    "avenir-montagnes-ingenierie": (
        "Avenir montagnes ingénierie",
        "Avenir Montagnes, engineering support",
    ),
    "avenir-montagnes-mobilites": ("Avenir montagnes mobilités", "Avenir Montagnes, mobility"),
    "fabriques-prospectives": (
        "Fabriques prospectives",
        "Fabriques prospectives (foresight workshops)",
    ),
    "habitat-inclusif": ("Habitat inclusif", "Inclusive housing"),
    "cites-educatives": ("Cités éducatives", "Cités éducatives (educational cities)"),
    "cites-de-l-emploi": ("Cités de l'emploi", "Cités de l'emploi (employment cities)"),
    "acv-2": (
        "Action cœur de ville, seconde phase (id_acv2)",
        "Action Cœur de Ville, second phase (id_acv2)",
    ),
    "sites-cles-en-main": (
        "Sites clés en main France 2030",
        "France 2030 turnkey industrial sites",
    ),
}


#: The State (curated in data/territories.ttl): every programme of these national lists is a
#: State programme, most of them run by its agency, the ANCT.
STATE = ID["organisation/etat"]


def add_programme(graph: Triples, slug: str) -> None:
    prog = programme(slug)
    fr, en = PROGRAMMES[slug]
    graph.add((prog, RDF.type, AULA.Programme))
    graph.add((prog, AULA.launchedBy, STATE))
    graph.add((prog, RDFS.label, Literal(fr, lang="fr")))
    graph.add((prog, RDFS.label, Literal(en, lang="en")))
    if slug in ABBREVIATIONS:
        graph.add((prog, AULA.abbreviation, Literal(ABBREVIATIONS[slug])))


#: The short names planners type (the same literals as data/programmes.ttl for ACV and PVD).
ABBREVIATIONS = {"acv": "ACV", "pvd": "PVD", "ort": "ORT", "acv-2": "ACV 2"}


def add_former_reference(graph: Triples, old: str, today: str) -> None:
    """Minimal statement that a source used a former code, so it resolves without the COG."""
    graph.add((vocab.commune(old), RDF.type, AULA.FormerCommune))
    graph.add((vocab.commune(old), IGEO.codeINSEE, Literal(old)))
    graph.add((vocab.commune(old), DCTERMS.isReplacedBy, vocab.commune(today)))


# --------------------------------------------------------------------------- writing


#: The written prefixes, longest namespace first: the first that starts an IRI is the longest.
#: (sorted() is stable: of two prefixes for one namespace, the first declared is used.)
_PREFIXES_LONGEST_FIRST = sorted(FILE_PREFIXES.items(), key=lambda item: -len(item[1]))
_LOCAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def _pname(iri: str) -> str | None:
    for prefix, ns in _PREFIXES_LONGEST_FIRST:
        if iri.startswith(ns):
            local = iri[len(ns) :]
            if local == "" or _LOCAL_NAME.fullmatch(local):
                return f"{prefix}:{local}"
            return None
    return None


def term_n3(term: Node) -> str:
    if isinstance(term, URIRef):
        return _pname(str(term)) or f"<{term}>"
    if isinstance(term, Literal):
        lexical = Literal(str(term)).n3()
        if term.language:
            return f"{lexical}@{term.language}"
        if term.datatype is not None and term.datatype != XSD.string:
            return f"{lexical}^^{term_n3(URIRef(term.datatype))}"
        return lexical
    raise TypeError(f"blank nodes are not written by the importers: {term!r}")


def _sort_key(term: Node) -> tuple:
    return (
        0 if isinstance(term, URIRef) else 1,
        str(term),
        str(getattr(term, "datatype", "")),
        getattr(term, "language", "") or "",
    )


def canonical_trig(graph: Iterable[Triple], graph_iri: URIRef, header: str) -> str:
    """A canonical TriG document: fixed prefixes, subjects, predicates and objects sorted."""
    # Terms recur (a class, a predicate, a year on thousands of lines): each is written, and
    # given its sort key, once per document.
    n3 = functools.cache(term_n3)
    sort_key = functools.cache(_sort_key)
    rdf_type = RDF.type

    @functools.cache
    def predicate_key(p: Node) -> tuple:
        return (p != rdf_type, _sort_key(p))

    @functools.cache
    def verb(p: Node) -> str:
        return "a" if p == rdf_type else term_n3(p)

    out = [f"# {line}".rstrip() for line in header.splitlines()]
    for prefix, ns in FILE_PREFIXES.items():
        out.append(f"@prefix {prefix}: <{ns}> .")
    out.append("")
    out.append(f"{term_n3(graph_iri)} {{")
    by_subject: dict[Node, dict[Node, list[Node]]] = {}
    for s, p, o in graph:
        by_subject.setdefault(s, {}).setdefault(p, []).append(o)
    for s in sorted(by_subject, key=sort_key):
        preds = by_subject[s]
        parts = []
        for p in sorted(preds, key=predicate_key):
            objects = preds[p]
            if len(objects) > 1:
                objects = sorted(set(objects), key=sort_key)
            parts.append(f"{verb(p)} " + ",\n        ".join(map(n3, objects)))
        out.append(f"  {n3(s)}\n    " + " ;\n    ".join(parts) + " .")
        out.append("")
    out.append("}")
    return "\n".join(out) + "\n"


_STARTED = re.compile(r'prov:startedAtTime "([^"]+)"\^\^xsd:dateTime')


@locking.holding(
    lambda call: Path(call["path"]).parent, "aula-kg import", 60.0,
    sweep_of=lambda call: [Path(call["path"]).name],
)
def write_graph_atomically(
    graph: Iterable[Triple], graph_iri: URIRef, path: Path, header: str, started: datetime
) -> bool:
    """Write ``graph`` as the named graph ``graph_iri`` to ``path``; True when rewritten.

    When the file exists and differs only by the import time, it is left as it is. Else the
    document goes to a temporary file in the same directory, then replaces ``path`` in one
    ``os.replace``: readers see the old file or the new one, never a partial one.
    """
    text = canonical_trig(graph, graph_iri, header)
    if path.is_file():
        old = path.read_text(encoding="utf-8")
        match = _STARTED.search(old)
        if match:
            new_time = f'prov:startedAtTime "{started.isoformat()}"^^xsd:dateTime'
            old_time = f'prov:startedAtTime "{match.group(1)}"^^xsd:dateTime'
            if text.replace(new_time, old_time) == old:
                return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return True


def file_header(info: SourceInfo, territory: Territory) -> str:
    scope = "AULA territory (five EPCI)" if territory.scope == "aula" else "whole of France"
    return (
        f"{info.title_en}, edition {info.edition}: {scope}.\n"
        "Generated by 'aula-kg import'; do not edit by hand (see src/aula_kg/imports/)."
    )
