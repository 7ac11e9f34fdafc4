"""Closing a month (`/c/{slug}/gestion/cloture`): choose the month (the next one to close by
default), ask what the close would post, confirm, then read the result.

A visit shows the cycle's state and the month field only. The preview runs when it is asked for
(the "See what the close would do" button, `?mois=YYYY-MM`): it is the close itself run in a savepoint
that is rolled back (`caisse.cycle.preview.preview_close`), so its totals are those the
confirmation will store. A close is heavy (every household billed, then rolled back), and on SQLite
its lock is the database's write lock, held until the transaction ends: the handler ends the
request's transaction as soon as the totals are computed (the page writes nothing), so tills and
other caisses do not wait while the page is rendered and sent. The
confirmation (POST, CSRF) calls `close_month`, which is idempotent: a second confirmation of the
same month posts nothing and the result page says the month was already closed. Months close in
order and not before they begin; a month the close refuses is said next to the month field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.caisses.models import Caisse
from caisse.cycle.close import close_month
from caisse.cycle.preview import preview_close
from caisse.cycle.schemas import CloseResult, CycleStatus
from caisse.cycle.status import cycle_status
from caisse.errors import Conflict, NotFound, PeriodOutOfOrder, ValidationFailed
from caisse.periods import caisse_today, month_of
from web.formatting import Formatter
from web.pages.staff.forms import GUARD, PathText, staff_url
from web.render import formatter, page, translator

_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
Month = Annotated[str | None, QueryParameter(name="mois", max_length=20)]


class CloseForm(msgspec.Struct):
    mois: str = ""


def _refusal(exc: Exception, month: str, cycle: CycleStatus, _: Callable[[str], str], fmt: Formatter) -> str:
    """Why `month` cannot be closed, in the reader's words."""
    if isinstance(exc, PeriodOutOfOrder):
        return _("Months close in order: close %(next)s first.") % {"next": fmt.month(cycle.next_month)}
    if month < cycle.first_month:
        return _("The caisse starts in %(first)s.") % {"first": fmt.month(cycle.first_month)}
    if month > month_of(caisse_today()):
        return _("%(month)s has not begun: a month can be closed from its first day.") % {
            "month": fmt.month(month)
        }
    if isinstance(exc, Conflict):
        return _("This month is being closed by someone else right now: wait a moment and reload the page.")
    # The rules in force for the month cannot bill it (the service's details are English, for the log).
    return _("The contribution rules in force for this month cannot bill it: check the caisse's rules.")


def _page(
    request: Request[Any, Any, Any],
    caisse: Caisse,
    cycle: CycleStatus,
    month: str,
    *,
    status: int = 200,
    preview: CloseResult | None = None,
    error: str | None = None,
) -> Template:
    return page(
        request, "staff/people/close.html", status=status, caisse=caisse, caisse_nav=caisse, section="close",
        cycle=cycle, month=month, preview=preview, errors={"mois": error} if error else {},
        recent=list(reversed(cycle.periods[-6:])),
    )  # fmt: skip


def _not_a_month(request: Request[Any, Any, Any], caisse: Caisse, cycle: CycleStatus, typed: str) -> Template:
    """The month field refused (422), what was typed shown again, cut short."""
    _ = translator(request)
    message = _("Write the month as YYYY-MM, such as 2027-01.")
    return _page(request, caisse, cycle, typed[:20], status=422, error=message)


@get("/c/{slug:str}/gestion/cloture", name="staff-close", guards=GUARD)
async def close_form(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    mois: Month = None,
) -> Template:
    """The cycle's state and the month field (the next to close); with `?mois=YYYY-MM`, that
    month's preview, its transaction ended before the page is rendered."""
    _, fmt = translator(request), formatter(request)
    cycle = await cycle_status(db_session, caisse)
    if mois is None:
        return _page(request, caisse, cycle, cycle.next_month)
    month = mois.strip() or cycle.next_month
    if not _MONTH.fullmatch(month):
        return _not_a_month(request, caisse, cycle, month)
    try:
        preview = await preview_close(db_session, caisse, month)
    except (ValidationFailed, Conflict) as exc:
        await _end_transaction(db_session, caisse)
        return _page(request, caisse, cycle, month, status=422, error=_refusal(exc, month, cycle, _, fmt))
    await _end_transaction(db_session, caisse)
    return _page(request, caisse, cycle, month, preview=preview)


async def _end_transaction(db: Any, caisse: Caisse) -> None:
    """Drop what the preview held (SQLite's write lock lasts until the transaction ends) before the
    page is rendered; the caisse is read again, outside any lock, for the page's header."""
    await db.rollback()
    await db.refresh(caisse)


@post("/c/{slug:str}/gestion/cloture", name="staff-close-confirm", guards=GUARD)
async def confirm_close(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    data: URLEncodedBody[CloseForm],
) -> Response[Any]:
    _, fmt = translator(request), formatter(request)
    month = data.mois.strip()
    if not _MONTH.fullmatch(month):
        return _not_a_month(request, caisse, await cycle_status(db_session, caisse), month)
    try:
        result = await close_month(db_session, caisse, month, actor=actor)
    except (ValidationFailed, Conflict) as exc:
        cycle = await cycle_status(db_session, caisse)
        status = 422 if isinstance(exc, ValidationFailed) else 409
        return _page(request, caisse, cycle, month, status=status, error=_refusal(exc, month, cycle, _, fmt))
    flag = "?deja=1" if result.already_closed else ""
    return Redirect(path=staff_url(caisse, f"/cloture/{month}{flag}"), status_code=303)


@get("/c/{slug:str}/gestion/cloture/{month:str}", name="staff-close-result", guards=GUARD)
async def close_result(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    month: PathText,
    deja: Annotated[str | None, QueryParameter(max_length=10)] = None,
) -> Template:
    """A closed month's stored totals; 404 for a month not closed."""
    cycle = await cycle_status(db_session, caisse)
    closed = next((p for p in cycle.periods if p.month == month), None)
    if closed is None:
        raise NotFound("This month is not closed.")
    return page(
        request, "staff/people/close_done.html", caisse=caisse, caisse_nav=caisse, section="close",
        closed=closed, again=deja is not None, cycle=cycle,
    )  # fmt: skip
