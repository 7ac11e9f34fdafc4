"""Logging in and out with the core's login sessions (the `caisse_session` cookie of the API's
/auth/login), and choosing the page language.

The services do the work: `caisse.auth.service.log_in` checks the password, applies the brake on
guessing and opens the session; `close_session` ends it. These handlers only read the form, say
what is wrong next to the field, and set or clear the cookies.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import Cookie, State
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template

from caisse.auth import service
from caisse.auth.actor import Actor
from caisse.auth.identify import SESSION_COOKIE, load_actor
from caisse.auth.routes.markers import DbSession
from caisse.auth.routes.session import session_cookie
from caisse.errors import NotAuthenticated, ValidationFailed
from caisse.settings import Settings
from web.i18n import LANG_COOKIE, LANG_COOKIE_MAX_AGE, LANGUAGES
from web.redirects import safe_next
from web.render import page, translator

MAX_EMAIL = 254
MAX_PASSWORD = 1024


# Forms are not `forbid_unknown_fields`: they also carry the CSRF token field, checked upstream.
class LoginForm(msgspec.Struct):
    email: str = ""
    password: str = ""
    next: str = ""


class LanguageForm(msgspec.Struct):
    lang: str = ""
    next: str = ""


def home_for(actor: Actor) -> str:
    """Where a user lands after logging in: their caisse's space, or the picker when they hold
    roles in several caisses (or none, or are an installation administrator)."""
    if not actor.is_superuser and len(actor.grants) == 1:
        return f"/c/{next(iter(actor.grants))}/espace"
    return "/espace"


def _login_page(request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
    values: dict[str, Any] = {"errors": {}, "form_error": None, "email": "", "next": ""}
    return page(request, "auth/login.html", status=status, **{**values, **context})


@get("/connexion", name="login")
async def login_form(request: Request[Any, Any, Any]) -> Template:
    """`?next=` (a local page only) is where to go once logged in."""
    target = safe_next(request.query_params.get("next"), default="")
    return _login_page(request, next=target)


@post("/connexion", name="login-submit")
async def login_submit(
    request: Request[Any, Any, Any], data: URLEncodedBody[LoginForm], db_session: DbSession, state: State
) -> Response[Any]:
    _ = translator(request)
    email, target = data.email.strip(), safe_next(data.next, default="")
    errors: dict[str, str] = {}
    if not email:
        errors["email"] = _("Enter your e-mail address.")
    elif len(email) > MAX_EMAIL or "@" not in email:
        errors["email"] = _("Enter an e-mail address such as name@example.org.")
    if not data.password:
        errors["password"] = _("Enter your password.")
    elif len(data.password) > MAX_PASSWORD:
        errors["password"] = _("This password is too long.")
    if errors:
        return _login_page(request, 422, errors=errors, email=email[:MAX_EMAIL], next=target)
    settings: Settings = state.settings
    try:
        user, token = await service.log_in(
            db_session, email=email, password=data.password, max_age_seconds=settings.session_max_age_seconds
        )
    except NotAuthenticated:
        return _login_page(request, 401, form_error=_("Wrong e-mail or password."), email=email, next=target)
    except service.TooManyLoginAttempts:
        message = _(
            "Too many failed logins for this e-mail. Try again in 15 minutes, or ask an administrator."
        )
        return _login_page(request, 429, form_error=message, email=email, next=target)
    actor = await load_actor(db_session, user)
    return Redirect(
        path=target or home_for(actor),
        status_code=303,
        cookies=[session_cookie(settings, token, settings.session_max_age_seconds)],
    )


@post("/deconnexion", name="logout")
async def logout(request: Request[Any, Any, Any], db_session: DbSession, state: State) -> Redirect:
    """Ends the session in the database (not only the cookie), so a copied cookie is worthless."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await service.close_session(db_session, token)
    return Redirect(path="/", status_code=303, cookies=[session_cookie(state.settings, "", 0)])


@post("/langue", name="language")
async def choose_language(data: URLEncodedBody[LanguageForm], state: State) -> Redirect:
    if data.lang not in LANGUAGES:
        raise ValidationFailed(f"Unknown language {data.lang[:10]!r}; one of: {', '.join(LANGUAGES)}.")
    settings: Settings = state.settings
    cookie = Cookie(
        key=LANG_COOKIE,
        value=data.lang,
        max_age=LANG_COOKIE_MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    return Redirect(path=safe_next(data.next), status_code=303, cookies=[cookie])


HANDLERS = [login_form, login_submit, logout, choose_language]
