"""The household changes its own PIN (the backend lets a household set its own, as staff do:
`caisse.spending.set_pin`, which also unlocks a locked PIN). The new PIN is typed twice; the
current one is not asked, since the household is logged in to its own account."""

from __future__ import annotations

import re
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.caisses.models import Caisse
from caisse.errors import Conflict
from caisse.members.access import own_household
from caisse.members.models import Member
from caisse.spending import pin_state, set_pin
from caisse.spending.pins import is_trivial
from web.pages.member.account import GUARD
from web.render import page, translator

_PIN = re.compile(r"[0-9]{4,6}")
Done = Annotated[str | None, QueryParameter(name="change", max_length=10)]


class PinForm(msgspec.Struct):
    pin: str = ""
    confirm: str = ""


async def _page(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    caisse: Caisse,
    member: Member,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
    changed: bool = False,
) -> Template:
    return page(
        request, "member/pin.html", status=status, caisse=caisse, caisse_nav=caisse, section="pin",
        member=member, state=await pin_state(db, member), errors=errors or {}, form_error=form_error,
        changed=changed,
    )  # fmt: skip


@get("/c/{slug:str}/mon-compte/code-secret", name="member-pin", guards=GUARD)
async def pin_form(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    done: Done = None,
) -> Template:
    member = await own_household(db_session, caisse, actor)
    return await _page(request, db_session, caisse, member, changed=done is not None)


@post("/c/{slug:str}/mon-compte/code-secret", name="member-pin-submit", guards=GUARD)
async def change_pin(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    data: URLEncodedBody[PinForm],
) -> Response[Any]:
    member = await own_household(db_session, caisse, actor)
    _ = translator(request)
    errors: dict[str, str] = {}
    if not _PIN.fullmatch(data.pin):
        errors["pin"] = _("A PIN is 4 to 6 digits (0 to 9).")
    elif is_trivial(data.pin):
        errors["pin"] = _(
            "This PIN is too easy to guess (one digit repeated, or digits in a row). Choose another."
        )
    elif data.confirm != data.pin:
        errors["confirm"] = _("The two PINs differ. Type the same PIN twice.")
    if errors:
        return await _page(request, db_session, caisse, member, status=422, errors=errors)
    try:
        await set_pin(db_session, caisse, member, data.pin, actor=actor)
    except Conflict:
        message = _("Your PIN could not be changed now. Try again, or ask the caisse's staff.")
        return await _page(request, db_session, caisse, member, status=409, form_error=message)
    return Redirect(path=f"/c/{caisse.slug}/mon-compte/code-secret?change=1", status_code=303)
