"""Who may vote, when, and how often; receipts; closing and cancelling."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.ballots.closing import cancel_ballot, close_ballot, close_due_ballots
from caisse.ballots.models import BallotReceipt, BallotVoter
from caisse.ballots.voting import my_participation, receipt_counted
from caisse.caisses.models import Caisse
from caisse.caisses.service import get_caisse
from caisse.committee.models import DeclaredLink, LinkNature
from caisse.errors import Conflict, PermissionDenied, ValidationFailed
from tests.integration.ballots.ballot_helpers import (
    CLOSES,
    DURING,
    OPENS,
    close,
    declare_link,
    new_outlet,
    open_ballot,
    seat_committee,
    vote,
    vote_all,
)


async def test_the_roll_is_the_committee_sitting_on_the_opening_day(
    db: AsyncSession, test_caisse: Caisse
) -> None:
    sitting = await seat_committee(db, test_caisse.id, 2)
    gone = await seat_committee(
        db, test_caisse.id, 1, prefix="gone", term=(date(2026, 1, 1), date(2027, 2, 28))
    )
    later = await seat_committee(
        db, test_caisse.id, 1, prefix="later", term=(date(2027, 3, 2), date(2028, 1, 1))
    )
    ballot = await open_ballot(db, test_caisse)
    roll = await db.scalars(select(BallotVoter.user_id).where(BallotVoter.ballot_id == ballot.id))
    assert sorted(roll) == sorted(v.user_id for v in sitting)
    for outsider in (*gone, *later):
        with pytest.raises(PermissionDenied, match="not on the committee roll of this ballot"):
            await vote(db, test_caisse, ballot.id, outsider, "for")


async def test_a_member_linked_to_the_outlet_is_recused_and_their_vote_refused(
    db: AsyncSession, test_caisse: Caisse
) -> None:
    voters = await seat_committee(db, test_caisse.id, 3)
    outlet = await new_outlet(db, test_caisse)
    await declare_link(db, test_caisse.id, voters[0].user_id, outlet.id, date(2027, 2, 1))
    ballot = await open_ballot(db, test_caisse, kind="convene", outlet_id=outlet.id)
    with pytest.raises(PermissionDenied, match="recused"):
        await vote(db, test_caisse, ballot.id, voters[0], "for")
    mine = await my_participation(db, test_caisse, ballot.id, user_id=voters[0].user_id, now=DURING)
    assert mine.on_roll and mine.recused and not mine.can_vote_now
    # Recused members are not eligible: the two others are everyone, so it may close early.
    await vote_all(db, test_caisse, ballot.id, voters[1:], ["for", "against"])
    closed = await close(db, test_caisse, ballot.id, now=DURING)
    assert (closed.result_eligible, closed.result_recused, closed.result_votes_cast) == (2, 1, 2)


async def test_a_link_declared_after_the_ballot_opened_recuses_too(
    db: AsyncSession, test_caisse: Caisse
) -> None:
    voters = await seat_committee(db, test_caisse.id, 3)
    outlet = await new_outlet(db, test_caisse)
    ballot = await open_ballot(db, test_caisse, kind="convene", outlet_id=outlet.id)
    await declare_link(db, test_caisse.id, voters[0].user_id, outlet.id, DURING.date())
    with pytest.raises(PermissionDenied, match="declared link to its outlet"):
        await vote(db, test_caisse, ballot.id, voters[0], "against")
    await vote_all(db, test_caisse, ballot.id, voters[1:], ["for", "for"])
    closed = await close(db, test_caisse, ballot.id)
    assert (closed.result_eligible, closed.result_recused) == (2, 1)


@pytest.mark.parametrize("withdrawn_after_days", [0, 1])
async def test_a_link_declared_during_the_ballot_then_withdrawn_still_recuses(
    db: AsyncSession, test_caisse: Caisse, withdrawn_after_days: int
) -> None:
    """Declared mid-ballot and withdrawn (the same day, or the next): the member had an interest in
    the outlet while it was being voted on, so their vote is refused and they count as recused."""
    voters = await seat_committee(db, test_caisse.id, 3)
    outlet = await new_outlet(db, test_caisse)
    ballot = await open_ballot(db, test_caisse, kind="convene", outlet_id=outlet.id)
    declared = DURING.date()
    db.add(
        DeclaredLink(
            caisse_id=test_caisse.id, user_id=voters[0].user_id, outlet_id=outlet.id,
            nature=LinkNature.FAMILY, declared_on=declared,
            withdrawn_on=declared + timedelta(days=withdrawn_after_days),
        )
    )  # fmt: skip
    await db.commit()
    later = DURING + timedelta(days=2)
    with pytest.raises(PermissionDenied, match="declared link to its outlet"):
        await vote(db, test_caisse, ballot.id, voters[0], "for", now=later)
    mine = await my_participation(db, test_caisse, ballot.id, user_id=voters[0].user_id, now=later)
    assert mine.recused and not mine.can_vote_now
    await vote_all(db, test_caisse, ballot.id, voters[1:], ["for", "against"])
    closed = await close(db, test_caisse, ballot.id)
    assert (closed.result_eligible, closed.result_recused) == (2, 1)


async def test_a_link_withdrawn_before_the_ballot_opened_does_not_recuse(
    db: AsyncSession, test_caisse: Caisse
) -> None:
    voters = await seat_committee(db, test_caisse.id, 2)
    outlet = await new_outlet(db, test_caisse)
    db.add(
        DeclaredLink(
            caisse_id=test_caisse.id, user_id=voters[0].user_id, outlet_id=outlet.id,
            nature=LinkNature.SUPPLIER, declared_on=date(2027, 1, 5), withdrawn_on=OPENS.date(),
        )
    )  # fmt: skip
    await db.commit()
    ballot = await open_ballot(db, test_caisse, kind="convene", outlet_id=outlet.id)
    await vote(db, test_caisse, ballot.id, voters[0], "for")


async def test_voting_before_the_opening_or_after_the_closing_time_is_refused(
    db: AsyncSession, test_caisse: Caisse
) -> None:
    voters = await seat_committee(db, test_caisse.id, 2)
    ballot = await open_ballot(db, test_caisse)
    with pytest.raises(Conflict, match="Voting opens at 2027-03-01T09:00:00"):
        await vote(db, test_caisse, ballot.id, voters[0], "for", now=OPENS - timedelta(seconds=1))
    with pytest.raises(Conflict, match="ended at 2027-03-08T09:00:00"):
        await vote(db, test_caisse, ballot.id, voters[0], "for", now=CLOSES)
    await vote(db, test_caisse, ballot.id, voters[0], "for", now=OPENS)
    await close(db, test_caisse, ballot.id)
    with pytest.raises(Conflict, match="ended"):
        await vote(db, test_caisse, ballot.id, voters[1], "for", now=CLOSES - timedelta(seconds=1))


async def test_a_second_vote_by_the_same_person_is_refused_and_not_counted(
    db: AsyncSession, test_caisse: Caisse
) -> None:
    voters = await seat_committee(db, test_caisse.id, 2)
    ballot = await open_ballot(db, test_caisse)
    await vote(db, test_caisse, ballot.id, voters[0], "for")
    with pytest.raises(Conflict, match="already voted"):
        await vote(db, test_caisse, ballot.id, voters[0], "against")
    await vote(db, test_caisse, ballot.id, voters[1], "against")
    closed = await close(db, test_caisse, ballot.id)
    assert (closed.result_for, closed.result_against, closed.result_votes_cast) == (1, 1, 2)


async def test_an_unknown_choice_is_a_422_naming_the_field(db: AsyncSession, test_caisse: Caisse) -> None:
    voters = await seat_committee(db, test_caisse.id, 1)
    ballot = await open_ballot(db, test_caisse)
    with pytest.raises(ValidationFailed) as caught:
        await vote(db, test_caisse, ballot.id, voters[0], "maybe")
    assert caught.value.problems == [{"field": "choice", "message": "one of: for, against, abstain."}]


async def test_each_receipt_verifies_after_the_close_and_a_made_up_one_does_not(
    db: AsyncSession, test_caisse: Caisse
) -> None:
    voters = await seat_committee(db, test_caisse.id, 3)
    ballot = await open_ballot(db, test_caisse)
    codes = await vote_all(db, test_caisse, ballot.id, voters, ["for", "against", "abstain"])
    assert len(set(codes)) == 3
    with pytest.raises(Conflict, match="once the ballot is closed"):
        await receipt_counted(db, test_caisse, ballot.id, codes[0])
    closed = await close(db, test_caisse, ballot.id)
    for code in codes:
        assert await receipt_counted(db, test_caisse, ballot.id, code)
    assert not await receipt_counted(db, test_caisse, ballot.id, "not-a-receipt")
    stored = await db.scalar(select(func.count()).where(BallotReceipt.ballot_id == ballot.id))
    assert stored == closed.result_receipts == closed.result_votes_cast == 3
    # Receipts are stored hashed: the code itself is nowhere in the table.
    hashes = set(await db.scalars(select(BallotReceipt.receipt_hash)))
    assert not hashes & set(codes) and all(len(h) == 64 for h in hashes)


async def test_a_ballot_closes_early_only_once_everyone_eligible_has_voted(
    db: AsyncSession, test_caisse: Caisse
) -> None:
    voters = await seat_committee(db, test_caisse.id, 2)
    ballot_id = (await open_ballot(db, test_caisse)).id
    await vote(db, test_caisse, ballot_id, voters[0], "for")
    with pytest.raises(Conflict, match="1 of 2 eligible voters have voted"):
        await close_ballot(db, test_caisse, ballot_id, now=DURING)
    await db.rollback()
    caisse = await get_caisse(db, "test")
    await vote(db, caisse, ballot_id, voters[1], "for")
    closed = await close(db, caisse, ballot_id, now=DURING)
    assert closed.outcome == "passed" and closed.closed_at == DURING


async def test_closing_twice_is_refused_and_changes_nothing(db: AsyncSession, test_caisse: Caisse) -> None:
    voters = await seat_committee(db, test_caisse.id, 1)
    ballot = await open_ballot(db, test_caisse)
    await vote(db, test_caisse, ballot.id, voters[0], "for")
    first = await close(db, test_caisse, ballot.id)
    with pytest.raises(Conflict, match="already closed"):
        await close_ballot(db, test_caisse, ballot.id, now=CLOSES + timedelta(days=1))
    assert first.closed_at == CLOSES and first.outcome == "passed"


async def test_close_due_closes_only_the_ballots_whose_time_is_over(
    db: AsyncSession, test_caisse: Caisse
) -> None:
    voters = await seat_committee(db, test_caisse.id, 1)
    due = await open_ballot(db, test_caisse, title="Due")
    later = await open_ballot(db, test_caisse, title="Later", closes_at=CLOSES + timedelta(days=7))
    await vote(db, test_caisse, due.id, voters[0], "for")
    closed = await close_due_ballots(db, CLOSES)
    await db.commit()
    assert [b.id for b in closed] == [due.id]
    assert closed[0].outcome == "passed"
    assert await close_due_ballots(db, CLOSES) == []
    await db.refresh(later)
    assert later.closed_at is None


async def test_a_cancelled_ballot_publishes_no_counts_and_takes_no_more_votes(
    db: AsyncSession, test_caisse: Caisse
) -> None:
    voters = await seat_committee(db, test_caisse.id, 2)
    ballot = await open_ballot(db, test_caisse)
    await vote(db, test_caisse, ballot.id, voters[0], "for")
    with pytest.raises(ValidationFailed, match="reason"):
        await cancel_ballot(db, test_caisse, ballot.id, reason="  ", now=DURING, by_user_id=None)
    cancelled = await cancel_ballot(
        db, test_caisse, ballot.id, reason="Question mal posée", now=DURING, by_user_id=None
    )
    await db.commit()
    assert (
        cancelled.outcome == "cancelled" and cancelled.result_for is None and cancelled.result_votes_cast == 1
    )
    with pytest.raises(Conflict, match="cancelled"):
        await vote(db, test_caisse, ballot.id, voters[1], "for")
    with pytest.raises(Conflict, match="already cancelled"):
        await close_ballot(db, test_caisse, ballot.id, now=CLOSES)


async def test_a_ballot_whose_voting_has_ended_cannot_be_cancelled(
    db: AsyncSession, test_caisse: Caisse
) -> None:
    await seat_committee(db, test_caisse.id, 1)
    ballot = await open_ballot(db, test_caisse)
    with pytest.raises(Conflict, match="close it to publish its result"):
        await cancel_ballot(db, test_caisse, ballot.id, reason="too late", now=CLOSES, by_user_id=None)


async def test_a_ballot_nobody_could_vote_on_is_refused(db: AsyncSession, test_caisse: Caisse) -> None:
    with pytest.raises(Conflict, match="No committee member who could vote sits on 2027-03-01"):
        await open_ballot(db, test_caisse)
    voters = await seat_committee(db, test_caisse.id, 1)
    outlet = await new_outlet(db, test_caisse)
    await declare_link(db, test_caisse.id, voters[0].user_id, outlet.id, date(2027, 1, 1))
    with pytest.raises(Conflict, match="1 sitting, all recused"):
        await open_ballot(db, test_caisse, kind="convene", outlet_id=outlet.id)
