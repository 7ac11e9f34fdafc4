"""Months close in order, once; a repeat or a refused close writes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.cycle.close import close_month
from caisse.errors import PeriodOutOfOrder, ValidationFailed

from .helpers import (
    Household,
    add_households,
    close,
    closed_months,
    entry_count,
    new_caisse,
    rollback,
    wallet,
)


async def test_second_close_of_same_month_posts_nothing_and_reports_same_totals(db: AsyncSession) -> None:
    caisse = await new_caisse(db)
    ids = await add_households(db, caisse, [Household(income_eur=1800.0), Household(income_eur=200.0)])
    first = await close(db, caisse, "2027-01")
    entries = await entry_count(db, caisse.id)

    again = await close(db, caisse, "2027-01")

    assert again.already_closed and not first.already_closed
    for field in (
        "households",
        "contributions_due_cents",
        "allocations_cents",
        "withheld_cents",
        "expired_cents",
        "preset",
        "rule_set_effective_from",
        "closed_at",
    ):
        assert getattr(again, field) == getattr(first, field), field
    assert await entry_count(db, caisse.id) == entries
    assert await wallet(db, caisse.id, ids[0]) == 5000


async def test_an_earlier_closed_month_returns_its_stored_totals(db: AsyncSession) -> None:
    caisse = await new_caisse(db)
    await add_households(db, caisse, [Household()])
    january = await close(db, caisse, "2027-01")
    await add_households(db, caisse, [Household()])
    await close(db, caisse, "2027-02")

    again = await close(db, caisse, "2027-01")

    assert again.already_closed and again.households == january.households == 1


async def test_closing_a_later_month_first_is_refused_and_writes_nothing(db: AsyncSession) -> None:
    caisse = await new_caisse(db)
    await add_households(db, caisse, [Household()])

    with pytest.raises(PeriodOutOfOrder, match="close 2027-01 first"):
        await close_month(db, caisse, "2027-03", allow_future=True)
    await rollback(db, caisse)
    assert (await entry_count(db, caisse.id), await closed_months(db, caisse.id)) == (0, [])

    await close(db, caisse, "2027-01")
    with pytest.raises(PeriodOutOfOrder, match="close 2027-02 first"):
        await close_month(db, caisse, "2027-03", allow_future=True)
    await rollback(db, caisse)
    assert (await entry_count(db, caisse.id), await closed_months(db, caisse.id)) == (2, ["2027-01"])


async def test_month_before_the_caisse_starts_is_refused(db: AsyncSession) -> None:
    caisse = await new_caisse(db)

    with pytest.raises(ValidationFailed, match="starts in 2027-01"):
        await close_month(db, caisse, "2026-12", allow_future=True)


@pytest.mark.parametrize("month", ["2027-13", "2027-1", "janvier", ""])
async def test_malformed_month_is_refused(db: AsyncSession, month: str) -> None:
    caisse = await new_caisse(db)

    with pytest.raises(ValidationFailed, match="YYYY-MM"):
        await close_month(db, caisse, month, allow_future=True)


async def test_month_that_has_not_begun_is_refused_unless_allowed(db: AsyncSession) -> None:
    caisse = await new_caisse(db)
    await add_households(db, caisse, [Household()])

    with pytest.raises(ValidationFailed, match="2027-01 has not begun"):
        await close_month(db, caisse, "2027-01", today=date(2026, 12, 31))
    await rollback(db, caisse)
    assert await closed_months(db, caisse.id) == []

    result = await close(db, caisse, "2027-01", today=date(2027, 1, 2), allow_future=False)
    assert result.households == 1
