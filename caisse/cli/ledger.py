"""`caisse ledger ...`: verify every invariant of the ledger; correct an entry by reversing it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import click
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.service import caisse_for_command, get_caisse
from caisse.cli.support import domain_errors_exit, print_json, run_in_transaction
from caisse.http.params import MAX_ID
from caisse.ledger.corrections import correct_by_reversal
from caisse.ledger.verify import LedgerReport, verify_ledger
from caisse.periods import caisse_today

DAY = click.DateTime(formats=["%Y-%m-%d"])


class RowIdRange(click.IntRange):
    """A row id, 1..2**63-1 (BIGINT), so a huge number is refused here and never reaches the
    database driver. A bad id is a one-line `Error: ...` with exit status 1, like every input the
    commands refuse (click's own usage errors would exit 2 after a usage banner)."""

    name = "row id"

    def __init__(self) -> None:
        super().__init__(min=1, max=MAX_ID)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as exc:
            raise click.ClickException(exc.format_message()) from None


def as_day(value: datetime | None) -> date | None:
    return None if value is None else value.date()


@click.group()
def ledger() -> None:
    """The double-entry ledger: verification and corrections."""


@ledger.command("verify")
@click.option("--caisse", "slug", default=None, help="Verify one caisse (default: the whole installation).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@domain_errors_exit
def verify(slug: str | None, as_json: bool) -> None:
    """Check every ledger invariant; exit 1 naming each one that is broken."""

    async def work(session: AsyncSession) -> LedgerReport:
        caisse_id = None if slug is None else (await get_caisse(session, slug)).id
        return await verify_ledger(session, caisse_id)

    report = run_in_transaction(work)
    if as_json:
        print_json(report)
    else:
        for problem in report.problems:
            click.echo(f"{problem.code}: {problem.message}")
        click.echo(report.summary())
    if not report.ok:
        raise SystemExit(1)


@ledger.command("reverse")
@click.argument("entry_id", type=RowIdRange())
@click.option("--reason", required=True, help="Why the entry is cancelled (kept in the ledger).")
@click.option(
    "--date", "day", type=DAY, default=None, help="Day the correction takes effect (default today)."
)
@click.option("--caisse", "slug", default=None, help="Caisse slug (default: the only caisse).")
@domain_errors_exit
def reverse(entry_id: int, reason: str, day: datetime | None, slug: str | None) -> None:
    """Cancel journal entry ENTRY_ID by posting its mirror image."""

    async def work(session: AsyncSession) -> int:
        caisse = await caisse_for_command(session, slug)
        posted = await correct_by_reversal(
            session,
            caisse_id=caisse.id,
            entry_id=entry_id,
            reason=reason,
            occurred_on=as_day(day) or caisse_today(),
        )
        return posted.entry.id

    click.echo(f"entry {entry_id} reversed by entry {run_in_transaction(work)}")
