"""`caisse cycle ...`: close a month, see which months are closed."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.service import caisse_for_command
from caisse.cli.support import domain_errors_exit, print_json, run_in_transaction
from caisse.cycle.close import close_month
from caisse.cycle.schemas import CloseResult, CycleStatus, PeriodSummary
from caisse.cycle.status import cycle_status


def euros(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{part:02d} €".replace(",", " ")


def _totals(period: PeriodSummary) -> list[str]:
    rules = period.preset or "custom rules"
    return [
        f"  households billed      {period.households}",
        f"  contributions due      {euros(period.contributions_due_cents)}",
        f"  allocations credited   {euros(period.allocations_cents)}",
        f"  allocations withheld   {euros(period.withheld_cents)}",
        f"  credit expired         {euros(period.expired_cents)}",
        f"  rules                  {rules} (in force from {period.rule_set_effective_from})",
    ]


@click.group()
def cycle() -> None:
    """The monthly cycle: bill contributions, credit allocations, expire credit."""


@cycle.command("close")
@click.argument("month")
@click.option("--caisse", "slug", default=None, help="Caisse slug (default: the only caisse).")
@click.option("--json", "as_json", is_flag=True, help="Print the month's totals as JSON.")
@domain_errors_exit
def close(month: str, slug: str | None, as_json: bool) -> None:
    """Close MONTH (YYYY-MM): contributions due, expiries and allocations. Safe to repeat."""

    async def work(session: AsyncSession) -> CloseResult:
        return await close_month(session, await caisse_for_command(session, slug), month)

    result = run_in_transaction(work)
    if as_json:
        print_json(result)
        return
    state = "already closed, nothing posted" if result.already_closed else "closed"
    click.echo("\n".join([f"{result.month}: {state}", *_totals(result)]))


@cycle.command("status")
@click.option("--caisse", "slug", default=None, help="Caisse slug (default: the only caisse).")
@click.option("--json", "as_json", is_flag=True, help="Print the closed months as JSON.")
@domain_errors_exit
def status(slug: str | None, as_json: bool) -> None:
    """Closed months with their totals, and the next month to close."""

    async def work(session: AsyncSession) -> CycleStatus:
        return await cycle_status(session, await caisse_for_command(session, slug))

    found = run_in_transaction(work)
    if as_json:
        print_json(found)
        return
    lines = [f"caisse {found.caisse}: next month to close {found.next_month}"]
    if not found.periods:
        lines.append(f"no month closed yet (the caisse starts in {found.first_month})")
    for period in found.periods:
        lines += [f"{period.month}", *_totals(period)]
    click.echo("\n".join(lines))
