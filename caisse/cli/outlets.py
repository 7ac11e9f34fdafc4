"""`caisse outlets ...`: the outlets of a caisse, their conventions, renewals due and expiries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import click
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.service import caisse_for_command
from caisse.cli.ledger import DAY
from caisse.cli.support import domain_errors_exit, print_json, run_in_transaction
from caisse.outlets import conventioning, expiry, service
from caisse.outlets.models import OutletStatus
from caisse.outlets.schemas import ConventionView, OutletSummary, StatusChangeView
from caisse.periods import caisse_today

CAISSE = click.option("--caisse", "slug", default=None, help="Caisse slug (default: the only caisse).")
AS_JSON = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


def _day(value: datetime | None) -> date:
    return value.date() if value is not None else caisse_today()


@click.group()
def outlets() -> None:
    """Outlets (lieux conventionnés): list, history, renewals due, expired conventions."""


@outlets.command("list")
@click.option("--status", type=click.Choice([s.value for s in OutletStatus]), default=None)
@CAISSE
@AS_JSON
@domain_errors_exit
def list_outlets(status: str | None, slug: str | None, as_json: bool) -> None:
    """Every outlet of the caisse, by name."""

    async def work(session: AsyncSession) -> list[OutletSummary]:
        caisse = await caisse_for_command(session, slug)
        filters = service.OutletFilter(status=OutletStatus(status) if status else None)
        rows, _ = await service.list_outlets(session, caisse.id, filters, limit=500)
        return [OutletSummary.of(o) for o in rows]

    found = run_in_transaction(work)
    if as_json:
        print_json(found)
        return
    for o in found:
        click.echo(f"{o.id:>5}  {o.status:<13} {o.kind:<19} {o.name} ({o.commune or '-'})")
    click.echo(f"{len(found)} outlet(s)")


@outlets.command("show")
@click.argument("outlet_id", type=int)
@CAISSE
@AS_JSON
@domain_errors_exit
def show(outlet_id: int, slug: str | None, as_json: bool) -> None:
    """One outlet: its conventions and every status change with the decision behind it."""

    async def work(session: AsyncSession) -> dict[str, Any]:
        caisse = await caisse_for_command(session, slug)
        outlet = await service.get_outlet(session, caisse.id, outlet_id)
        return {
            "outlet": OutletSummary.of(outlet),
            "conventions": [
                ConventionView.of(c) for c in await conventioning.conventions_of(session, outlet.id)
            ],
            "history": [
                StatusChangeView.of(c)
                for c in await conventioning.outlet_history(session, caisse.id, outlet.id)
            ],
        }

    found = run_in_transaction(work)
    if as_json:
        print_json(found)
        return
    outlet: OutletSummary = found["outlet"]
    click.echo(f"{outlet.name} — {outlet.kind}, {outlet.commune or '-'}: {outlet.status}")
    for c in found["conventions"]:
        click.echo(f"  convention {c.id}: {c.starts_on} → {c.ends_on} ({c.status})")
    for h in found["history"]:
        ref = f" [{h.decision_ref}]" if h.decision_ref else ""
        click.echo(
            f"  {h.effective_on} {h.decision:<8} {h.from_status or '-'} → {h.to_status}{ref} {h.reason}"
        )


@outlets.command("renewals")
@click.option(
    "--within", "within_days", type=click.IntRange(1, 366), default=conventioning.RENEWAL_WINDOW_DAYS
)
@click.option("--date", "day", type=DAY, default=None, help="Reference day (default today).")
@CAISSE
@AS_JSON
@domain_errors_exit
def renewals(within_days: int, day: datetime | None, slug: str | None, as_json: bool) -> None:
    """Conventions ending within the next N days (default 60): put them to a renewal ballot."""

    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        caisse = await caisse_for_command(session, slug)
        due = await conventioning.conventions_due_for_renewal(
            session, caisse, _day(day), within_days=within_days
        )
        return [{"outlet_id": o.id, "outlet": o.name, "ends_on": c.ends_on} for c, o in due]

    due = run_in_transaction(work)
    if as_json:
        print_json(due)
        return
    for row in due:
        click.echo(f"{row['ends_on']}  {row['outlet']} (outlet {row['outlet_id']})")
    click.echo(f"{len(due)} convention(s) to renew within {within_days} days")


@outlets.command("expire")
@click.option("--date", "day", type=DAY, default=None, help="Today, for the check (default today).")
@CAISSE
@AS_JSON
@domain_errors_exit
def expire(day: datetime | None, slug: str | None, as_json: bool) -> None:
    """Mark conventions whose term has passed as ended (run daily; a second run changes nothing)."""

    async def work(session: AsyncSession) -> list[expiry.Expired]:
        caisse = await caisse_for_command(session, slug)
        return await expiry.expire_conventions(session, caisse, _day(day))

    done = run_in_transaction(work)
    if as_json:
        print_json(done)
        return
    for e in done:
        click.echo(f"ended: {e.outlet_name} (convention {e.convention_id}, last day {e.ended_on})")
    click.echo(f"{len(done)} convention(s) ended")
