"""`caisse report ...`: the monthly report and a household's yearly statement."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.amounts import format_euros
from caisse.caisses.service import caisse_for_command
from caisse.cli.support import domain_errors_exit, print_json, run_in_transaction
from caisse.periods import check_month
from caisse.reports.month import month_report, report_months
from caisse.reports.schemas import MemberStatement, MonthReport, ReportMonth, StatementMonth
from caisse.reports.statement import statement_for

CAISSE = click.option("--caisse", "slug", default=None, help="Caisse slug (default: the only caisse).")


@click.group()
def report() -> None:
    """Reports: a month's money in and out, a household's year."""


def _month_lines(r: MonthReport) -> list[str]:
    def row(label: str, cents: int) -> str:
        return f"  {label:<30}{format_euros(cents):>16}"

    lines = [f"{r.caisse} — {r.month} ({'closed' if r.closed else 'open'})", "Money in"]
    lines.append(row("contributions paid", r.money_in.contributions_paid_cents))
    for s in r.money_in.subsidies_by_source:
        lines.append(row(f"subsidy: {s.source} ({s.kind})", s.cents))
    if r.money_in.opening_reserve_cents:
        lines.append(row("opening reserve", r.money_in.opening_reserve_cents))
    lines += [row("total in", r.money_in.total_cents), "Money out"]
    lines += [
        row("redemptions to outlets", r.money_out.redemptions_cents),
        row("operating costs", r.money_out.costs_cents),
        row("total out", r.money_out.total_cents),
        row("net flow", r.net_flow_cents),
        "At the end of the month",
        row("reserve (fund)", r.reserve_cents),
        row("outstanding food credit", r.outstanding_credit_cents),
        row("arrears owed by households", r.arrears_cents),
        row("contributions paid in advance", r.prepaid_cents),
        "Booked for the month",
        row("contributions due", r.contributions_due_cents),
        row("allocations credited", r.allocations_cents),
        row("credit expired", r.expired_cents),
    ]
    ratio = "n/a (nothing allocated)" if r.self_financing_ratio is None else f"{r.self_financing_ratio:.2%}"
    lines.append(f"  {'self-financing ratio':<30}{ratio:>16}")
    return lines


@report.command("month")
@click.argument("month")
@CAISSE
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (amounts in cents).")
@domain_errors_exit
def month(month: str, slug: str | None, as_json: bool) -> None:
    """The report of MONTH (YYYY-MM): money in by source, money out, reserve, outstanding credit."""
    check_month(month)

    async def work(session: AsyncSession) -> MonthReport:
        return await month_report(session, await caisse_for_command(session, slug), month)

    result = run_in_transaction(work)
    if as_json:
        print_json(result)
    else:
        click.echo("\n".join(_month_lines(result)))


@report.command("months")
@CAISSE
@click.option("--json", "as_json", is_flag=True, help="Print the months as JSON.")
@domain_errors_exit
def months(slug: str | None, as_json: bool) -> None:
    """The months with something booked, oldest first."""

    async def work(session: AsyncSession) -> list[ReportMonth]:
        return await report_months(session, await caisse_for_command(session, slug))

    found = run_in_transaction(work)
    if as_json:
        print_json(found)
        return
    for m in found:
        click.echo(f"{m.month}  {'closed' if m.closed else 'open'}")


@report.command("statement")
@click.option("--member", required=True, help="Member code, e.g. LY-000042.")
@click.option("--year", type=click.IntRange(1900, 9999), required=True)
@CAISSE
@click.option("--json", "as_json", is_flag=True, help="Print the statement as JSON (amounts in cents).")
@domain_errors_exit
def statement(member: str, year: int, slug: str | None, as_json: bool) -> None:
    """A household's yearly statement: contributions, allocations, over-contribution."""

    async def work(session: AsyncSession) -> MemberStatement:
        caisse = await caisse_for_command(session, slug)
        return await statement_for(session, caisse, member_code=member, year=year, actor=None)

    s = run_in_transaction(work)
    if as_json:
        print_json(s)
        return
    click.echo(f"{s.member_code} — {s.reference_person} — {s.year}")
    click.echo(f"  {'month':<9}{'due':>14}{'paid':>14}{'credited':>14}{'expired':>14}")
    rows: list[tuple[str, StatementMonth | MemberStatement]] = [(m.month, m) for m in s.months]
    for label, m in [*rows, ("total", s)]:
        amounts = (
            m.contributions_due_cents,
            m.contributions_paid_cents,
            m.allocations_received_cents,
            m.expired_cents,
        )
        click.echo(f"  {label:<9}" + "".join(f"{format_euros(c):>14}" for c in amounts))
    click.echo(s.over_contribution_note)
