"""The web application factory: ``create_app(settings, store)`` builds a FastAPI app.

Nothing is built at import time. ``create_app`` builds one :class:`~.services.AppServices`
(settings, store, query pool, stored-query service, SPARQL service, graph view, what is
computed once, warm-up state); routes reach it with :func:`~.services.app_services`.
(``app.state.settings``, ``.store``, ``.query_pool`` and ``.sparql`` name the same
objects, for the routes and tests that read them there.) For uvicorn's command line use
the factory: ``uvicorn --factory aula_kg.web.app:app_from_env``.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from .. import __version__, prepared
from ..answering import StoredQueries
from ..config import Settings
from ..store import Store, open_executor, open_store
from . import api, images, pages, publishing, question
from .errors import install_error_handlers
from .graphview import GraphView
from .pages.common import render
from .pages.home import home_facts
from .pages.queries import territory_choices
from .services import AppServices, app_services
from .sparql import MAX_URL_BYTES, TRUNCATED_HEADER, SparqlFastPath, SparqlService
from .sparql import router as sparql_router

logger = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    store: Store | None = None,
    *,
    workers: int | None = None,
    max_url_bytes: int = MAX_URL_BYTES,
) -> FastAPI:
    """The aula-kg web app over ``store`` (default: the built graph of ``settings``).

    Queries run in ``workers`` worker processes (default: 2 to 4, after the CPUs) holding a
    snapshot of ``store``; they start with the app's lifespan, or at the first query.
    """
    settings = settings or Settings.from_env()
    if store is None:
        store = open_store(settings)
    pool = open_executor(store, settings, workers=workers)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await anyio.to_thread.run_sync(pool.start)
        warming = asyncio.create_task(_warm_up(app), name="warm-up")
        try:
            yield
        finally:
            warming.cancel()
            pool.close()

    app = FastAPI(
        title="aula-kg",
        version=__version__,
        description="Knowledge graph of town-centre revitalisation (Agence d'urbanisme de "
        "l'Artois): a read-only SPARQL 1.1 endpoint, the stored queries as an API, and pages "
        "for people (/, /dossier, /id/..., /ontology).",
        lifespan=lifespan,
        # FastAPI's own /docs and /redoc load their scripts from a CDN; ours serves a
        # vendored Swagger UI (web/static, swagger-ui-dist 5.35.0, Apache-2.0).
        docs_url=None,
        redoc_url=None,
    )
    services = AppServices(
        settings=settings, store=store, pool=pool,
        queries=StoredQueries(settings, store, pool, prepared.catalog(settings)),
        sparql=SparqlService(settings, store, pool, max_url_bytes),
        graph=GraphView(store),
    )
    app.state.services = services
    app.state.settings = settings
    app.state.store = store
    app.state.query_pool = pool
    app.state.sparql = services.sparql
    install_error_handlers(app)

    @app.get("/docs", include_in_schema=False)
    async def api_docs():
        # The site's page (header, French introduction, lang) around the vendored
        # Swagger UI, started by static/docs.js over /openapi.json.
        return render("docs.html", title="API des questions enregistrées")

    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=[TRUNCATED_HEADER],
        max_age=600,
    )
    app.add_middleware(SparqlFastPath)  # outside CORS: it takes only requests without Origin
    app.include_router(sparql_router)
    app.include_router(api.router)
    app.include_router(images.router)
    app.include_router(pages.router)
    app.include_router(publishing.router)
    app.include_router(question.router)
    api.install_openapi(app)
    return app


async def _warm_up(app: FastAPI) -> None:
    """Make, once the server answers, what the pages need: the whole name index (their
    search and lists), the form's choices, the home page's figures and territories, the
    publishing figures. With the build's prepared files (aula_kg.prepared) this takes well
    under a second on the national graph; on a remote store, seconds. ``/api/status``
    says ``ready`` once it is done."""
    services = app_services(app)
    try:
        # What the home page and the dossiers need first; the whole name index (for the
        # pages' search) last.
        await anyio.to_thread.run_sync(services.queries.enum_values)
        await anyio.to_thread.run_sync(home_facts, services)
        await territory_choices(app)
        await anyio.to_thread.run_sync(publishing.publication(app).facts)
        await anyio.to_thread.run_sync(lambda: services.queries.names().load())
        services.warm = True
    except Exception:  # noqa: BLE001 - the requests that need them will report any error
        logger.warning("warm-up failed; the first requests will build the indexes",
                       exc_info=True)


def app_from_env() -> FastAPI:
    """The app over the built graph, configured from ``AULA_KG_*`` variables (for uvicorn)."""
    return create_app(Settings.from_env())
