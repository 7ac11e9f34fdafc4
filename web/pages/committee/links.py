"""A committee member's declared links to outlets (conflicts of interest): those standing, those
withdrawn, a form to declare one from today, and withdrawing one from today.

A link recuses its holder from every ballot on that outlet while it stands, and from a ballot
under way if it stood at any time since the ballot opened (see caisse.ballots.voting). The page
lists the caller's own links; staff see and manage everyone's through the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.caisses.models import Caisse
from caisse.committee.links import declare_link, list_links, withdraw_link
from caisse.committee.models import LinkNature
from caisse.errors import Conflict, ValidationFailed
from caisse.http.params import RowId
from caisse.outlets.service import OutletFilter, list_outlets
from caisse.periods import caisse_today
from caisse.text import has_control_characters
from web.i18n import N_
from web.pages.committee.common import GUARD, committee_url
from web.render import page, translator

OUTLET_CHOICES = 500
DESCRIPTION_MAX = 1000
NATURES = {
    LinkNature.OWNER: N_("I own or run it"),
    LinkNature.EMPLOYEE: N_("I work there"),
    LinkNature.FAMILY: N_("A relative owns, runs or works there"),
    LinkNature.SUPPLIER: N_("I sell to it or buy from it professionally"),
    LinkNature.MEMBER: N_("I am a member of its association or cooperative"),
    LinkNature.OTHER: N_("Another link"),
}


class LinkForm(msgspec.Struct):
    outlet_id: str = ""
    nature: str = ""
    description: str = ""


async def _page(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    caisse: Caisse,
    user_id: int,
    *,
    status: int = 200,
    values: LinkForm | None = None,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
) -> Template:
    _ = translator(request)
    outlets, _total = await list_outlets(db, caisse.id, OutletFilter(), limit=OUTLET_CHOICES)
    mine = await list_links(db, caisse.id, user_id=user_id)
    return page(
        request, "committee/links.html", status=status, caisse=caisse, caisse_nav=caisse, section="links",
        standing=[row for row in mine if row.link.withdrawn_on is None],
        withdrawn=[row for row in mine if row.link.withdrawn_on is not None],
        outlet_options=[(str(o.id), o.name) for o in outlets],
        nature_options=[(n.value, _(text)) for n, text in NATURES.items()], natures=NATURES,
        values=values or LinkForm(), errors=errors or {}, form_error=form_error,
    )  # fmt: skip


@get("/c/{slug:str}/comite/liens", name="committee-links", guards=GUARD)
async def links(
    request: Request[Any, Any, Any], caisse: PathCaisse, actor: Caller, db_session: DbSession
) -> Template:
    return await _page(request, db_session, caisse, actor.user_id)


def _check(data: LinkForm, outlet_ids: set[str], _: Callable[[str], str]) -> dict[str, str]:
    errors = {}
    if data.outlet_id.strip() not in outlet_ids:
        errors["outlet_id"] = _("Choose the outlet you have a link to.")
    if data.nature not in {n.value for n in LinkNature}:
        errors["nature"] = _("Choose what the link is.")
    description = data.description.strip()
    if len(description) > DESCRIPTION_MAX or has_control_characters(
        description.replace("\n", "").replace("\r", "")
    ):
        errors["description"] = _("The details have at most 1000 characters.")
    return errors


@post("/c/{slug:str}/comite/liens", name="committee-declare-link", guards=GUARD)
async def declare(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    data: URLEncodedBody[LinkForm],
) -> Response[Any]:
    """Declare a link from today."""
    _ = translator(request)
    outlets, _total = await list_outlets(db_session, caisse.id, OutletFilter(), limit=OUTLET_CHOICES)
    errors = _check(data, {str(o.id) for o in outlets}, _)
    if errors:
        return await _page(request, db_session, caisse, actor.user_id, status=422, values=data, errors=errors)
    today = caisse_today()
    try:
        await declare_link(
            db_session, caisse, user_id=actor.user_id, outlet_id=int(data.outlet_id), nature=data.nature,
            description=data.description.strip(), declared_on=today, today=today, by_user_id=actor.user_id,
        )  # fmt: skip
    except Conflict:
        message = _("You have already declared a link to this outlet: it stands until you withdraw it.")
        return await _page(
            request, db_session, caisse, actor.user_id, status=409, values=data, form_error=message
        )
    except ValidationFailed:
        # What the form cannot check: the caller holds no seat nor committee role of their own
        # (a staff member or an administrator looking at the page).
        message = _("Only the committee's members declare links; staff record them for others.")
        return await _page(
            request, db_session, caisse, actor.user_id, status=422, values=data, form_error=message
        )
    return Redirect(path=committee_url(caisse, "/liens"), status_code=303)


@post("/c/{slug:str}/comite/liens/{link_id:int}/retrait", name="committee-withdraw-link", guards=GUARD)
async def withdraw(
    request: Request[Any, Any, Any], caisse: PathCaisse, actor: Caller, db_session: DbSession, link_id: RowId
) -> Response[Any]:
    """Withdraw one of the caller's own links from today."""
    _ = translator(request)
    today = caisse_today()
    try:
        await withdraw_link(
            db_session, caisse, link_id, withdrawn_on=today, today=today, own_user_id=actor.user_id
        )
    except Conflict:
        message = _("This link is already withdrawn.")
        return await _page(request, db_session, caisse, actor.user_id, status=409, form_error=message)
    return Redirect(path=committee_url(caisse, "/liens"), status_code=303)
