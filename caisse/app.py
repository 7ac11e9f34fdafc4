"""The application factory: everything the service needs is built here from `Settings`."""

from __future__ import annotations

import logging

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
from caisse.db.engine import make_engine, make_sessionmaker
from caisse.db.models import Base
from caisse.http.errors import EXCEPTION_HANDLERS
from caisse.http.root import root
from caisse.settings import Settings


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    engine = make_engine(settings)
    db_config = SQLAlchemyAsyncConfig(
        engine_instance=engine,
        metadata=Base.metadata,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        # Commit on 2xx/3xx so a form POST that redirects is saved; roll back otherwise.
        before_send_handler="autocommit_include_redirects",
        set_default_exception_handler=False,
    )
    return Litestar(
        route_handlers=[root, api_router()],
        plugins=[SQLAlchemyPlugin(config=db_config)],
        middleware=[AuthenticationMiddleware()],
        exception_handlers=EXCEPTION_HANDLERS,
        state=State({"settings": settings, "auth_sessionmaker": make_sessionmaker(engine)}),
        openapi_config=OpenAPIConfig(
            title="Caisse commune",
            version="0.1.0",
            description="Run a caisse of the Sécurité sociale de l'alimentation.",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        debug=settings.debug,
        logging_config=None,
        on_startup=[lambda: logging.getLogger("caisse").setLevel(logging.INFO)],
        # The engine is ours (handed to the plugin as an instance), so we close its pool.
        on_shutdown=[engine.dispose],
    )
