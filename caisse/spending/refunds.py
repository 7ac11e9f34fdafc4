"""An outlet gives a payment back: the whole payment, within the caisse's refund window.

The refund is a REVERSAL entry of the payment's entry (Dr outlet / Cr wallet), dated the day of
the refund, so the household's credit comes back and the ledger keeps both movements. Refused
(409, each with its code) when the payment was already refunded, when the window is over
(`refund_window_days` after the payment day: day N still refunds, day N+1 does not), or when the
outlet's account no longer holds the amount free of redemptions (its balance minus what it asked to
redeem and was not yet paid: that credit is promised to, or already was, paid out in euros; the
refund then has to be settled with the caisse's staff, outside the credit).

Partial refunds are out of scope: a payment is refunded whole, and the till takes a new, smaller
payment if that is what was meant.

Locks: the payment row (two refunds of one payment run one after the other) and the outlet's
account row, which redemption requests, approvals and payout batches lock too
(caisse.redemptions.locks): the balance and pending redemptions read are current. PostgreSQL
FOR NO KEY UPDATE; SQLite's single writer through a no-op UPDATE, as for payments.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.amounts import format_euros
from caisse.auth.actor import Actor
from caisse.caisses.models import Caisse
from caisse.db.base import utcnow
from caisse.errors import NotFound, ValidationFailed
from caisse.ledger.accounts import outlet_code
from caisse.ledger.models import LedgerAccount
from caisse.ledger.posting import reverse_entry
from caisse.money.amounts import check_text
from caisse.periods import caisse_today
from caisse.redemptions.position import outlet_position
from caisse.spending.errors import AlreadyRefunded, OutletCreditInsufficient, RefundWindowClosed
from caisse.spending.models import OutletPayment
from caisse.spending.queries import PaymentRow, get_payment


async def _lock_payment(
    session: AsyncSession, caisse_id: int, outlet_id: int, payment_id: int
) -> OutletPayment:
    query = select(OutletPayment).where(
        OutletPayment.id == payment_id,
        OutletPayment.outlet_id == outlet_id,
        OutletPayment.caisse_id == caisse_id,
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(key_share=True)
    else:
        await session.execute(
            update(OutletPayment)
            .where(OutletPayment.id == payment_id)
            .values(id=OutletPayment.id)
            .execution_options(synchronize_session=False)
        )
    found = await session.scalar(query.execution_options(populate_existing=True))
    if found is None:
        raise NotFound(f"No payment {payment_id} at outlet {outlet_id} in this caisse.")
    return found


async def _lock_outlet_account(session: AsyncSession, caisse_id: int, outlet_id: int) -> int:
    query = select(LedgerAccount.id).where(
        LedgerAccount.caisse_id == caisse_id, LedgerAccount.code == outlet_code(outlet_id)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(key_share=True)
    account_id = await session.scalar(query)
    if account_id is None:
        raise NotFound(f"No outlet {outlet_id} in this caisse.")
    return account_id


async def refund_outlet_payment(
    session: AsyncSession,
    caisse: Caisse,
    *,
    outlet_id: int,
    payment_id: int,
    reason: str = "",
    actor: Actor | None = None,
    today: date | None = None,
) -> PaymentRow:
    """Refund a whole payment (its amount in cents goes back to the household's wallet).

    Not committed: the caller's transaction does it.
    """
    reason = check_text(reason, field="reason", limit=200)
    day = today or caisse_today()
    payment = await _lock_payment(session, caisse.id, outlet_id, payment_id)
    if payment.refund_entry_id is not None:
        raise AlreadyRefunded(
            f"Payment {payment.id} was already refunded on {payment.refunded_on}; a payment is refunded once."
        )
    if day < payment.paid_on:
        raise ValidationFailed(f"A refund cannot be dated {day}, before the payment ({payment.paid_on}).")
    last_day = payment.paid_on + timedelta(days=caisse.refund_window_days)
    if day > last_day:
        raise RefundWindowClosed(
            f"Payment {payment.id} of {payment.paid_on} could be refunded until {last_day} "
            f"({caisse.refund_window_days} days); ask the caisse's staff to correct it."
        )
    await _lock_outlet_account(session, caisse.id, outlet_id)
    position = await outlet_position(session, caisse.id, outlet_id)
    if position.available_cents < payment.amount_cents:
        promised = (
            f" ({format_euros(position.pending_cents)} of it asked for redemption)"
            if position.pending_cents
            else ""
        )
        raise OutletCreditInsufficient(
            f"The outlet's account holds {format_euros(position.balance_cents)}{promised}, too little to "
            f"give back this payment's {format_euros(payment.amount_cents)}: that credit has been redeemed, "
            "or asked for. Settle the refund with the caisse's staff."
        )
    posted = await reverse_entry(
        session, caisse_id=caisse.id, entry_id=payment.entry_id, occurred_on=day,
        memo=f"Remboursement du paiement {payment.id} au lieu {outlet_id} {reason}".strip(),
        created_by_user_id=None if actor is None else actor.user_id,
        idempotency_key=f"refund:{payment.id}",
    )  # fmt: skip
    payment.refund_entry_id = posted.entry.id
    payment.refunded_on = day
    payment.refunded_at = utcnow()
    payment.refunded_by_user_id = None if actor is None else actor.user_id
    payment.refund_reason = reason
    await session.flush()
    return await get_payment(session, caisse.id, outlet_id, payment.id)
