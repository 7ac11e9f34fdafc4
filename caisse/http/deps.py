"""Dependencies shared by route handlers: the caller, the caisse named in the path."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.actor import Actor
from caisse.auth.guards import current_actor
from caisse.caisses.models import Caisse
from caisse.errors import NotFound


async def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    return current_actor(request)


async def provide_caisse(slug: FromPath[str], db_session: NamedDependency[AsyncSession]) -> Caisse:
    found = await db_session.scalar(select(Caisse).where(Caisse.slug == slug))
    if found is None:
        raise NotFound(f"No caisse '{slug}'.")
    return found


DEPENDENCIES = {
    "actor": Provide(provide_actor),
    "caisse": Provide(provide_caisse),
}
