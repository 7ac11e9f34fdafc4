"""The result binds: closing a ballot changes what the outlet may do, or adopts the rules voted."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.ballots.drafts import RuleSetProposal
from caisse.caisses.models import Caisse, RuleSet
from caisse.errors import Conflict, ValidationFailed
from caisse.outlets.conventioning import conventions_of, outlet_can_take_payments, record_decision
from caisse.outlets.models import OutletStatus, OutletStatusChange
from caisse.outlets.service import get_outlet
from tests.integration.ballots.ballot_helpers import (
    CLOSES,
    close,
    conventioned_outlet,
    new_outlet,
    open_ballot,
    seat_committee,
    vote_all,
)

CLOSE_DAY = CLOSES.date()


async def test_a_passed_convene_ballot_lets_the_outlet_take_payments_from_the_close_day(
    db: AsyncSession, test_caisse: Caisse
) -> None:
    voters = await seat_committee(db, test_caisse.id, 3)
    outlet = await new_outlet(db, test_caisse)
    ballot = await open_ballot(
        db, test_caisse, kind="convene", outlet_id=outlet.id, title="Conventionner la ferme"
    )
    await vote_all(db, test_caisse, ballot.id, voters, ["for", "for", "against"])
    closed = await close(db, test_caisse, ballot.id)
    assert closed.outcome == "passed" and closed.applied_change_id is not None
    assert await outlet_can_take_payments(db, outlet.id, CLOSE_DAY)
    assert not await outlet_can_take_payments(db, outlet.id, CLOSE_DAY - timedelta(days=1))
    change = await db.get(OutletStatusChange, closed.applied_change_id)
    assert change is not None
    assert (change.decision, change.decision_ref, change.effective_on) == (
        "convene",
        f"ballot:{ballot.id}",
        CLOSE_DAY,
    )
    assert change.reason == "Conventionner la ferme"
    assert "conventioned from 2027-03-08" in closed.effect


async def test_a_failed_convene_ballot_rejects_the_outlet_which_cannot_take_payments(
    db: AsyncSession, test_caisse: Caisse
) -> None:
    voters = await seat_committee(db, test_caisse.id, 3)
    outlet = await new_outlet(db, test_caisse)
    ballot = await open_ballot(db, test_caisse, kind="convene", outlet_id=outlet.id)
    await vote_all(db, test_caisse, ballot.id, voters, ["for", "against", "against"])
    closed = await close(db, test_caisse, ballot.id)
    assert closed.outcome == "rejected"
    assert (await get_outlet(db, test_caisse.id, outlet.id)).status is OutletStatus.REJECTED
    assert not await outlet_can_take_payments(db, outlet.id, CLOSE_DAY)
    assert not await outlet_can_take_payments(db, outlet.id, CLOSE_DAY + timedelta(days=30))


async def test_a_convene_ballot_without_quorum_changes_nothing(db: AsyncSession, test_caisse: Caisse) -> None:
    voters = await seat_committee(db, test_caisse.id, 4)
    outlet = await new_outlet(db, test_caisse)
    ballot = await open_ballot(db, test_caisse, kind="convene", outlet_id=outlet.id, quorum_percent=75)
    await vote_all(db, test_caisse, ballot.id, voters[:2], ["for", "for"])
    closed = await close(db, test_caisse, ballot.id)
    assert closed.outcome == "no_quorum" and closed.applied_change_id is None
    assert (await get_outlet(db, test_caisse.id, outlet.id)).status is OutletStatus.APPLICANT
    assert not await outlet_can_take_payments(db, outlet.id, CLOSE_DAY)


async def test_a_passed_suspend_ballot_stops_payments_from_the_close_day(
    db: AsyncSession, test_caisse: Caisse
) -> None:
    voters = await seat_committee(db, test_caisse.id, 3)
    outlet = await conventioned_outlet(db, test_caisse)
    assert await outlet_can_take_payments(db, outlet.id, CLOSE_DAY)
    ballot = await open_ballot(db, test_caisse, kind="suspend", outlet_id=outlet.id)
    await vote_all(db, test_caisse, ballot.id, voters, ["for", "for", "for"])
    await close(db, test_caisse, ballot.id)
    assert await outlet_can_take_payments(db, outlet.id, CLOSE_DAY - timedelta(days=1))
    assert not await outlet_can_take_payments(db, outlet.id, CLOSE_DAY)
    assert (await get_outlet(db, test_caisse.id, outlet.id)).status is OutletStatus.SUSPENDED


async def test_a_rejected_suspend_ballot_leaves_the_convention_running(
    db: AsyncSession, test_caisse: Caisse
) -> None:
    voters = await seat_committee(db, test_caisse.id, 3)
    outlet = await conventioned_outlet(db, test_caisse)
    ballot = await open_ballot(db, test_caisse, kind="suspend", outlet_id=outlet.id)
    await vote_all(db, test_caisse, ballot.id, voters, ["against", "against", "for"])
    closed = await close(db, test_caisse, ballot.id)
    assert closed.outcome == "rejected" and closed.applied_change_id is None
    assert await outlet_can_take_payments(db, outlet.id, CLOSE_DAY + timedelta(days=1))


async def test_a_failed_renewal_lets_the_convention_end_on_its_date(
    db: AsyncSession, test_caisse: Caisse
) -> None:
    voters = await seat_committee(db, test_caisse.id, 2)
    outlet = await conventioned_outlet(db, test_caisse)  # 2027-01-15 for 12 months
    ballot = await open_ballot(db, test_caisse, kind="renew", outlet_id=outlet.id)
    await vote_all(db, test_caisse, ballot.id, voters, ["for", "against"])
    closed = await close(db, test_caisse, ballot.id)
    assert closed.outcome == "rejected" and "ends on its date" in closed.effect
    assert await outlet_can_take_payments(db, outlet.id, date(2028, 1, 14))
    assert not await outlet_can_take_payments(db, outlet.id, date(2028, 1, 15))


async def test_a_passed_renewal_starts_a_new_term_from_the_close_day(
    db: AsyncSession, test_caisse: Caisse
) -> None:
    voters = await seat_committee(db, test_caisse.id, 2)
    outlet = await conventioned_outlet(db, test_caisse)
    ballot = await open_ballot(db, test_caisse, kind="renew", outlet_id=outlet.id)
    await vote_all(db, test_caisse, ballot.id, voters, ["for", "for"])
    closed = await close(db, test_caisse, ballot.id)
    assert closed.effect == "convention renewed from 2027-03-08 to 2028-03-07"
    assert await outlet_can_take_payments(db, outlet.id, date(2028, 3, 7))
    assert not await outlet_can_take_payments(db, outlet.id, date(2028, 3, 8))


@pytest.mark.parametrize("kind", ["suspend", "renew", "end"])
async def test_a_ballot_the_outlet_status_does_not_allow_is_refused_naming_the_allowed_decisions(
    db: AsyncSession, test_caisse: Caisse, kind: str
) -> None:
    await seat_committee(db, test_caisse.id, 2)
    outlet = await new_outlet(db, test_caisse)
    with pytest.raises(Conflict, match="allowed now: review, convene, reject"):
        await open_ballot(db, test_caisse, kind=kind, outlet_id=outlet.id)


async def test_a_second_open_ballot_on_one_outlet_is_refused(db: AsyncSession, test_caisse: Caisse) -> None:
    await seat_committee(db, test_caisse.id, 2)
    outlet = await new_outlet(db, test_caisse)
    first = await open_ballot(db, test_caisse, kind="convene", outlet_id=outlet.id)
    with pytest.raises(Conflict, match=f"Ballot {first.id} on Ferme du Couserans is still open"):
        await open_ballot(db, test_caisse, kind="convene", outlet_id=outlet.id)


async def test_a_decision_taken_meanwhile_leaves_the_ballot_closed_with_the_reason(
    db: AsyncSession, test_caisse: Caisse
) -> None:
    voters = await seat_committee(db, test_caisse.id, 2)
    outlet = await new_outlet(db, test_caisse)
    ballot = await open_ballot(db, test_caisse, kind="convene", outlet_id=outlet.id)
    await vote_all(db, test_caisse, ballot.id, voters, ["for", "for"])
    await record_decision(db, test_caisse, outlet.id, decision="reject", effective_on=date(2027, 3, 2))
    await db.commit()
    closed = await close(db, test_caisse, ballot.id)
    assert closed.outcome == "passed" and closed.applied_change_id is None
    assert closed.effect.startswith("not applied: Cannot convene an outlet that is rejected")


async def test_a_passed_motion_adopts_the_rule_set_it_carries(db: AsyncSession, test_caisse: Caisse) -> None:
    voters = await seat_committee(db, test_caisse.id, 2)
    ballot = await open_ballot(
        db, test_caisse, title="Adopter la grille lyonnaise",
        rule_set=RuleSetProposal(effective_from="2027-06", preset="lyon-8e"),
    )  # fmt: skip
    await vote_all(db, test_caisse, ballot.id, voters, ["for", "for"])
    closed = await close(db, test_caisse, ballot.id)
    row = await db.get(RuleSet, closed.applied_rule_set_id)
    assert row is not None and (row.effective_from, row.preset) == ("2027-06", "lyon-8e")
    assert closed.effect == "rule set adopted from 2027-06"


async def test_a_rejected_motion_adopts_nothing(db: AsyncSession, test_caisse: Caisse) -> None:
    voters = await seat_committee(db, test_caisse.id, 2)
    ballot = await open_ballot(
        db, test_caisse, rule_set=RuleSetProposal(effective_from="2027-06", preset="lyon-8e")
    )
    await vote_all(db, test_caisse, ballot.id, voters, ["against", "for"])
    await close(db, test_caisse, ballot.id)
    months = await db.scalars(select(RuleSet.effective_from).where(RuleSet.caisse_id == test_caisse.id))
    assert list(months) == ["2027-01"]


async def test_a_bad_rule_set_is_refused_when_the_motion_is_opened(
    db: AsyncSession, test_caisse: Caisse
) -> None:
    await seat_committee(db, test_caisse.id, 2)
    with pytest.raises(ValidationFailed) as caught:
        await open_ballot(
            db, test_caisse, rule_set=RuleSetProposal(effective_from="2027-06", preset="nowhere")
        )
    assert caught.value.problems[0]["field"] == "rule_set"
    assert "known presets" in str(caught.value.problems[0]["message"])


@pytest.mark.parametrize("kind", ["suspend", "end"])
async def test_a_passed_suspend_or_end_ballot_stops_a_convention_that_has_not_started_yet(
    db: AsyncSession, test_caisse: Caisse, kind: str
) -> None:
    """Conventioned from a day after the close: the decision is applied, and that convention never
    covers a day (it used to be refused as 'before the start of the current convention')."""
    voters = await seat_committee(db, test_caisse.id, 3)
    outlet = await new_outlet(db, test_caisse)
    starts = CLOSE_DAY + timedelta(days=20)
    await record_decision(db, test_caisse, outlet.id, decision="convene", effective_on=starts)
    await db.commit()
    ballot = await open_ballot(db, test_caisse, kind=kind, outlet_id=outlet.id)
    await vote_all(db, test_caisse, ballot.id, voters, ["for", "for", "for"])
    closed = await close(db, test_caisse, ballot.id)
    assert closed.outcome == "passed" and closed.applied_change_id is not None, closed.effect
    assert not closed.effect.startswith("not applied")
    for day in (CLOSE_DAY, starts, starts + timedelta(days=100)):
        assert not await outlet_can_take_payments(db, outlet.id, day)
    [convention] = await conventions_of(db, outlet.id)
    assert convention.stopped_on == convention.starts_on == starts


async def test_a_suspension_also_stops_the_convention_a_later_renewal_was_to_replace(
    db: AsyncSession, test_caisse: Caisse
) -> None:
    """Renewed from a later day, the current convention runs until then: a suspension before that
    day stops it too, and the renewal's convention never starts."""
    voters = await seat_committee(db, test_caisse.id, 3)
    outlet = await conventioned_outlet(db, test_caisse)  # from 2027-01-15
    renewal = CLOSE_DAY + timedelta(days=10)
    await record_decision(db, test_caisse, outlet.id, decision="renew", effective_on=renewal)
    await db.commit()
    assert await outlet_can_take_payments(db, outlet.id, CLOSE_DAY)
    ballot = await open_ballot(db, test_caisse, kind="suspend", outlet_id=outlet.id)
    await vote_all(db, test_caisse, ballot.id, voters, ["for", "for", "against"])
    closed = await close(db, test_caisse, ballot.id)
    assert closed.outcome == "passed" and closed.applied_change_id is not None, closed.effect
    assert await outlet_can_take_payments(db, outlet.id, CLOSE_DAY - timedelta(days=1))
    for day in (CLOSE_DAY, renewal, renewal + timedelta(days=30)):
        assert not await outlet_can_take_payments(db, outlet.id, day)


async def test_a_ballot_closed_after_midnight_in_france_takes_effect_that_french_day(
    db: AsyncSession, test_caisse: Caisse
) -> None:
    """23:30 UTC on 8 March is 00:30 on 9 March in Foix: the convention starts on the 9th."""
    voters = await seat_committee(db, test_caisse.id, 3)
    outlet = await new_outlet(db, test_caisse)
    ballot = await open_ballot(db, test_caisse, kind="convene", outlet_id=outlet.id)
    await vote_all(db, test_caisse, ballot.id, voters, ["for", "for", "for"])
    late = datetime(2027, 3, 8, 23, 30, tzinfo=UTC)
    closed = await close(db, test_caisse, ballot.id, now=late)
    change = await db.get(OutletStatusChange, closed.applied_change_id)
    assert change is not None and change.effective_on == date(2027, 3, 9)
    assert not await outlet_can_take_payments(db, outlet.id, date(2027, 3, 8))
    assert await outlet_can_take_payments(db, outlet.id, date(2027, 3, 9))
