"""The monthly transparency page: where each euro came from and where it went, what the caisse
holds and what it owes in food credit, as charts with their data tables and one summary table.

Figures are the month report of `caisse.reports.month` (the same as the API and the CLI), plus
the month-end balances of the months before it for the trend chart, read in one query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeAlias

from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from caisse.auth.routes.markers import DbSession, PathCaisse
from caisse.errors import ValidationFailed
from caisse.reports.month import month_report, report_months
from caisse.reports.schemas import MonthReport
from web import charts
from web.formatting import Formatter
from web.queries import MonthEnd, month_end_series
from web.render import formatter, page, translator

MonthChoice: TypeAlias = Annotated[str | None, QueryParameter(name="mois", max_length=20)]
TREND_MONTHS = 12


def _default_month(months: list[tuple[str, bool]], first_month: str) -> str:
    """The last closed month; else the last month with something booked; else the first month."""
    closed = [m for m, is_closed in months if is_closed]
    return closed[-1] if closed else months[-1][0] if months else first_month


Gettext: TypeAlias = Callable[[str], str]


def _bars(items: list[tuple[str, int]], fmt: Formatter) -> list[charts.Bar]:
    return [charts.Bar(label, cents, fmt.money(cents)) for label, cents in items]


def _charts(report: MonthReport, trend: list[MonthEnd], _: Gettext, fmt: Formatter) -> dict[str, Any]:
    """The four charts of the page (SVG) and the bars they draw, which the tables list too."""
    month = fmt.month(report.month)
    received = [(_("Contributions paid"), report.money_in.contributions_paid_cents)]
    received += [(s.source, s.cents) for s in report.money_in.subsidies_by_source]
    if report.money_in.opening_reserve_cents:
        received.append((_("Opening reserve"), report.money_in.opening_reserve_cents))
    money_in = _bars(received, fmt)
    money_out = _bars(
        [
            (_("Redemptions to outlets"), report.money_out.redemptions_cents),
            (_("Operating costs"), report.money_out.costs_cents),
        ],
        fmt,
    )
    coverage = _bars(
        [
            (_("Contributions due"), report.contributions_due_cents),
            (_("Food credit allocated"), report.allocations_cents),
        ],
        fmt,
    )
    in_month = {"month": month}
    trend_desc = _(
        "At the end of %(month)s the reserve was %(reserve)s and the outstanding credit %(credit)s."
    )
    return {
        "money_in": money_in,
        "money_out": money_out,
        "coverage": coverage,
        "money_in_svg": charts.bar_chart(
            "chart-in",
            _("Money in, %(month)s") % in_month,
            _("Received in the month: %(total)s in all.") % {"total": fmt.money(report.money_in.total_cents)},
            money_in,
        ),
        "money_out_svg": charts.bar_chart(
            "chart-out",
            _("Money out, %(month)s") % in_month,
            _("Paid out in the month: %(total)s in all.")
            % {"total": fmt.money(report.money_out.total_cents)},
            money_out,
        ),
        "coverage_svg": charts.bar_chart(
            "chart-coverage",
            _("Contributions and food credit, %(month)s") % in_month,
            _("Self-financing ratio: %(ratio)s.") % {"ratio": fmt.percent(report.self_financing_ratio)},
            coverage,
        ),
        "trend_svg": charts.line_chart(
            "chart-trend",
            _("Reserve and outstanding credit, month by month"),
            trend_desc
            % {
                "month": month,
                "reserve": fmt.money(report.reserve_cents),
                "credit": fmt.money(report.outstanding_credit_cents),
            },
            [fmt.short_month(p.month) for p in trend],
            [
                charts.Series(_("Reserve"), [p.reserve_cents for p in trend]),
                charts.Series(_("Outstanding credit"), [p.outstanding_credit_cents for p in trend]),
            ],
            fmt.money_short,
        ),
    }


@get("/c/{slug:str}/transparence", name="transparency")
async def transparency(
    request: Request[Any, Any, Any], caisse: PathCaisse, db_session: DbSession, month: MonthChoice = None
) -> Template:
    _, fmt = translator(request), formatter(request)
    months = [(m.month, m.closed) for m in await report_months(db_session, caisse)]
    chosen = (month or "").strip() or _default_month(months, caisse.first_month)
    not_closed = _("not closed")
    options = [(m, fmt.month(m) + ("" if closed else f" ({not_closed})")) for m, closed in reversed(months)]
    context: dict[str, Any] = {
        "caisse": caisse,
        "caisse_nav": caisse,
        "chosen": chosen,
        "month_options": options,
    }
    try:
        report = await month_report(db_session, caisse, chosen)
    except ValidationFailed:
        error = _("Choose a month from the list, written YYYY-MM, not before %(first)s.") % {
            "first": fmt.month(caisse.first_month)
        }
        return page(request, "public/transparency.html", status=422, error=error, report=None, **context)
    if chosen not in {m for m, _closed in months}:  # a valid month with nothing booked yet
        options.insert(0, (chosen, fmt.month(chosen)))
    trend_months = [*[m for m, _closed in months if m < chosen][-(TREND_MONTHS - 1) :], chosen]
    trend = await month_end_series(db_session, caisse.id, trend_months)
    return page(
        request,
        "public/transparency.html",
        error=None,
        report=report,
        trend=trend,
        booked=chosen in {m for m, _closed in months},
        **context,
        **_charts(report, trend, _, fmt),
    )


HANDLERS = [transparency]
