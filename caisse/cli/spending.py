"""`caisse spending ...`: give a household its PIN (staff hand it over on paper), list payments at
outlets, refund one on an outlet's behalf. Run by whoever administers the installation, so reads
are audit-logged with no user."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.amounts import format_euros
from caisse.caisses.service import caisse_for_command
from caisse.cli.support import domain_errors_exit, print_json, run_in_transaction
from caisse.members.service import get_member
from caisse.spending import list_payments, refund_outlet_payment, set_pin
from caisse.spending.queries import PaymentRow
from caisse.spending.schemas import OutletPaymentView, PinView

CAISSE = click.option("--caisse", "slug", default=None, help="Caisse slug (default: the only caisse).")
AS_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _line(row: PaymentRow) -> str:
    refunded = f"  refunded {row.refunded_on}" if row.refund_entry_id is not None else ""
    return (
        f"{row.id:>8}  {row.paid_on}  {row.member_code:<12} {format_euros(row.amount_cents):>12}  "
        f"{row.outlet_name}{refunded}"
    )


@click.group()
def spending() -> None:
    """Spending the food credit at outlets: PINs, payments, refunds."""


@spending.command("set-pin")
@click.argument("member_code")
@click.option(
    "--pin",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="4 to 6 digits (asked when left out).",
)
@CAISSE
@AS_JSON
@domain_errors_exit
def set_pin_command(member_code: str, pin: str, slug: str | None, as_json: bool) -> None:
    """Give household MEMBER_CODE a new PIN (this also unlocks a locked one)."""

    async def work(session: AsyncSession) -> PinView:
        caisse = await caisse_for_command(session, slug)
        member = await get_member(session, caisse.id, member_code)
        return PinView.of(await set_pin(session, caisse, member, pin, actor=None))

    view = run_in_transaction(work)
    if as_json:
        print_json(view)
    else:
        click.echo(f"PIN of {view.member_code} set; hand it over on paper.")


@spending.command("payments")
@click.option("--outlet", "outlet_id", type=click.IntRange(1, 2**63 - 1), default=None, help="Outlet id.")
@click.option("--member", "member_code", default=None, help="Member code, e.g. LY-000042.")
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(0, 2**31 - 1), default=0, show_default=True)
@CAISSE
@AS_JSON
@domain_errors_exit
def payments_command(
    outlet_id: int | None, member_code: str | None, limit: int, offset: int, slug: str | None, as_json: bool
) -> None:
    """Payments at outlets, newest first (member codes, no names)."""

    async def work(session: AsyncSession) -> tuple[list[PaymentRow], int]:
        caisse = await caisse_for_command(session, slug)
        member_id = None if member_code is None else (await get_member(session, caisse.id, member_code)).id
        return await list_payments(
            session,
            caisse.id,
            actor=None,
            outlet_id=outlet_id,
            member_id=member_id,
            limit=limit,
            offset=offset,
        )

    rows, total = run_in_transaction(work)
    if as_json:
        print_json({"items": [OutletPaymentView.of(r) for r in rows], "total": total})
        return
    for row in rows:
        click.echo(_line(row))
    click.echo(f"{len(rows)} of {total} payment(s)")


@spending.command("refund")
@click.argument("outlet_id", type=click.IntRange(1, 2**63 - 1))
@click.argument("payment_id", type=click.IntRange(1, 2**63 - 1))
@click.option("--reason", default="", help="Why, e.g. 'article rendu'.")
@CAISSE
@AS_JSON
@domain_errors_exit
def refund_command(outlet_id: int, payment_id: int, reason: str, slug: str | None, as_json: bool) -> None:
    """Refund payment PAYMENT_ID of outlet OUTLET_ID, whole, within the caisse's refund window."""

    async def work(session: AsyncSession) -> PaymentRow:
        caisse = await caisse_for_command(session, slug)
        return await refund_outlet_payment(
            session, caisse, outlet_id=outlet_id, payment_id=payment_id, reason=reason, actor=None
        )

    row: Any = run_in_transaction(work)
    if as_json:
        print_json(OutletPaymentView.of(row))
    else:
        click.echo(f"refunded: {_line(row)}")
