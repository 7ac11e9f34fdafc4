"""The staff's dashboard, `/c/{slug}/gestion`: where the month stands, households by status, this
month's contributions and allocations, the reserve and the credit outstanding, what waits for
someone (redemptions to approve, conventions ending within 60 days), each linking to its page, and
the forecast from the caisse's books (`web.pages.officials.outlook`).

Every figure comes from a service: the cycle's status, the month report, the redemptions list and
the conventions due for renewal; the page adds only the households counted by status.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.cycle.status import cycle_status
from caisse.outlets.conventioning import conventions_due_for_renewal
from caisse.periods import caisse_today, month_of
from caisse.redemptions.models import RedemptionStatus
from caisse.redemptions.requests import list_redemptions
from caisse.reports.month import month_report
from web.pages.officials.outlook import card_context, live_outlook
from web.pages.staff.forms import GUARD, STATUS_LABELS
from web.pages.staff.people.queries import households_by_status
from web.render import page

EXPIRY_WINDOW_DAYS = 60
LISTED = 5


@get("/c/{slug:str}/gestion", name="staff-dashboard", guards=GUARD)
async def dashboard(
    request: Request[Any, Any, Any], caisse: PathCaisse, actor: Caller, db_session: DbSession
) -> Template:
    today = caisse_today()
    month = month_of(today)
    cycle = await cycle_status(db_session, caisse)
    # Before the caisse's first month there is nothing to report yet.
    report = await month_report(db_session, caisse, month) if month >= caisse.first_month else None
    waiting, waiting_total = await list_redemptions(
        db_session, caisse.id, status=RedemptionStatus.REQUESTED, limit=LISTED
    )
    ending = await conventions_due_for_renewal(db_session, caisse, today, within_days=EXPIRY_WINDOW_DAYS)
    counts = await households_by_status(db_session, caisse.id)
    return page(
        request, "staff/people/dashboard.html", caisse=caisse, caisse_nav=caisse, section="dashboard",
        today=today, month=month, cycle=cycle, month_closed=month <= (cycle.last_closed or ""),
        report=report, waiting=waiting, waiting_total=waiting_total, ending=ending,
        counts=[(status, STATUS_LABELS[status], count) for status, count in counts.items()],
        households=sum(counts.values()), window=EXPIRY_WINDOW_DAYS,
        **card_context(request, await live_outlook(request.app.state, db_session, caisse)),
    )  # fmt: skip
