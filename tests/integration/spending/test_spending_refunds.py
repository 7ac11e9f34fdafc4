"""Refunds: a reversing entry, within the caisse's window, once, while the outlet still holds the credit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.errors import ValidationFailed
from caisse.ledger import EntryKind, JournalEntry
from caisse.outlets.conventioning import record_decision
from caisse.outlets.models import Outlet
from caisse.redemptions.requests import request_redemption
from caisse.spending import PaymentRow, record_outlet_payment, refund_outlet_payment
from caisse.spending.errors import AlreadyRefunded, OutletCreditInsufficient, RefundWindowClosed
from tests.integration.spending.spend_helpers import (
    CREDIT,
    PINS,
    TODAY,
    SpendWorld,
    caisse_of,
    outlet_credit,
    payment,
    wallet_credit,
)

Client = AsyncTestClient[Litestar]
PAID_ON = TODAY - timedelta(days=25)  # within outlet a's convention, which started 30 days ago


async def _pay(
    db: AsyncSession, sw: SpendWorld, cents: int, *, on: date = PAID_ON, code: str = "SA-1"
) -> PaymentRow:
    caisse = await caisse_of(db, sw)
    recorded = await record_outlet_payment(
        db, caisse, outlet_id=sw.outlets["a"], member_code=code, pin=PINS[code], amount_cents=cents,
        idempotency_key=f"key-{code}-{cents}-{on}", today=on,
    )  # fmt: skip
    await db.commit()
    return recorded.record


async def _refund(db: AsyncSession, caisse: Caisse, sw: SpendWorld, row: PaymentRow, on: date) -> PaymentRow:
    refunded = await refund_outlet_payment(db, caisse, outlet_id=sw.outlets["a"], payment_id=row.id, today=on)
    await db.commit()
    return refunded


@pytest.mark.parametrize("window", [14, 3])
async def test_a_refund_on_the_last_day_of_the_window_is_accepted(
    db: AsyncSession, spend_world: SpendWorld, window: int
) -> None:
    sw = spend_world
    caisse = await caisse_of(db, sw)
    caisse.refund_window_days = window
    await db.commit()
    row = await _pay(db, sw, 2500)
    refunded = await _refund(db, caisse, sw, row, PAID_ON + timedelta(days=window))
    assert (refunded.refunded_on, refunded.refund_entry_id is not None) == (
        PAID_ON + timedelta(days=window),
        True,
    )
    assert await wallet_credit(db, sw, "SA-1") == CREDIT
    assert await outlet_credit(db, sw, "a") == 0
    reversal = await db.get(JournalEntry, refunded.refund_entry_id)
    assert reversal is not None
    assert (reversal.kind, reversal.reverses_entry_id, reversal.occurred_on) == (
        EntryKind.REVERSAL, row.entry_id, PAID_ON + timedelta(days=window),
    )  # fmt: skip


@pytest.mark.parametrize("window", [14, 3])
async def test_a_refund_the_day_after_the_window_is_refused(
    db: AsyncSession, spend_world: SpendWorld, window: int
) -> None:
    sw = spend_world
    caisse = await caisse_of(db, sw)
    caisse.refund_window_days = window
    await db.commit()
    row = await _pay(db, sw, 2500)
    with pytest.raises(RefundWindowClosed, match=f"until {PAID_ON + timedelta(days=window)}"):
        await _refund(db, caisse, sw, row, PAID_ON + timedelta(days=window + 1))
    await db.rollback()
    assert await wallet_credit(db, sw, "SA-1") == CREDIT - 2500


async def test_a_payment_is_refunded_once(db: AsyncSession, spend_world: SpendWorld) -> None:
    sw = spend_world
    caisse = await caisse_of(db, sw)
    row = await _pay(db, sw, 900)
    await _refund(db, caisse, sw, row, PAID_ON + timedelta(days=1))
    with pytest.raises(AlreadyRefunded, match="already refunded"):
        await _refund(db, caisse, sw, row, PAID_ON + timedelta(days=2))
    await db.rollback()
    assert await wallet_credit(db, sw, "SA-1") == CREDIT


async def test_no_refund_in_credit_once_the_outlet_has_asked_to_redeem_it(
    db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    caisse = await caisse_of(db, sw)
    row = await _pay(db, sw, 4000)
    await _pay(db, sw, 1000, code="SA-2")
    outlet = await db.get(Outlet, sw.outlets["a"])
    assert outlet is not None
    outlet.iban, outlet.bic = "FR7630006000011234567890189", "AGRIFRPP882"
    # The outlet asks to convert 45 € of its 50 € to euros: that credit is promised to the payout.
    await request_redemption(db, caisse, outlet_id=outlet.id, amount_cents=4500)
    await db.commit()
    with pytest.raises(
        OutletCreditInsufficient, match=r"holds 50\.00 € \(45\.00 € of it asked for redemption\)"
    ):
        await _refund(db, caisse, sw, row, PAID_ON + timedelta(days=2))
    await db.rollback()
    assert await outlet_credit(db, sw, "a") == 5000
    assert await wallet_credit(db, sw, "SA-1") == CREDIT - 4000


async def test_a_refund_cannot_predate_its_payment(db: AsyncSession, spend_world: SpendWorld) -> None:
    sw = spend_world
    caisse = await caisse_of(db, sw)
    row = await _pay(db, sw, 900)
    with pytest.raises(ValidationFailed, match="before the payment"):
        await _refund(db, caisse, sw, row, PAID_ON - timedelta(days=1))
    await db.rollback()


async def test_the_outlet_refunds_over_http_and_sees_it_in_its_list(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    paid = await client.post(sw.pay_url("a"), json=payment("SA-1", 1800), headers=sw.headers["till_a"])
    url = f"{sw.pay_url('a')}/{paid.json()['id']}/refund"

    refunded = await client.post(url, json={"reason": "erreur de caisse"}, headers=sw.headers["till_a"])

    assert refunded.status_code == 200, refunded.text
    view = refunded.json()
    assert (view["refunded"], view["refunded_on"], view["refund_reason"]) == (
        True,
        TODAY.isoformat(),
        "erreur de caisse",
    )
    assert await wallet_credit(db, sw, "SA-1") == CREDIT
    again = await client.post(url, headers=sw.headers["till_a"])
    assert again.status_code == 409 and again.json()["error"] == "already_refunded"
    listed = await client.get(sw.pay_url("a"), headers=sw.headers["till_a"])
    assert [(p["id"], p["refunded"]) for p in listed.json()["items"]] == [(paid.json()["id"], True)]


async def test_the_window_closes_over_http_with_its_own_code(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    row = await _pay(db, sw, 700, on=TODAY - timedelta(days=15))
    response = await client.post(f"{sw.pay_url('a')}/{row.id}/refund", headers=sw.headers["till_a"])
    assert response.status_code == 409 and response.json()["error"] == "refund_window_closed"


async def test_only_the_outlet_itself_or_staff_refund(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    paid = await client.post(sw.pay_url("a"), json=payment("SA-1", 600), headers=sw.headers["till_a"])
    url = f"{sw.pay_url('a')}/{paid.json()['id']}/refund"
    for who in ("till_b", "member", "outlet", "committee"):
        assert (await client.post(url, headers=sw.headers[who])).status_code == 403, who
    # Through another outlet's path, the payment does not exist.
    other = f"{sw.pay_url('b')}/{paid.json()['id']}/refund"
    assert (await client.post(other, headers=sw.headers["till_b"])).status_code == 404
    assert (await client.post(url, headers=sw.headers["staff"])).status_code == 200
    assert await wallet_credit(db, sw, "SA-1") == CREDIT


async def test_a_refund_after_the_convention_ends_is_still_allowed(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    paid = await client.post(sw.pay_url("b"), json=payment("SA-2", 600), headers=sw.headers["till_b"])
    caisse = await caisse_of(db, sw)
    await record_decision(db, caisse, sw.outlets["b"], decision="suspend", effective_on=TODAY)
    await db.commit()
    response = await client.post(
        f"{sw.pay_url('b')}/{paid.json()['id']}/refund", headers=sw.headers["till_b"]
    )
    assert response.status_code == 200
    assert await wallet_credit(db, sw, "SA-2") == CREDIT
