"""Reports: a month's report (money in by source, money out, balances at the month's end, what the
close booked and the self-financing ratio) as tables, and as CSV and XLSX files; the households list
as CSV and XLSX.

The page, the CSV and the XLSX are written from the same tables (`month_tables`), so the files hold
exactly the figures the page shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import PathParameter
from litestar.response import Template

from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.caisses.models import Caisse
from caisse.errors import ValidationFailed
from caisse.members.service import list_members
from caisse.periods import caisse_today, month_of
from caisse.reports.month import month_report, report_months
from caisse.reports.schemas import MonthReport
from web.formatting import Formatter
from web.labels import label
from web.pages.staff.forms import FUNDER_KINDS, GUARD, NO_STORE, STATUS_LABELS
from web.pages.staff.money.common import CSV, XLSX, MonthParam, download, valid_month
from web.pages.staff.money.sheets import Euros, Ratio, Table, csv_off_loop, tables_csv, xlsx_off_loop
from web.render import formatter, page, translator

MonthPath = Annotated[str, PathParameter(max_length=7)]
FileName = Annotated[str, PathParameter(max_length=20)]
FORMATS = {"csv": CSV, "xlsx": XLSX}


def month_tables(report: MonthReport, _: Callable[[str], str], fmt: Formatter) -> list[Table]:
    """The report as tables: money in, money out, balances at the month's end, the month's close."""
    money_in = Table(_("Money in"), [_("Item"), _("Amount (€)")])
    money_in.rows.append([_("Contributions paid"), Euros(report.money_in.contributions_paid_cents)])
    for source in report.money_in.subsidies_by_source:
        kind = _(label(FUNDER_KINDS, source.kind))
        money_in.rows.append([_("Subsidy: %(source)s (%(kind)s)") % {"source": source.source, "kind": kind},
                              Euros(source.cents)])  # fmt: skip
    if report.money_in.opening_reserve_cents:
        money_in.rows.append([_("Opening reserve"), Euros(report.money_in.opening_reserve_cents)])
    money_in.rows.append([_("Total money in"), Euros(report.money_in.total_cents)])
    money_out = Table(_("Money out"), [_("Item"), _("Amount (€)")])
    money_out.rows += [
        [_("Redemptions paid to outlets"), Euros(report.money_out.redemptions_cents)],
        [_("Operating costs"), Euros(report.money_out.costs_cents)],
        [_("Total money out"), Euros(report.money_out.total_cents)],
    ]
    balances = Table(_("Balances at the month's end"), [_("Item"), _("Amount (€)")])
    balances.rows += [
        [_("Net flow of the month (in − out)"), Euros(report.net_flow_cents)],
        [_("Reserve (cash in the fund)"), Euros(report.reserve_cents)],
        [_("Outstanding food credit (wallets and outlets)"), Euros(report.outstanding_credit_cents)],
        [_("Contributions owed by households"), Euros(report.arrears_cents)],
        [_("Contributions paid in advance"), Euros(report.prepaid_cents)],
    ]
    close = Table(_("The month's close"), [_("Item"), _("Amount (€)")])
    close.rows += [
        [_("Contributions due for the month"), Euros(report.contributions_due_cents)],
        [_("Allocations credited"), Euros(report.allocations_cents)],
        [_("Credit expired"), Euros(report.expired_cents)],
    ]
    if report.withheld_cents is not None:
        close.rows.append([_("Allocations withheld until paid"), Euros(report.withheld_cents)])
    close.rows.append(
        [_("Self-financing (contributions due ÷ allocations)"), Ratio(report.self_financing_ratio)]
    )
    return [money_in, money_out, balances, close]


def _chosen_month(caisse: Caisse, mois: str | None, months: list[str], _: Callable[[str], str]) -> str:
    if mois is not None:
        month = valid_month(mois)
        if month is None:
            raise ValidationFailed(_("Choose a month such as 2027-03."))
        return month
    return months[-1] if months else max(month_of(caisse_today()), caisse.first_month)


@get("/c/{slug:str}/gestion/rapports", name="staff-reports", guards=GUARD)
async def reports(
    request: Request[Any, Any, Any], caisse: PathCaisse, db_session: DbSession, mois: MonthParam = None
) -> Template:
    """The report of a month (`?mois=YYYY-MM`; the latest with something booked by default)."""
    _, fmt = translator(request), formatter(request)
    available = await report_months(db_session, caisse)
    month = _chosen_month(caisse, mois, [m.month for m in available], _)
    report = await month_report(db_session, caisse, month)
    options = [
        (m.month, fmt.month(m.month) + ("" if m.closed else " " + _("(open)"))) for m in reversed(available)
    ]
    if month not in {m.month for m in available}:
        options.insert(0, (month, fmt.month(month)))
    return page(
        request, "staff/money/reports.html", caisse=caisse, caisse_nav=caisse, section="reports", month=month,
        report=report, tables=month_tables(report, _, fmt), month_options=options,
    )  # fmt: skip


def _kind(name: FileName) -> str | None:
    """ "csv" or "xlsx" from a file name such as rapport.xlsx (None for anything else)."""
    stem, dot, kind = name.rpartition(".")
    return kind if dot and stem in ("rapport", "foyers") and kind in FORMATS else None


@get("/c/{slug:str}/gestion/rapports/{month:str}/{name:str}", name="staff-report-file", guards=GUARD)
async def report_file(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    db_session: DbSession,
    month: MonthPath,
    name: FileName,
) -> Response[Any]:
    """The month's report as `rapport.csv` or `rapport.xlsx`."""
    _, fmt = translator(request), formatter(request)
    kind = _kind(name)
    if kind is None or not name.startswith("rapport.") or valid_month(month) is None:
        raise ValidationFailed(_("Choose a month such as 2027-03, and a CSV or XLSX file."))
    tables = month_tables(await month_report(db_session, caisse, month), _, fmt)
    content = tables_csv(tables) if kind == "csv" else await xlsx_off_loop(tables)
    return download(content, FORMATS[kind], f"rapport-{caisse.slug}-{month}.{kind}")


