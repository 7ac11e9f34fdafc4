"""A member household's own account: its food credit now and when unspent credit lapses, what it
owes, and the movements of its wallet a page at a time.

Every page is the caller's own household (the `member` grant names it): no page takes a member
code, so no other household can be reached from here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from caisse.auth.guards import requires
from caisse.auth.models import Role
from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.ledger.models import EntryKind
from caisse.members.access import own_household
from caisse.reports.household import WalletMovement, amount_owed, wallet_movements, wallet_position
from web.formatting import Formatter
from web.pages.till.common import MAX_PAGE, Pager
from web.render import formatter, page, translator

GUARD = [requires(Role.MEMBER)]
PAGE_SIZE = 25
RECENT = 5
PageNumber = Annotated[int, QueryParameter(name="page", ge=1, le=MAX_PAGE)]


def movement_text(m: WalletMovement, _: Callable[[str], str], fmt: Formatter) -> str:
    """What a wallet movement was, for the household."""
    month = {"month": fmt.month(m.period) if m.period else fmt.date(m.occurred_on)}
    outlet = {"outlet": m.outlet_name or _("an outlet")}
    if m.kind is EntryKind.ALLOCATION:
        return _("Food credit for %(month)s") % month
    if m.kind is EntryKind.PAYMENT:
        return _("Payment at %(outlet)s") % outlet
    if m.kind is EntryKind.EXPIRY:
        return _("Unspent credit expired (%(month)s)") % month
    if m.kind is EntryKind.REVERSAL and m.reverses is EntryKind.PAYMENT:
        return _("Refund from %(outlet)s") % outlet
    return _("Correction by the caisse")


@get("/c/{slug:str}/mon-compte", name="member-account", guards=GUARD)
async def account(
    request: Request[Any, Any, Any], caisse: PathCaisse, actor: Caller, db_session: DbSession
) -> Template:
    member = await own_household(db_session, caisse, actor)
    _, fmt = translator(request), formatter(request)
    position = await wallet_position(db_session, caisse, member, actor=actor)
    recent, total = await wallet_movements(db_session, caisse, member, actor=actor, limit=RECENT)
    return page(
        request, "member/account.html", caisse=caisse, caisse_nav=caisse, section="account", member=member,
        position=position, owed=await amount_owed(db_session, caisse, member),
        recent=[(m, movement_text(m, _, fmt)) for m in recent], more=total > len(recent),
    )  # fmt: skip


@get("/c/{slug:str}/mon-compte/historique", name="member-history", guards=GUARD)
async def history(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    number: PageNumber = 1,
) -> Template:
    member = await own_household(db_session, caisse, actor)
    _, fmt = translator(request), formatter(request)
    rows, total = await wallet_movements(
        db_session, caisse, member, actor=actor, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    return page(
        request, "member/history.html", caisse=caisse, caisse_nav=caisse, section="history", member=member,
        movements=[(m, movement_text(m, _, fmt)) for m in rows], pager=Pager(number, PAGE_SIZE, total),
    )  # fmt: skip
