"""credit_requires_payment: the allocation waits for the contribution, then is released once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.cycle.models import WithheldAllocation
from caisse.cycle.withheld import release_paid_allocations

from .helpers import Household, add_households, assert_ledger_balanced, close, new_caisse, pay, wallet


async def withheld_months(db: AsyncSession, member_id: int) -> list[tuple[str, int, bool]]:
    rows = await db.scalars(
        select(WithheldAllocation)
        .where(WithheldAllocation.member_id == member_id)
        .order_by(WithheldAllocation.month)
    )
    return [(r.month, r.amount_cents, r.released_entry_id is not None) for r in rows]


async def test_allocation_is_withheld_until_the_contribution_is_paid(db: AsyncSession) -> None:
    caisse = await new_caisse(db, credit_requires_payment=True)
    # Dues: 45 €, 10 € (floor), 10 € (floor).
    ahead, late, partial = await add_households(
        db, caisse, [Household(income_eur=1800.0), Household(income_eur=200.0), Household(income_eur=300.0)]
    )
    assert await pay(db, caisse, ahead, 4500, date(2026, 12, 28)) == 0  # paid in advance
    await pay(db, caisse, partial, 500, date(2026, 12, 28))

    january = await close(db, caisse, "2027-01")

    assert (january.allocations_cents, january.withheld_cents) == (5000, 10000)
    assert [await wallet(db, caisse.id, m) for m in (ahead, late, partial)] == [5000, 0, 0]
    assert await withheld_months(db, late) == [("2027-01", 5000, False)]

    assert await pay(db, caisse, late, 1000, date(2027, 1, 12)) == 5000
    assert await wallet(db, caisse.id, late) == 5000
    assert await withheld_months(db, late) == [("2027-01", 5000, True)]
    assert await pay(db, caisse, late, 100, date(2027, 1, 13)) == 0  # nothing left to release

    assert await pay(db, caisse, partial, 400, date(2027, 1, 12)) == 0  # 1 € still owed
    assert await wallet(db, caisse.id, partial) == 0
    await assert_ledger_balanced(db, caisse.id)


async def test_paying_arrears_releases_every_withheld_month(db: AsyncSession) -> None:
    caisse = await new_caisse(db, credit_requires_payment=True)
    (member,) = await add_households(db, caisse, [Household(income_eur=200.0)])
    await close(db, caisse, "2027-01")
    february = await close(db, caisse, "2027-02")
    assert february.withheld_cents == 5000

    assert await pay(db, caisse, member, 1000, date(2027, 2, 10)) == 0  # January only: still 10 € owed
    assert await pay(db, caisse, member, 1000, date(2027, 2, 11)) == 10000

    assert await wallet(db, caisse.id, member) == 10000
    assert await withheld_months(db, member) == [("2027-01", 5000, True), ("2027-02", 5000, True)]
    await assert_ledger_balanced(db, caisse.id)


async def test_unpaid_allocation_stays_withheld_and_is_reported_again_unchanged(db: AsyncSession) -> None:
    caisse = await new_caisse(db, credit_requires_payment=True)
    (member,) = await add_households(db, caisse, [Household()])
    first = await close(db, caisse, "2027-01")

    again = await close(db, caisse, "2027-01")

    assert (again.allocations_cents, again.withheld_cents) == (first.allocations_cents, first.withheld_cents)
    assert await withheld_months(db, member) == [("2027-01", 5000, False)]


async def test_release_does_nothing_in_a_caisse_that_credits_without_payment(db: AsyncSession) -> None:
    caisse = await new_caisse(db)
    (member,) = await add_households(db, caisse, [Household()])
    await close(db, caisse, "2027-01")

    released = await release_paid_allocations(
        db, caisse=caisse, member_id=member, occurred_on=date(2027, 1, 5)
    )

    assert released == 0
    assert await wallet(db, caisse.id, member) == 5000
