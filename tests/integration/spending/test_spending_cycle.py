"""The monthly close after real payments at outlets: expiry spends the oldest credit first, and the
ledger still verifies after payments, refunds and closes."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.members.models import Member, MemberStatus
from caisse.outlets.conventioning import record_decision
from caisse.outlets.service import create_outlet
from caisse.spending import record_outlet_payment, refund_outlet_payment, set_pin
from tests.integration.cycle.helpers import Household, add_households, close, new_caisse, wallet
from tests.ledger_checks import assert_ledger_ok

PIN = "8264"


async def _caisse_with_outlet(db: AsyncSession, lifetime: int | None) -> tuple[Caisse, int, list[int]]:
    """Caisse "cycle" from 2027-01 (50 € per household a month), two households with PINs, one
    outlet conventioned for 2027."""
    caisse = await new_caisse(db, credit_lifetime_months=lifetime)
    members = await add_households(db, caisse, [Household(), Household()])
    for member_id in members:
        member = await db.get(Member, member_id)
        assert member is not None
        await set_pin(db, caisse, member, PIN, actor=None)
    outlet = await create_outlet(
        db, caisse, values={"name": "Halle", "kind": "market"}, today=date(2026, 12, 1)
    )
    await record_decision(db, caisse, outlet.id, decision="convene", effective_on=date(2027, 1, 1), months=12)
    await db.commit()
    return caisse, outlet.id, members


async def _spend(
    db: AsyncSession, caisse: Caisse, outlet_id: int, member_id: int, cents: int, on: date
) -> int:
    member = await db.get(Member, member_id)
    assert member is not None
    recorded = await record_outlet_payment(
        db, caisse, outlet_id=outlet_id, member_code=member.code, pin=PIN, amount_cents=cents,
        idempotency_key=f"cycle-{member_id}-{cents}-{on}", today=on,
    )  # fmt: skip
    await db.commit()
    return recorded.record.id


async def test_expiry_counts_payments_as_spending_the_oldest_credit_first(db: AsyncSession) -> None:
    caisse, outlet, (spender, saver) = await _caisse_with_outlet(db, lifetime=2)
    await close(db, caisse, "2027-01")
    assert (await close(db, caisse, "2027-02")).expired_cents == 0

    await _spend(db, caisse, outlet, spender, 3000, date(2027, 2, 15))  # January's 50 € first
    march = await close(db, caisse, "2027-03")
    # spender: 70 € held, 50 € of it February's → 20 € of January's expire; saver: January's 50 €.
    assert march.expired_cents == 2000 + 5000
    assert (await wallet(db, caisse.id, spender), await wallet(db, caisse.id, saver)) == (10000, 10000)

    await _spend(
        db, caisse, outlet, spender, 8000, date(2027, 3, 20)
    )  # February's 50 €, then 30 € of March's
    april = await close(db, caisse, "2027-04")
    assert april.expired_cents == 5000  # the saver's February credit; the spender keeps March's 20 €
    assert (await wallet(db, caisse.id, spender), await wallet(db, caisse.id, saver)) == (7000, 10000)
    await assert_ledger_ok(db)


async def test_a_close_after_payments_and_a_refund_still_verifies(db: AsyncSession) -> None:
    caisse, outlet, (first, second) = await _caisse_with_outlet(db, lifetime=None)
    await close(db, caisse, "2027-01")
    kept = await _spend(db, caisse, outlet, first, 1200, date(2027, 1, 10))
    refunded = await _spend(db, caisse, outlet, second, 5000, date(2027, 1, 12))
    await refund_outlet_payment(db, caisse, outlet_id=outlet, payment_id=refunded, today=date(2027, 1, 13))
    await db.commit()
    await assert_ledger_ok(db)

    february = await close(db, caisse, "2027-02")

    assert february.expired_cents == 0  # credit carries over
    assert (await wallet(db, caisse.id, first), await wallet(db, caisse.id, second)) == (8800, 10000)
    assert kept != refunded
    await assert_ledger_ok(db)


async def test_the_credit_of_a_household_that_left_expires_net_of_its_payments(db: AsyncSession) -> None:
    caisse, outlet, (leaving, _staying) = await _caisse_with_outlet(db, lifetime=None)
    await close(db, caisse, "2027-01")
    await _spend(db, caisse, outlet, leaving, 1500, date(2027, 1, 20))
    member = await db.get(Member, leaving)
    assert member is not None
    member.status, member.left_on = MemberStatus.LEFT, date(2027, 2, 10)
    await db.commit()

    february = await close(db, caisse, "2027-02")

    assert february.expired_cents == 3500
    assert await wallet(db, caisse.id, leaving) == 0
    await assert_ledger_ok(db)
