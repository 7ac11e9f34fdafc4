"""Rendering a page: the template plus what every page needs (language, formatting, the caller).

Handlers call `page(request, "public/lieux.html", outlets=...)`. Every template receives:
`lang` and `languages` (the switch), the gettext callables `_`/`gettext`/`ngettext`, `fmt` (a
`Formatter` for money, numbers and dates), `actor` (the logged-in user or None), `here` (this
page's path and query, for the language switch and the login link) and `caisse_nav` (the caisse
whose menu the header shows, when the page belongs to one).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from litestar import Request
from litestar.response import Template
from litestar.utils.scope.state import ScopeState

from caisse.auth.actor import Actor
from web.formatting import Formatter
from web.i18n import LANG_COOKIE, LANGUAGE_NAMES, gettext_for, locale_of, negotiate, template_gettext
from web.redirects import path_with_query

# The cookie of the CSRF double-submit token (web.app configures the middleware with this name).
CSRF_COOKIE = "caisse_csrf"


def language_of(request: Request[Any, Any, Any]) -> str:
    return negotiate(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def translator(request: Request[Any, Any, Any]) -> Callable[[str], str]:
    """gettext in the request's language, for messages built in Python."""
    return gettext_for(language_of(request))


def formatter(request: Request[Any, Any, Any]) -> Formatter:
    return Formatter(locale_of(language_of(request)))


def actor_of(request: Request[Any, Any, Any]) -> Actor | None:
    user = request.scope.get("user")
    return user if isinstance(user, Actor) else None


def shared_context(request: Request[Any, Any, Any]) -> dict[str, Any]:
    language = language_of(request)
    return {
        "lang": language,
        "languages": LANGUAGE_NAMES,
        "fmt": Formatter(locale_of(language)),
        "actor": actor_of(request),
        "here": path_with_query(request.url.path, request.url.query),
        "caisse_nav": None,
        **template_gettext(language),
    }


def page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    status: int = 200,
    **context: Any,
) -> Template:
    """A full page from `web/templates/<template>` with the shared context."""
    return Template(
        template_name=template, context={**shared_context(request), **context}, status_code=status
    )


def render_to_string(request: Request[Any, Any, Any], template: str, **context: Any) -> str:
    """The same page as a string, for error handlers (they build their own Response)."""
    engine = request.app.template_engine
    if engine is None:
        raise RuntimeError("the web templates are not configured on this app")
    state_token = ScopeState.from_scope(request.scope).csrf_token
    # No CSRF middleware ran (e.g. an unknown path): the cookie's own value is the form token.
    token = state_token if isinstance(state_token, str) else request.cookies.get(CSRF_COOKIE)
    csrf_input = f'<input type="hidden" name="_csrf_token" value="{html.escape(token)}" />' if token else ""
    values = {**shared_context(request), "request": request, "csrf_input": csrf_input, **context}
    return str(engine.get_template(template).render(**values))
