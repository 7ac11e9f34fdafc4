"""Authentication middleware: sets `request.user` to an Actor, or None for anonymous callers.

It never rejects a request itself: route guards decide (401 for nobody, 403 for a wrong role),
so public routes and the login page stay reachable.

The lookup runs on a connection of its own in autocommit (one statement, and at most once a
minute a token's last use): the request's own transaction only starts if its handler needs one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.middleware import ASGIMiddleware

from caisse.auth.identify import SESSION_COOKIE, actor_from_api_token, actor_from_session_token

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Receive, Scope, Send
    from sqlalchemy.ext.asyncio import AsyncEngine


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, credentials = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and credentials.strip():
                return credentials.strip()
    return None


def _session_cookie(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, cookie_value = part.strip().partition("=")
                if key == SESSION_COOKIE and cookie_value:
                    return cookie_value
    return None


class AuthenticationMiddleware(ASGIMiddleware):
    scopes = ("http", "websocket")  # type: ignore[assignment]

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        scope["user"] = None
        token, cookie = _bearer(scope), _session_cookie(scope)
        if token or cookie:
            engine: AsyncEngine = scope["litestar_app"].state.auth_engine
            async with engine.connect() as connection:
                if token:
                    scope["user"] = await actor_from_api_token(connection, token)
                elif cookie:
                    scope["user"] = await actor_from_session_token(connection, cookie)
        await next_app(scope, receive, send)
