"""Decisions, history, conventions and whether an outlet may take payments on a day."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.errors import Conflict, ValidationFailed
from caisse.outlets.conventioning import (
    conventions_due_for_renewal,
    outlet_can_take_payments,
    outlet_history,
    record_decision,
)
from caisse.outlets.models import Convention, OutletStatus, OutletStatusChange
from tests.integration.outlets.helpers import AddOutlet


async def test_convene_allows_payments_inside_the_term_only(
    db: AsyncSession, test_caisse: Caisse, add_outlet: AddOutlet
) -> None:
    outlet = await add_outlet(test_caisse)
    done = await record_decision(
        db, test_caisse, outlet.id, decision="convene", effective_on=date(2027, 3, 1), decision_ref="vote 1"
    )
    await db.commit()
    assert done.convention is not None and done.convention.ends_on == date(2028, 2, 29)  # default 12 months
    assert outlet.status is OutletStatus.CONVENTIONED
    assert not await outlet_can_take_payments(db, outlet.id, date(2027, 2, 28))
    assert await outlet_can_take_payments(db, outlet.id, date(2027, 3, 1))
    assert await outlet_can_take_payments(db, outlet.id, date(2028, 2, 29))
    assert not await outlet_can_take_payments(db, outlet.id, date(2028, 3, 1))


async def test_the_caisse_term_and_an_explicit_term_set_the_end(
    db: AsyncSession, test_caisse: Caisse, add_outlet: AddOutlet
) -> None:
    test_caisse.convention_term_months = 6
    a, b = await add_outlet(test_caisse, "A"), await add_outlet(test_caisse, "B")
    first = await record_decision(db, test_caisse, a.id, decision="convene", effective_on=date(2027, 1, 1))
    second = await record_decision(
        db, test_caisse, b.id, decision="convene", effective_on=date(2027, 1, 1), months=24
    )
    assert first.convention and first.convention.ends_on == date(2027, 6, 30)
    assert second.convention and second.convention.ends_on == date(2028, 12, 31)


async def test_suspension_stops_payments_from_its_day(
    db: AsyncSession, test_caisse: Caisse, add_outlet: AddOutlet
) -> None:
    outlet = await add_outlet(test_caisse)
    await record_decision(db, test_caisse, outlet.id, decision="convene", effective_on=date(2027, 3, 1))
    await record_decision(db, test_caisse, outlet.id, decision="suspend", effective_on=date(2027, 6, 15))
    await db.commit()
    assert await outlet_can_take_payments(db, outlet.id, date(2027, 6, 14))
    assert not await outlet_can_take_payments(db, outlet.id, date(2027, 6, 15))
    assert not await outlet_can_take_payments(db, outlet.id, date(2027, 9, 1))
    # Renewing after a suspension opens a new convention from its own day.
    await record_decision(
        db, test_caisse, outlet.id, decision="renew", effective_on=date(2027, 7, 1), months=3
    )
    assert not await outlet_can_take_payments(db, outlet.id, date(2027, 6, 20))
    assert await outlet_can_take_payments(db, outlet.id, date(2027, 7, 1))
    assert not await outlet_can_take_payments(db, outlet.id, date(2027, 10, 1))


async def test_end_stops_payments_and_rejected_never_could(
    db: AsyncSession, test_caisse: Caisse, add_outlet: AddOutlet
) -> None:
    kept, refused = await add_outlet(test_caisse, "Kept"), await add_outlet(test_caisse, "Refused")
    await record_decision(db, test_caisse, kept.id, decision="convene", effective_on=date(2027, 1, 1))
    await record_decision(db, test_caisse, kept.id, decision="end", effective_on=date(2027, 5, 1))
    await record_decision(db, test_caisse, refused.id, decision="reject", effective_on=date(2027, 1, 1))
    assert await outlet_can_take_payments(db, kept.id, date(2027, 4, 30))
    assert not await outlet_can_take_payments(db, kept.id, date(2027, 5, 1))
    assert not await outlet_can_take_payments(db, refused.id, date(2027, 1, 1))


async def test_every_change_is_recorded_with_its_decision(
    db: AsyncSession, test_caisse: Caisse, add_outlet: AddOutlet
) -> None:
    outlet = await add_outlet(test_caisse)
    await record_decision(db, test_caisse, outlet.id, decision="review", effective_on=date(2027, 1, 15))
    await record_decision(
        db, test_caisse, outlet.id, decision="convene", effective_on=date(2027, 2, 1), reason="grid met",
        decision_ref="ballot 7",
    )  # fmt: skip
    history = await outlet_history(db, test_caisse.id, outlet.id)
    assert [(h.decision, h.from_status, h.to_status) for h in history] == [
        ("apply", None, OutletStatus.APPLICANT),
        ("review", OutletStatus.APPLICANT, OutletStatus.UNDER_REVIEW),
        ("convene", OutletStatus.UNDER_REVIEW, OutletStatus.CONVENTIONED),
    ]
    assert history[-1].decision_ref == "ballot 7" and history[-1].reason == "grid met"
    convention = await db.scalar(select(Convention).where(Convention.outlet_id == outlet.id))
    assert convention is not None and convention.created_by_change_id == history[-1].id


async def test_a_forbidden_move_is_409_naming_the_allowed_ones_and_writes_nothing(
    db: AsyncSession, test_caisse: Caisse, add_outlet: AddOutlet
) -> None:
    outlet = await add_outlet(test_caisse)
    with pytest.raises(Conflict, match="allowed now: review, convene, reject"):
        await record_decision(db, test_caisse, outlet.id, decision="suspend", effective_on=date(2027, 2, 1))
    await record_decision(db, test_caisse, outlet.id, decision="reject", effective_on=date(2027, 2, 1))
    with pytest.raises(Conflict, match="allowed now: none"):
        await record_decision(db, test_caisse, outlet.id, decision="convene", effective_on=date(2027, 2, 1))
    with pytest.raises(ValidationFailed, match="decision"):
        await record_decision(db, test_caisse, outlet.id, decision="bless", effective_on=date(2027, 2, 1))
    changes = await db.scalar(
        select(func.count()).select_from(OutletStatusChange).where(OutletStatusChange.outlet_id == outlet.id)
    )
    assert changes == 2  # apply + reject


async def test_renewal_list_holds_conventions_ending_within_60_days(
    db: AsyncSession, test_caisse: Caisse, add_outlet: AddOutlet
) -> None:
    soon, later, over = [await add_outlet(test_caisse, n) for n in ("Soon", "Later", "Over")]
    await record_decision(
        db, test_caisse, soon.id, decision="convene", effective_on=date(2027, 1, 1), months=3
    )
    await record_decision(
        db, test_caisse, later.id, decision="convene", effective_on=date(2027, 1, 1), months=5
    )
    await record_decision(
        db, test_caisse, over.id, decision="convene", effective_on=date(2026, 1, 1), months=3
    )
    today = date(2027, 2, 15)  # soon ends 2027-03-31 (44 days), later 2027-05-31 (105 days)
    due = await conventions_due_for_renewal(db, test_caisse, today)
    assert [o.name for _, o in due] == ["Soon"]
    edge = await conventions_due_for_renewal(db, test_caisse, date(2027, 4, 1))  # later: exactly 60 days
    assert [o.name for _, o in edge] == ["Later"]
