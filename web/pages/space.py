"""A logged-in user's space: the caisse picker (roles in several caisses) and, in each caisse,
the roles held there with the pages each role opens.

Guards are the core's (`caisse.auth.guards`): anonymous callers are sent to the login page (the
web's 401), callers without a role in the caisse get the 403 page.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from caisse.auth.actor import Actor
from caisse.auth.guards import authenticated, requires
from caisse.auth.models import Role
from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.caisses.service import caisses_visible_to
from web.pages import committee, member, officials, staff, till
from web.pages.menu import MenuLink
from web.render import page

ALL_ROLES = tuple(Role)
ROLE_MENUS: list[MenuLink] = [*staff.MENU, *committee.MENU, *till.MENU, *member.MENU, *officials.MENU]


def roles_held(actor: Actor, slug: str) -> list[str]:
    """The role codes held in the caisse, in a stable order (a superuser holds every role)."""
    held = set(Role) if actor.is_superuser else actor.roles_in(slug)
    return [role.value for role in Role if role in held]


def role_pages(actor: Actor, slug: str) -> list[MenuLink]:
    """The pages of the roles held: a caisse admin holds staff rights too (Actor.has_role); an
    outlet's or a household's pages only when the grant names one (a superuser's does not); each
    page once."""
    shown: dict[str, MenuLink] = {}
    for link in ROLE_MENUS:
        if not actor.has_role(slug, link.role) or link.path in shown:
            continue
        if link.role is Role.OUTLET and actor.outlet_id_in(slug) is None:
            continue
        if link.role is Role.MEMBER and actor.member_id_in(slug) is None:
            continue
        shown[link.path] = link
    return list(shown.values())


@get("/espace", name="space", guards=[authenticated])
async def picker(request: Request[Any, Any, Any], actor: Caller, db_session: DbSession) -> Template:
    caisses = await caisses_visible_to(db_session, actor)
    return page(
        request,
        "auth/space.html",
        caisses=[(c, roles_held(actor, c.slug)) for c in caisses],
    )


@get("/c/{slug:str}/espace", name="caisse-space", guards=[requires(*ALL_ROLES)])
async def caisse_space(request: Request[Any, Any, Any], actor: Caller, caisse: PathCaisse) -> Template:
    roles = roles_held(actor, caisse.slug)
    return page(
        request,
        "auth/caisse_space.html",
        caisse=caisse,
        caisse_nav=caisse,
        roles=roles,
        role_pages=role_pages(actor, caisse.slug),
    )


HANDLERS = [picker, caisse_space]
