"""Settings: where the project's files are, where the built graph goes, and the query limits.

Every setting has a default that works in a clone of the repository and can be overridden
with an ``AULA_KG_*`` environment variable, so tests and deployments need no code change.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

#: The repository root when running from a checkout (src/aula_kg/config.py -> ../../).
_CHECKOUT_ROOT = Path(__file__).resolve().parents[2]


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _env_list(name: str) -> tuple[str, ...]:
    value = os.environ.get(name, "")
    return tuple(item.strip() for item in value.split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    home: Path = _CHECKOUT_ROOT
    build_dir: Path = _CHECKOUT_ROOT / "build"
    shared_dir: Path = _CHECKOUT_ROOT.parent / "shared"
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

    @property
    def ontology_dir(self) -> Path:
        return self.home / "ontology"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def shapes_dir(self) -> Path:
        return self.home / "shapes"

    @property
    def queries_dir(self) -> Path:
        return self.home / "queries"

    @property
    def opendata_dir(self) -> Path:
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
        home = _env_path("AULA_KG_HOME", _CHECKOUT_ROOT)
        return cls(
            home=home,
            build_dir=_env_path("AULA_KG_BUILD_DIR", home / "build"),
            shared_dir=_env_path("AULA_KG_SHARED", home.parent / "shared"),
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
