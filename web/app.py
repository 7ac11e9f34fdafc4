"""What the app factory needs to serve the web pages: their router, the templates, the static
files and the CSRF protection of their forms.

`caisse.app.create_app` calls these; nothing here reads the environment.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar import Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from caisse.http.deps import DEPENDENCIES
from caisse.settings import Settings
from web import labels
from web.pages import HANDLERS
from web.render import CSRF_COOKIE

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
# The JSON API authenticates scripts with bearer tokens and takes JSON, not forms; its docs and
# the static files have no form either.
CSRF_EXEMPT = ["^/api/", "^/api$", "^/schema", "^/static/"]

# Everything the pages use is served by the app itself: no CDN, no outside font or script, and no
# inline script or event handler (tests/integration/security/test_hardening.py reads the templates).
# The other security headers are added to every answer by `caisse.http.headers.security_headers`.
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


@functools.cache
def static_url(name: str) -> str:
    """The URL of a static file, with a digest of its content so browsers refetch it when it changes."""
    digest = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]
    return f"/static/{name}?v={digest}"


def jinja_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        # A misspelt variable fails the page (and its test) instead of printing nothing.
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # New-style gettext; each page passes its own language's callables in its context.
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(static_url=static_url, labels=labels, label=labels.label)
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(jinja_environment()))


def csrf_config(settings: Settings, secret: str) -> CSRFConfig:
    """Double-submit token: a cookie, and the same signed value in a hidden field of every form."""
    return CSRFConfig(
        secret=secret,
        cookie_name=CSRF_COOKIE,
        cookie_secure=settings.secure_cookies,
        cookie_httponly=True,
        cookie_samesite="lax",
        exclude=CSRF_EXEMPT,
    )


def web_router() -> Router:
    return Router(
        path="/",
        route_handlers=HANDLERS,
        dependencies=DEPENDENCIES,
        include_in_schema=False,
        # Pages may carry personal data and a form token: never kept by a shared cache.
        cache_control=CacheControlHeader(private=True, no_cache=True),
    )


def static_router() -> Router:
    return create_static_files_router(
        path="/static",
        directories=[STATIC_DIR],
        cache_control=CacheControlHeader(public=True, max_age=7 * 24 * 3600),
        include_in_schema=False,
    )
