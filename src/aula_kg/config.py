"""Settings: where the sources are read from, where builds go, and the query limits.

Two kinds of paths, resolved apart:

- **The data directory** (``home``), where builds go (``home/build``: graph, prebuilt store,
  manifest). Chosen by the ``--home`` option, else ``AULA_KG_HOME``, else the checkout when
  running from one (as always), else ``$XDG_DATA_HOME/aula-kg``, else
  ``~/.local/share/aula-kg`` (never inside site-packages). ``AULA_KG_BUILD_DIR`` moves the
  build alone.
- **The sources** (ontology/, shapes/, queries/, data/). Each folder is read from the data
  directory when it holds one (a project of your own, or a copy of the checkout that tests
  edit), else from the checkout when running from one, else from the copy installed with
  the package (``aula_kg/resources/``, put there when the wheel is built; see setup.py).

Every other setting has a default and an ``AULA_KG_*`` override, so tests and deployments
need no code change. ``aula-kg where`` prints what was chosen and by which setting.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from .errors import InputError

#: The source folders, in the order they are read.
SOURCE_FOLDERS: Final = ("ontology", "shapes", "queries", "data")

_PACKAGE_DIR: Final = Path(__file__).resolve().parent
#: The repository root when running from a checkout (src/aula_kg/config.py -> ../../).
_CHECKOUT_ROOT: Final = _PACKAGE_DIR.parents[1]
#: Where the wheel puts the source folders (files on disk: pyoxigraph and rdflib read paths).
RESOURCES_DIR: Final = _PACKAGE_DIR / "resources"

#: Labels of the settings that choose a path (``aula-kg where`` prints them).
BY_OPTION: Final = "--home"
BY_CHECKOUT: Final = "checkout"
BY_PACKAGE: Final = "installed package"
BY_HOME: Final = "home"


def checkout_root() -> Path | None:
    """The repository root when this package runs from a checkout (editable install
    included), else None (an installed wheel)."""
    root = _CHECKOUT_ROOT
    if (root / "pyproject.toml").is_file() and (root / "src" / "aula_kg").is_dir():
        return root
    return None


def bundled_sources() -> tuple[Path, str]:
    """The folder holding ontology/, shapes/, queries/ and data/ when the data directory
    has none of its own, and what it is."""
    root = checkout_root()
    return (root, BY_CHECKOUT) if root else (RESOURCES_DIR, BY_PACKAGE)


def default_home(environ: Mapping[str, str] | None = None) -> tuple[Path, str]:
    """The data directory when neither ``--home`` nor ``AULA_KG_HOME`` names one."""
    environ = os.environ if environ is None else environ
    root = checkout_root()
    if root is not None:
        return root, BY_CHECKOUT
    xdg = environ.get("XDG_DATA_HOME", "").strip()
    if xdg and Path(xdg).is_absolute():  # the XDG spec: relative values are ignored
        return Path(xdg) / "aula-kg", "XDG_DATA_HOME"
    return Path.home() / ".local" / "share" / "aula-kg", "default (~/.local/share)"


#: ``--home`` for the command running now (see :func:`home_option`).
_home_option: Path | None = None


@contextlib.contextmanager
def home_option(path: Path | str) -> Iterator[Path]:
    """The ``--home`` option for the duration of one command: it beats ``AULA_KG_HOME``,
    and is passed on as ``AULA_KG_HOME`` to the processes the command starts (query
    workers, servers). Both are restored afterwards (tests call ``main`` in-process)."""
    global _home_option
    chosen = Path(path).expanduser().resolve()
    if chosen.exists() and not chosen.is_dir():
        raise InputError(code="settings.home_not_directory", path=str(chosen))
    saved_option, saved_env = _home_option, os.environ.get("AULA_KG_HOME")
    _home_option = chosen
    os.environ["AULA_KG_HOME"] = str(chosen)
    try:
        yield chosen
    finally:
        _home_option = saved_option
        if saved_env is None:
            os.environ.pop("AULA_KG_HOME", None)
        else:
            os.environ["AULA_KG_HOME"] = saved_env


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def _env_number(name: str, default: float, kind: type[float] | type[int]) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return kind(value)
    except ValueError:
        raise InputError(
            code="settings.not_a_number", variable=name, given=value,
            expected={"fr": "entier", "en": "integer"} if kind is int
            else {"fr": "décimal", "en": "decimal"},
        ) from None


def _env_float(name: str, default: float) -> float:
    return float(_env_number(name, default, float))


def _env_int(name: str, default: int) -> int:
    return int(_env_number(name, default, int))


def _env_list(name: str) -> tuple[str, ...]:
    value = os.environ.get(name, "")
    return tuple(item.strip() for item in value.split(",") if item.strip())


_DEFAULT_HOME: Final = default_home()[0]


def _default_shared(home: Path) -> Path:
    # In a checkout, ../shared beside it (as always); installed, inside the data directory.
    return home.parent / "shared" if checkout_root() else home / "shared"


@dataclass(frozen=True)
class Settings:
    #: The data directory: builds go under it; source folders it holds win (module doc).
    home: Path = _DEFAULT_HOME
    build_dir: Path = _DEFAULT_HOME / "build"
    shared_dir: Path = _default_shared(_DEFAULT_HOME)
    #: Seconds a user query may run before it is stopped.
    query_timeout: float = 5.0
    #: Rows returned at most by a user query.
    max_rows: int = 10_000
    #: Bytes accepted at most in a request body.
    max_body_bytes: int = 1_000_000
    #: Worker processes that run user queries (None: 2 to 4, after the CPUs).
    query_workers: int | None = None
    #: Bytes of query answers the server keeps to repeat them (0: none kept).
    answer_cache_bytes: int = 64 << 20
    #: SPARQL endpoints a query may reach with SERVICE (exact IRIs); none by default.
    allowed_service_endpoints: tuple[str, ...] = field(default_factory=tuple)
    #: A SPARQL 1.1 server holding the graph (query URL); None: the embedded store.
    endpoint: str | None = None
    #: Its Graph Store Protocol URL for ``publish`` (None: guessed from ``endpoint``).
    endpoint_graph_store: str | None = None
    endpoint_user: str | None = None
    endpoint_password: str | None = None
    #: The public address of the server (``https://kg.example.org``): VoID, the catalogue
    #: and the download page name their IRIs on it. None: on the address of each request.
    public_url: str | None = None
    #: Which setting chose ``home`` (``--home``, ``AULA_KG_HOME``, checkout, ...).
    home_chosen_by: str = field(default=default_home()[1], compare=False)

    def source_dir(self, name: str) -> Path:
        """The folder ``name`` (one of :data:`SOURCE_FOLDERS`) is read from."""
        return self.source_location(name)[0]

    def source_location(self, name: str) -> tuple[Path, str]:
        """The folder ``name`` is read from, and what chose it: the data directory when it
        holds that folder, else the checkout or the installed package."""
        if name not in SOURCE_FOLDERS:
            raise ValueError(f"not a source folder: {name!r}")
        root, chosen_by = bundled_sources()
        own = self.home / name
        if own.is_dir() and self.home != root:
            return own, BY_HOME
        return root / name, chosen_by

    def relative_source(self, path: Path) -> str:
        """``path`` as the manifest names it: ``data/opendata/cog.trig`` wherever the
        folder is read from (checkout, data directory, installed package)."""
        for name in SOURCE_FOLDERS:
            folder = self.source_dir(name)
            if path.is_relative_to(folder):
                return str(Path(name) / path.relative_to(folder))
        return str(path.relative_to(self.home)) if path.is_relative_to(self.home) else str(path)

    @property
    def ontology_dir(self) -> Path:
        return self.source_dir("ontology")

    @property
    def data_dir(self) -> Path:
        return self.source_dir("data")

    @property
    def shapes_dir(self) -> Path:
        return self.source_dir("shapes")

    @property
    def queries_dir(self) -> Path:
        return self.source_dir("queries")

    @property
    def opendata_dir(self) -> Path:
        """The open-data snapshots the importers read (not the committed AULA slice,
        which is ``data_dir / "opendata"``)."""
        return self.shared_dir / "opendata"

    @property
    def graph_file(self) -> Path:
        """The built, reasoned and validated graph: N-Quads, one named graph per source."""
        return self.build_dir / "aula-kg.nq"

    @property
    def manifest_file(self) -> Path:
        return self.build_dir / "manifest.json"

    @classmethod
    def from_env(cls) -> Settings:
        if _home_option is not None:
            home, home_chosen_by = _home_option, BY_OPTION
        elif os.environ.get("AULA_KG_HOME"):
            home, home_chosen_by = _env_path("AULA_KG_HOME", _DEFAULT_HOME), "AULA_KG_HOME"
        else:
            home, home_chosen_by = default_home()
        return cls(
            home=home,
            home_chosen_by=home_chosen_by,
            build_dir=_env_path("AULA_KG_BUILD_DIR", home / "build"),
            shared_dir=_env_path("AULA_KG_SHARED", _default_shared(home)),
            query_timeout=_env_float("AULA_KG_QUERY_TIMEOUT", 5.0),
            max_rows=_env_int("AULA_KG_MAX_ROWS", 10_000),
            max_body_bytes=_env_int("AULA_KG_MAX_BODY_BYTES", 1_000_000),
            query_workers=_env_int("AULA_KG_QUERY_WORKERS", 0) or None,
            answer_cache_bytes=_env_int("AULA_KG_ANSWER_CACHE_MB", 64) << 20,
            allowed_service_endpoints=_env_list("AULA_KG_ALLOWED_SERVICES"),
            endpoint=os.environ.get("AULA_KG_ENDPOINT") or None,
            endpoint_graph_store=os.environ.get("AULA_KG_ENDPOINT_GRAPH_STORE") or None,
            endpoint_user=os.environ.get("AULA_KG_ENDPOINT_USER") or None,
            endpoint_password=os.environ.get("AULA_KG_ENDPOINT_PASSWORD") or None,
            public_url=os.environ.get("AULA_KG_PUBLIC_URL", "").strip().rstrip("/") or None,
        )