@get(
    "/c/{slug:str}/gestion/rapports/foyers/{name:str}",
    name="staff-households-file",
    guards=GUARD,
    cache_control=NO_STORE,
)
async def households_file(
    request: Request[Any, Any, Any], caisse: PathCaisse, actor: Caller, db_session: DbSession, name: FileName
) -> Response[Any]:
    """Every household of the caisse as `foyers.csv` or `foyers.xlsx` (personal data: the export is
    audit-logged)."""
    _ = translator(request)
    kind = _kind(name)
    if kind is None or not name.startswith("foyers."):
        raise ValidationFailed(_("Choose a CSV or XLSX file."))
    members, _total = await list_members(db_session, caisse, actor, limit=None, note="export")
    table = Table(
        _("Households"),
        [
            _("Code"), _("Reference person"), _("Status"), _("E-mail"), _("Phone"), _("Adults"),
            _("Others aged 14 or more"), _("Children under 14"), _("Monthly income (€)"),
            _("Income declared on"), _("Contribution chosen (€)"), _("Applied on"), _("Active since"),
            _("Suspended on"), _("Left on"),
        ],
    )  # fmt: skip
    for m in sorted(members, key=lambda m: m.code):
        table.rows.append(
            [
                m.code, m.reference_person, _(STATUS_LABELS[m.status]), m.email, m.phone,
                m.adults, m.others_14_plus, m.children_under_14, Euros(m.monthly_income_cents),
                m.income_declared_on,
                None if m.chosen_contribution_cents is None else Euros(m.chosen_contribution_cents),
                m.applied_on, m.activated_on, m.suspended_on, m.left_on,
            ]
        )  # fmt: skip
    content = await (csv_off_loop([table]) if kind == "csv" else xlsx_off_loop([table]))
    return download(content, FORMATS[kind], f"foyers-{caisse.slug}-{caisse_today().isoformat()}.{kind}")
