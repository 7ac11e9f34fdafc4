"""`caisse money ...`: record contribution payments, subsidies, costs and the opening reserve;
list arrears. Amounts are euros with at most two decimals, in French or English notation
(12.50, 12,50, 1 234,56 €), written with ASCII digits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.amounts import format_euros
from caisse.caisses.service import caisse_for_command
from caisse.cli.ledger import DAY
from caisse.cli.support import domain_errors_exit, print_json, run_in_transaction
from caisse.money import arrears, costs, payments, reserve, subsidies
from caisse.money.amounts import euros_to_cents
from caisse.money.models import PaymentMethod, SubsidyKind

CAISSE = click.option("--caisse", "slug", default=None, help="Caisse slug (default: the only caisse).")
AS_JSON = click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
KEY = click.option(
    "--key",
    "idempotency_key",
    default=None,
    help="Idempotency key: running the command again with it records nothing new.",
)
REFERENCE = click.option("--reference", default="", help="Bank or receipt reference.")


def _amount(text: str) -> int:
    return euros_to_cents(text)


def _done(record: dict[str, Any], created: bool, what: str, as_json: bool) -> None:
    if as_json:
        print_json({**record, "created": created})
        return
    state = "recorded" if created else "already recorded with this key, nothing new"
    click.echo(f"{what} {state}: {format_euros(record['amount_cents'])} (entry {record['entry_id']})")


@click.group()
def money() -> None:
    """Money in and out: contributions paid, arrears, subsidies, costs, opening reserve."""


@money.command("pay")
@click.option("--member", required=True, help="Member code, e.g. LY-000042.")
@click.option("--amount", required=True, help="Euros, e.g. 12.50.")
@click.option("--method", type=click.Choice([m.value for m in PaymentMethod]), required=True)
@click.option("--date", "day", type=DAY, required=True, help="Day the money was received (YYYY-MM-DD).")
@REFERENCE
@KEY
@CAISSE
@AS_JSON
@domain_errors_exit
def pay(
    member: str,
    amount: str,
    method: str,
    day: datetime,
    reference: str,
    idempotency_key: str | None,
    slug: str | None,
    as_json: bool,
) -> None:
    """Record a household's contribution payment (overpaying is a payment in advance)."""
    cents = _amount(amount)

    async def work(session: AsyncSession) -> tuple[dict[str, Any], bool]:
        caisse = await caisse_for_command(session, slug)
        result = await payments.record_contribution_payment(
            session,
            caisse,
            member=member,
            amount_cents=cents,
            method=method,
            received_on=day.date(),
            reference=reference,
            idempotency_key=idempotency_key,
        )
        p = result.record
        return {
            "id": p.id,
            "member_code": member.strip().upper(),
            "amount_cents": p.amount_cents,
            "method": p.method.value,
            "received_on": p.received_on.isoformat(),
            "reference": p.reference,
            "entry_id": p.entry_id,
        }, result.created

    record, created = run_in_transaction(work)
    _done(record, created, f"payment of {record['member_code']}", as_json)


@money.command("subsidy")
@click.option("--source", required=True, help="Funder's name; created on first use when --kind is given.")
@click.option("--kind", type=click.Choice([k.value for k in SubsidyKind]), default=None)
@click.option("--amount", required=True, help="Euros, e.g. 5000.")
@click.option("--date", "day", type=DAY, required=True, help="Day the money was received (YYYY-MM-DD).")
@REFERENCE
@KEY
@CAISSE
@AS_JSON
@domain_errors_exit
def subsidy(
    source: str,
    kind: str | None,
    amount: str,
    day: datetime,
    reference: str,
    idempotency_key: str | None,
    slug: str | None,
    as_json: bool,
) -> None:
    """Record a subsidy received from a source."""
    cents = _amount(amount)

    async def work(session: AsyncSession) -> tuple[dict[str, Any], bool]:
        caisse = await caisse_for_command(session, slug)
        found = await subsidies.source_for_command(session, caisse, name=source, kind=kind)
        result = await subsidies.record_subsidy(
            session,
            caisse,
            source=found.id,
            amount_cents=cents,
            received_on=day.date(),
            reference=reference,
            idempotency_key=idempotency_key,
        )
        s = result.record
        return {
            "id": s.id,
            "source": found.name,
            "kind": found.kind.value,
            "amount_cents": s.amount_cents,
            "received_on": s.received_on.isoformat(),
            "reference": s.reference,
            "entry_id": s.entry_id,
        }, result.created

    record, created = run_in_transaction(work)
    _done(record, created, f"subsidy from {record['source']}", as_json)


