"""Logging in and out with a session cookie, and who the caller is."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie, State
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody

from caisse.auth import service
from caisse.auth.guards import authenticated
from caisse.auth.identify import SESSION_COOKIE, load_actor
from caisse.auth.routes.markers import Caller, DbSession
from caisse.auth.schemas import LoginRequest, Me
from caisse.settings import Settings


def session_cookie(settings: Settings, value: str, max_age: int) -> Cookie:
    # HttpOnly: scripts cannot read it; SameSite=Lax: other sites cannot post with it.
    return Cookie(
        key=SESSION_COOKIE,
        value=value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


class SessionController(Controller):
    tags = ("identity",)

    @post("/auth/login", status_code=200, summary="Log in: sets the session cookie")
    async def login(self, data: JSONBody[LoginRequest], db_session: DbSession, state: State) -> Response[Me]:
        """Wrong e-mail and wrong password get the same 401; after 5 failures for one e-mail in
        15 minutes every attempt gets 429 for a while."""
        settings: Settings = state.settings
        user, token = await service.log_in(
            db_session,
            email=data.email,
            password=data.password,
            max_age_seconds=settings.session_max_age_seconds,
        )
        me = Me.of(await load_actor(db_session, user))
        return Response(me, cookies=[session_cookie(settings, token, settings.session_max_age_seconds)])

    @post(
        "/auth/logout",
        status_code=204,
        summary="Log out: ends the session and clears the cookie",
        # Litestar documents a `Response[None]` as a JSON `null`; a 204 has no body at all.
        responses={204: ResponseSpec(data_container=None, description="Logged out; the cookie is cleared.")},
    )
    async def logout(
        self, request: Request[Any, Any, Any], db_session: DbSession, state: State
    ) -> Response[None]:
        """Always succeeds, so a stale cookie can always be cleared."""
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await service.close_session(db_session, token)
        return Response(None, status_code=204, cookies=[session_cookie(state.settings, "", 0)])

    @get("/me", guards=[authenticated], summary="The caller and their roles in each caisse")
    async def me(self, actor: Caller) -> Me:
        return Me.of(actor)
