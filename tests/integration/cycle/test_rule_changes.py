"""A grid voted from a later month bills that month on; closed months keep their figures."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.service import adopt
from caisse.cycle.status import cycle_status
from caisse.errors import Conflict

from .helpers import Household, add_households, close, new_caisse, owed


async def test_new_rules_apply_from_their_month_and_leave_closed_months_untouched(db: AsyncSession) -> None:
    caisse = await new_caisse(db, preset="ariege-ccampa")
    (member,) = await add_households(
        db, caisse, [Household(income_eur=2500.0, adults=2, children_under_14=1)]
    )
    january = await close(db, caisse, "2027-01")

    await adopt(db, caisse, effective_from="2027-03", preset="national-150")
    await db.commit()
    february = await close(db, caisse, "2027-02")
    march = await close(db, caisse, "2027-03")

    # Ariège: 2.5 % of 2 500 € = 62.50 €, 50 € a household. National: 10 % = 250 €, 150 € × 3 persons.
    assert (january.contributions_due_cents, january.allocations_cents) == (6250, 5000)
    assert (february.contributions_due_cents, february.allocations_cents, february.preset) == (
        6250,
        5000,
        "ariege-ccampa",
    )
    assert (march.contributions_due_cents, march.allocations_cents) == (25000, 45000)
    assert (march.preset, march.rule_set_effective_from) == ("national-150", "2027-03")
    assert await owed(db, caisse.id, member) == 6250 + 6250 + 25000

    status = await cycle_status(db, caisse)
    assert [(p.month, p.contributions_due_cents, p.preset) for p in status.periods] == [
        ("2027-01", 6250, "ariege-ccampa"),
        ("2027-02", 6250, "ariege-ccampa"),
        ("2027-03", 25000, "national-150"),
    ]
    assert (status.last_closed, status.next_month) == ("2027-03", "2027-04")


async def test_rules_cannot_be_changed_for_a_closed_month(db: AsyncSession) -> None:
    caisse = await new_caisse(db)
    await close(db, caisse, "2027-01")
    await close(db, caisse, "2027-02")

    with pytest.raises(Conflict, match="already closed"):
        await adopt(db, caisse, effective_from="2027-02", preset="national-150")
