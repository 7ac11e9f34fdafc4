"""Route guards: anonymous callers get 401, callers without the role 403.

Routes under `/api/v1/caisses/{slug}/...` are guarded by the caller's roles in that caisse.

Guards are coroutines although they never wait: Litestar runs a plain function guard in its thread
pool, a hand-off that cost every request more than the check itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from caisse.auth.actor import Actor
from caisse.auth.models import Role
from caisse.errors import NotAuthenticated, PermissionDenied

Guard = Callable[[ASGIConnection, BaseRouteHandler], Awaitable[None]]


def current_actor(connection: ASGIConnection) -> Actor:
    actor = connection.scope.get("user")
    if actor is None:
        raise NotAuthenticated("Log in, or send an API token as 'Authorization: Bearer <token>'.")
    return actor


async def authenticated(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    current_actor(connection)


def requires(*roles: Role) -> Guard:
    """Allow callers holding any of `roles` in the caisse named by the `slug` path parameter."""
    wanted = ", ".join(r.value for r in roles)

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        actor = current_actor(connection)
        slug = connection.path_params.get("slug")
        if slug is None:
            raise RuntimeError("requires() guards routes with a {slug} path parameter")
        if not actor.has_role(slug, *roles):
            raise PermissionDenied(f"This needs one of these roles in caisse '{slug}': {wanted}.")

    return guard


async def superuser(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if not current_actor(connection).is_superuser:
        raise PermissionDenied("Only an installation administrator (superuser) can do this.")


STAFF = (Role.ADMIN, Role.STAFF)
