"""Closing a ballot: count, decide, apply the result, publish it. Cancelling one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.ballots.effects import apply_result
from caisse.ballots.models import Ballot, BallotOutcome, BallotReceipt, BallotTally, BallotVoter
from caisse.ballots.queries import lock_ballot, participation
from caisse.ballots.rules import Counts, Rules, decide
from caisse.ballots.voting import linked_since_opening
from caisse.caisses.models import Caisse
from caisse.errors import Conflict, ValidationFailed
from caisse.periods import caisse_day
from caisse.text import refuse_control_characters

REASON_MAX = 500


def _already_closed(ballot: Ballot) -> Conflict:
    done = "cancelled" if ballot.outcome is BallotOutcome.CANCELLED else "closed"
    at = ballot.closed_at.isoformat() if ballot.closed_at else "?"
    outcome = ballot.outcome.value if ballot.outcome else "?"
    return Conflict(f"Ballot {ballot.id} is already {done} (at {at}, outcome {outcome}).")


async def _recuse_newly_linked(session: AsyncSession, ballot: Ballot, now: datetime) -> None:
    """Members who have not voted and had a link to the outlet since the ballot opened cannot vote
    (their vote would be refused): they count as recused, not as eligible voters who stayed away."""
    linked = await linked_since_opening(session, ballot, now)
    if linked:
        await session.execute(
            update(BallotVoter)
            .where(
                BallotVoter.ballot_id == ballot.id,
                BallotVoter.has_voted.is_(False),
                BallotVoter.user_id.in_(sorted(linked)),
            )
            .values(recused=True)
            .execution_options(synchronize_session=False)
        )


async def close_ballot(
    session: AsyncSession, caisse: Caisse, ballot_id: int, *, now: datetime, by_user_id: int | None = None
) -> Ballot:
    """Close a ballot, apply its outcome and publish the result (counts, quorum, outcome).

    Allowed from `closes_at` on, or earlier once every eligible voter has voted. `now` is a UTC
    datetime; the decision takes effect on its day in Europe/Paris. 409 when already closed or still open.
    """
    ballot = await lock_ballot(session, caisse.id, ballot_id)
    if ballot.closed_at is not None:
        raise _already_closed(ballot)
    await _recuse_newly_linked(session, ballot, now)
    seen = await participation(session, ballot.id)
    if now < ballot.closes_at and (now < ballot.opens_at or seen.voted < seen.eligible):
        raise Conflict(
            f"Voting is open until {ballot.closes_at.isoformat()} and {seen.voted} of {seen.eligible} "
            "eligible voters have voted; a ballot closes early only once every one of them has."
        )
    tally = await session.scalar(
        select(BallotTally)
        .where(BallotTally.ballot_id == ballot.id)
        .execution_options(populate_existing=True)
    )
    receipts = int(
        await session.scalar(select(func.count()).where(BallotReceipt.ballot_id == ballot.id)) or 0
    )
    if tally is None:
        raise RuntimeError(f"ballot {ballot.id} has no tally row")
    counts = Counts(tally.for_count, tally.against_count, tally.abstain_count)
    if not counts.votes_cast == receipts == seen.voted:
        # Every vote writes all three in one transaction: a mismatch is a fault, never published.
        raise RuntimeError(f"ballot {ballot.id}: tally, receipts and roll disagree")
    rules = Rules(ballot.decision_rule, ballot.qualified_numerator, ballot.qualified_denominator,
                  ballot.quorum_percent)  # fmt: skip
    outcome = decide(rules, counts, eligible=seen.eligible)
    effect = await apply_result(session, caisse, ballot, outcome, on=caisse_day(now), by_user_id=by_user_id)
    ballot.outcome = outcome
    ballot.closed_at = now
    ballot.closed_by_user_id = by_user_id
    ballot.result_for, ballot.result_against, ballot.result_abstain = (
        counts.for_count, counts.against_count, counts.abstain_count,
    )  # fmt: skip
    ballot.result_votes_cast = counts.votes_cast
    ballot.result_receipts = receipts
    ballot.result_eligible = seen.eligible
    ballot.result_recused = seen.recused
    ballot.quorum_met = outcome is not BallotOutcome.NO_QUORUM
    ballot.applied_change_id = effect.change_id
    ballot.applied_rule_set_id = effect.rule_set_id
    ballot.effect = effect.text
    await session.flush()
    return ballot


async def close_due_ballots(
    session: AsyncSession, now: datetime, *, caisse_id: int | None = None
) -> list[Ballot]:
    """Close every ballot whose voting time is over (the cron job), oldest first; one already
    closed by someone else meanwhile is skipped. Returns the ballots closed here."""
    query = select(Ballot.id, Ballot.caisse_id).where(Ballot.closed_at.is_(None), Ballot.closes_at <= now)
    if caisse_id is not None:
        query = query.where(Ballot.caisse_id == caisse_id)
    due = list(await session.execute(query.order_by(Ballot.closes_at, Ballot.id)))
    closed: list[Ballot] = []
    for ballot_id, owner_id in due:
        caisse = await session.get(Caisse, owner_id)
        if caisse is None:
            continue
        try:
            closed.append(await close_ballot(session, caisse, ballot_id, now=now))
        except Conflict:
            continue
    return closed


async def cancel_ballot(
    session: AsyncSession,
    caisse: Caisse,
    ballot_id: int,
    *,
    reason: str,
    now: datetime,
    by_user_id: int | None,
) -> Ballot:
    """Cancel a ballot before its voting time ends: nothing is decided and the option counts are
    never published. 422 without a reason; 409 once closed or once voting has ended."""
    text = reason.strip()
    if not 1 <= len(text) <= REASON_MAX:
        message = f"say why the ballot is cancelled, in 1 to {REASON_MAX} characters."
        raise ValidationFailed(f"reason: {message}", [{"field": "reason", "message": message}])
    refuse_control_characters({"reason": text}, multiline={"reason"})
    ballot = await lock_ballot(session, caisse.id, ballot_id)
    if ballot.closed_at is not None:
        raise _already_closed(ballot)
    if now >= ballot.closes_at:
        raise Conflict("Voting on this ballot has ended: close it to publish its result.")
    seen = await participation(session, ballot.id)
    ballot.outcome = BallotOutcome.CANCELLED
    ballot.closed_at = now
    ballot.closed_by_user_id = by_user_id
    ballot.cancel_reason = text
    ballot.result_votes_cast = seen.voted
    ballot.result_eligible = seen.eligible
    ballot.result_recused = seen.recused
    ballot.effect = "no change: ballot cancelled"
    await session.flush()
    return ballot
