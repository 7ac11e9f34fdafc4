"""Who a month's close bills: households taking part in that month, and no one else."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.cycle.close import close_month
from caisse.errors import Conflict
from caisse.members.models import Member, MemberStatus, MemberStatusChange

from .helpers import Household, add_households, close, new_caisse, owed, wallet

ACTIVE, SUSPENDED, LEFT = MemberStatus.ACTIVE, MemberStatus.SUSPENDED, MemberStatus.LEFT


async def test_suspended_and_departed_households_are_not_billed(db: AsyncSession) -> None:
    caisse = await new_caisse(db, first_month="2027-03")
    billed = await add_households(
        db,
        caisse,
        [
            Household(activated_on=date(2027, 1, 10)),  # active all along
            Household(activated_on=date(2027, 3, 25)),  # joined during March: takes part in March
            Household(status=SUSPENDED, activated_on=date(2027, 1, 1), suspended_on=date(2027, 4, 1)),
            Household(status=LEFT, activated_on=date(2027, 1, 1), left_on=date(2027, 4, 1)),
        ],
    )
    not_billed = await add_households(
        db,
        caisse,
        [
            Household(activated_on=date(2027, 4, 1)),  # joins after March
            Household(status=MemberStatus.APPLICANT, activated_on=None),
            Household(status=SUSPENDED, activated_on=date(2027, 1, 1), suspended_on=date(2027, 3, 1)),
            Household(status=SUSPENDED, activated_on=date(2027, 1, 1), suspended_on=date(2027, 3, 31)),
            Household(status=LEFT, activated_on=date(2027, 1, 1), left_on=date(2027, 3, 15)),
            Household(status=LEFT, activated_on=date(2027, 1, 1), left_on=None),
        ],
    )

    result = await close(db, caisse, "2027-03")

    assert result.households == len(billed) == 4
    assert result.contributions_due_cents == 4 * 3750  # 2.5 % of 1 500 €
    for member_id in billed:
        assert (await owed(db, caisse.id, member_id), await wallet(db, caisse.id, member_id)) == (3750, 5000)
    for member_id in not_billed:
        assert (await owed(db, caisse.id, member_id), await wallet(db, caisse.id, member_id)) == (0, 0)


async def test_household_stops_being_billed_the_month_it_leaves(db: AsyncSession) -> None:
    caisse = await new_caisse(db)
    staying, leaving = await add_households(db, caisse, [Household(), Household()])
    await close(db, caisse, "2027-01")

    await db.execute(
        update(Member).where(Member.id == leaving).values(status=LEFT, left_on=date(2027, 2, 10))
    )
    await db.commit()
    february = await close(db, caisse, "2027-02")

    assert february.households == 1
    assert await owed(db, caisse.id, leaving) == 3750  # January only
    assert await owed(db, caisse.id, staying) == 2 * 3750


async def record_history(db: AsyncSession, member_id: int, steps: list[tuple[MemberStatus, date]]) -> None:
    """Write the dated status changes and set the member's columns as the members service does."""
    previous: MemberStatus | None = None
    values: dict[str, object] = {"activated_on": None, "suspended_on": None, "left_on": None}
    for status, day in steps:
        db.add(
            MemberStatusChange(member_id=member_id, from_status=previous, to_status=status, effective_on=day)
        )
        if status is ACTIVE:
            values["activated_on"] = values["activated_on"] or day
            values["suspended_on"] = None
        elif status is SUSPENDED:
            values["suspended_on"] = day
        elif status is LEFT:
            values["left_on"] = day
        previous = status
    await db.execute(update(Member).where(Member.id == member_id).values(status=previous, **values))
    await db.commit()


async def test_month_closed_late_bills_who_was_active_on_its_last_day(db: AsyncSession) -> None:
    caisse = await new_caisse(db, first_month="2027-03")
    reactivated, suspended_within, suspended_then_left = await add_households(db, caisse, [Household()] * 3)
    applicant = MemberStatus.APPLICANT
    # Suspended in February, back in April: the columns alone would say "active since January".
    await record_history(
        db,
        reactivated,
        [
            (applicant, date(2027, 1, 1)),
            (ACTIVE, date(2027, 1, 2)),
            (SUSPENDED, date(2027, 2, 3)),
            (ACTIVE, date(2027, 4, 10)),
        ],
    )
    # Suspended and back within March: active on March 31.
    await record_history(
        db,
        suspended_within,
        [
            (applicant, date(2027, 1, 1)),
            (ACTIVE, date(2027, 1, 2)),
            (SUSPENDED, date(2027, 3, 5)),
            (ACTIVE, date(2027, 3, 20)),
        ],
    )
    await record_history(
        db,
        suspended_then_left,
        [
            (applicant, date(2027, 1, 1)),
            (ACTIVE, date(2027, 1, 2)),
            (SUSPENDED, date(2027, 2, 10)),
            (LEFT, date(2027, 5, 5)),
        ],
    )

    march = await close(db, caisse, "2027-03")
    april = await close(db, caisse, "2027-04")

    assert (march.households, april.households) == (1, 2)
    assert [await owed(db, caisse.id, m) for m in (reactivated, suspended_within, suspended_then_left)] == [
        3750,
        2 * 3750,
        0,
    ]


async def test_household_without_ledger_accounts_stops_the_close_with_a_clear_message(
    db: AsyncSession,
) -> None:
    caisse = await new_caisse(db)
    await add_households(db, caisse, [Household()])
    orphan = Member(
        caisse_id=caisse.id,
        code="SANS-COMPTE",
        reference_person="Foyer sans comptes",
        monthly_income_cents=100_000,
        income_declared_on=date(2026, 11, 1),
        status=ACTIVE,
        applied_on=date(2026, 11, 1),
        activated_on=date(2026, 11, 1),
    )
    db.add(orphan)
    await db.commit()

    with pytest.raises(Conflict, match=f"member ids {orphan.id}"):
        await close_month(db, caisse, "2027-01", allow_future=True)