@money.command("cost")
@click.option("--category", required=True, help="e.g. salaires, loyer, frais bancaires.")
@click.option("--amount", required=True, help="Euros, e.g. 1200.")
@click.option("--date", "day", type=DAY, required=True, help="Day it was paid (YYYY-MM-DD).")
@REFERENCE
@KEY
@CAISSE
@AS_JSON
@domain_errors_exit
def cost(
    category: str,
    amount: str,
    day: datetime,
    reference: str,
    idempotency_key: str | None,
    slug: str | None,
    as_json: bool,
) -> None:
    """Record an operating cost paid from the fund."""
    cents = _amount(amount)

    async def work(session: AsyncSession) -> tuple[dict[str, Any], bool]:
        caisse = await caisse_for_command(session, slug)
        result = await costs.record_operating_cost(
            session,
            caisse,
            category=category,
            amount_cents=cents,
            paid_on=day.date(),
            reference=reference,
            idempotency_key=idempotency_key,
        )
        c = result.record
        return {
            "id": c.id,
            "category": c.category,
            "amount_cents": c.amount_cents,
            "paid_on": c.paid_on.isoformat(),
            "reference": c.reference,
            "entry_id": c.entry_id,
        }, result.created

    record, created = run_in_transaction(work)
    _done(record, created, f"cost '{record['category']}'", as_json)


@money.command("opening-reserve")
@click.option("--amount", required=True, help="Euros, e.g. 20000.")
@click.option("--date", "day", type=DAY, required=True, help="Day the reserve was in the bank (YYYY-MM-DD).")
@click.option("--memo", default="", help="Where the reserve comes from.")
@CAISSE
@AS_JSON
@domain_errors_exit
def opening_reserve(amount: str, day: datetime, memo: str, slug: str | None, as_json: bool) -> None:
    """Book the reserve the caisse starts with (once)."""
    cents = _amount(amount)

    async def work(session: AsyncSession) -> dict[str, Any]:
        caisse = await caisse_for_command(session, slug)
        entry = await reserve.record_opening_reserve(
            session, caisse, amount_cents=cents, received_on=day.date(), memo=memo
        )
        return {"entry_id": entry.id, "amount_cents": cents, "received_on": entry.occurred_on.isoformat()}

    _done(run_in_transaction(work), True, "opening reserve", as_json)


@money.command("arrears")
@CAISSE
@click.option("--json", "as_json", is_flag=True, help="Print the households in arrears as JSON.")
@domain_errors_exit
def list_arrears(slug: str | None, as_json: bool) -> None:
    """Households owing contributions, largest debt first, with the unpaid months."""

    async def work(session: AsyncSession) -> list[arrears.MemberArrears]:
        caisse = await caisse_for_command(session, slug)
        return await arrears.list_arrears(session, caisse.id, actor=None)

    found = run_in_transaction(work)
    if as_json:
        print_json(
            {
                "total_cents": sum(a.owed_cents for a in found),
                "households": len(found),
                "members": [
                    {
                        "member_code": a.member_code,
                        "reference_person": a.reference_person,
                        "status": a.status.value,
                        "owed_cents": a.owed_cents,
                        "months": a.months,
                    }
                    for a in found
                ],
            }
        )
        return
    if not found:
        click.echo("No household owes contributions.")
        return
    for a in found:
        months = ", ".join(a.months)
        click.echo(f"{a.member_code:<12} {format_euros(a.owed_cents):>14}  {months}  {a.reference_person}")
    click.echo(f"{len(found)} household(s) owe {format_euros(sum(a.owed_cents for a in found))} in all")
