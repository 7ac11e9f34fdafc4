"""The application factory: everything the service needs is built here from `Settings`."""

from __future__ import annotations

import logging
import secrets
from functools import partial

from advanced_alchemy.extensions.litestar import (
    AsyncSessionConfig,
    SQLAlchemyAsyncConfig,
    SQLAlchemyPlugin,
)
from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin

from caisse.api import api_router
from caisse.auth.middleware import AuthenticationMiddleware
from caisse.db.engine import make_engine
from caisse.db.models import Base
from caisse.demo.guard import refuse_demo_logins
from caisse.http.commit import CommitBeforeAnswer
from caisse.http.errors import EXCEPTION_HANDLERS
from caisse.http.headers import security_headers
from caisse.http.heap import freeze_startup_heap
from caisse.settings import Settings
from caisse.simulations import jobs
from web import errors as web_errors
from web.app import PAGE_CSP, csrf_config, static_router, template_config, web_router

# Every request body is at most this large (forms and JSON are a few kB); the CSV import and the
# simulation scenarios set their own limits on their routes. A larger body is a 413 before it is read.
MAX_REQUEST_BODY = 1024 * 1024


def _csrf_secret(settings: Settings) -> str:
    # A configured secret keeps form tokens valid across workers and restarts; without one, each
    # process signs with its own random secret (fine for one worker: a restart only means
    # reloading an open form).
    return settings.secret_key or secrets.token_hex(32)


def create_app(settings: Settings | None = None) -> Litestar:
    """The app; in production mode (`settings.production`) raises ProductionRefused, naming the
    variables to fix, rather than serve with a development default."""
    settings = settings or Settings.from_env()
    settings.check_production()
    engine = make_engine(settings)
    db_config = SQLAlchemyAsyncConfig(
        engine_instance=engine,
        metadata=Base.metadata,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        # Commit on 2xx/3xx so a form POST that redirects is saved; roll back otherwise. The commit
        # itself is made earlier, by CommitBeforeAnswer, so that a failed one is not answered as saved.
        before_send_handler="autocommit_include_redirects",
        set_default_exception_handler=False,
    )
    # JSON errors for /api/ (unchanged), HTML pages (and a login redirect for 401) elsewhere.
    exception_handlers = web_errors.by_path(EXCEPTION_HANDLERS)
    return Litestar(
        route_handlers=[web_router(), static_router(), api_router()],
        plugins=[SQLAlchemyPlugin(config=db_config)],
        middleware=[
            AuthenticationMiddleware(),
            CommitBeforeAnswer(db_config.session_scope_key, exception_handlers),
        ],
        exception_handlers=exception_handlers,
        template_config=template_config(),
        csrf_config=csrf_config(settings, _csrf_secret(settings)),
        # Finding the caller only reads (and now and then stamps a token's last use): autocommit.
        state=State(
            {"settings": settings, "auth_engine": engine.execution_options(isolation_level="AUTOCOMMIT")}
        ),
        openapi_config=OpenAPIConfig(
            title="Caisse commune",
            version="0.1.0",
            description="Run a caisse of the Sécurité sociale de l'alimentation.",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        debug=settings.debug,
        logging_config=None,
        on_startup=[
            lambda: logging.getLogger("caisse").setLevel(logging.INFO),
            *([partial(refuse_demo_logins, engine)] if settings.production else []),
            # Last: what startup built stays out of the garbage collector's full walks.
            freeze_startup_heap,
        ],
        before_send=[security_headers(settings, PAGE_CSP)],
        request_max_body_size=MAX_REQUEST_BODY,
        # The runs this process computes are stopped and marked failed while the database is still
        # reachable; the engine is ours (handed to the plugin as an instance), so we close its pool.
        on_shutdown=[partial(jobs.stop_runs, engine), engine.dispose],
    )
