"""Casting a vote: one person, one vote, secret.

A vote is three statements in one transaction, and nothing else is written:
1. the voter's roll line turns `has_voted` true by a conditional UPDATE — exactly one of two
   simultaneous votes by the same person matches it, the other finds nothing to update (409);
2. the tally row adds 1 to one counter and 0 to the two others, all three columns written;
3. the hash of a fresh receipt code is inserted, with the ballot id and nothing else.
No time, no id and no order links lines 1, 2 and 3 in what is stored. The choice is never
logged, audited or returned.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.ballots.models import Ballot, BallotReceipt, BallotTally, BallotVoter
from caisse.ballots.queries import ballot_state, get_ballot, lock_ballot
from caisse.ballots.rules import Choice, Counts, increments
from caisse.caisses.models import Caisse
from caisse.committee.eligibility import users_linked_during
from caisse.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from caisse.periods import caisse_day

NOT_ON_ROLL = (
    "You are not on the committee roll of this ballot: only members sitting on its opening day vote."
)
ALREADY_VOTED = "You have already voted on this ballot: one person, one vote."


def receipt_hash(code: str) -> str:
    """sha256 (hex) of a receipt code: what is stored, so the code itself is only the voter's."""
    return hashlib.sha256(code.strip().encode()).hexdigest()


def parse_choice(value: str) -> Choice:
    try:
        return Choice(value)
    except ValueError:
        known = ", ".join(c.value for c in Choice)
        raise ValidationFailed(
            f"choice: '{value}' is not a choice; one of: {known}.",
            [{"field": "choice", "message": f"one of: {known}."}],
        ) from None


@dataclass(frozen=True)
class _Standing:
    voter: BallotVoter | None
    # A link to the outlet declared or standing since the ballot opened (after the roll was taken).
    linked_now: bool


async def linked_since_opening(session: AsyncSession, ballot: Ballot, now: datetime) -> set[int]:
    """Who had a link to the ballot's outlet at any point from its opening day to today (days in
    Europe/Paris): a link declared and withdrawn between two votes still recuses its holder."""
    if ballot.outlet_id is None:
        return set()
    return await users_linked_during(session, ballot.outlet_id, caisse_day(ballot.opens_at), caisse_day(now))


async def _standing(session: AsyncSession, ballot: Ballot, user_id: int, now: datetime) -> _Standing:
    voter = await session.scalar(
        select(BallotVoter)
        .where(BallotVoter.ballot_id == ballot.id, BallotVoter.user_id == user_id)
        .execution_options(populate_existing=True)
    )
    return _Standing(voter, user_id in await linked_since_opening(session, ballot, now))


def _refusal(ballot: Ballot, standing: _Standing, now: datetime) -> DomainError | None:
    """Why this person may not vote now (403 or 409), or None."""
    if standing.voter is None:
        return PermissionDenied(NOT_ON_ROLL)
    if standing.voter.recused or standing.linked_now:
        return PermissionDenied(
            "You are recused from this ballot: you have a declared link to its outlet, "
            "so you cannot vote on it."
        )
    state = ballot_state(ballot, now)
    if state == "upcoming":
        return Conflict(f"Voting opens at {ballot.opens_at.isoformat()}; come back then.")
    if state in ("due", "closed"):
        return Conflict(f"Voting on this ballot ended at {ballot.closes_at.isoformat()}.")
    if state == "cancelled":
        return Conflict("This ballot was cancelled; there is nothing to vote on.")
    if standing.voter.has_voted:
        return Conflict(ALREADY_VOTED)
    return None


async def _add_to_tally(session: AsyncSession, ballot_id: int, add: Counts) -> None:
    """Add one vote to the tally, writing all three counters. The increments are the only place
    the choice reaches the database: a driver error would carry them (SQLAlchemy puts statement
    parameters in its messages), so it is replaced by one that does not, and never logged."""
    try:
        await session.execute(
            update(BallotTally)
            .where(BallotTally.ballot_id == ballot_id)
            .values(
                for_count=BallotTally.for_count + add.for_count,
                against_count=BallotTally.against_count + add.against_count,
                abstain_count=BallotTally.abstain_count + add.abstain_count,
            )
            .execution_options(synchronize_session=False)
        )
    except DBAPIError:
        raise RuntimeError(
            f"ballot {ballot_id}: the tally could not be updated; the vote was not counted"
        ) from None


async def cast_vote(
    session: AsyncSession, caisse: Caisse, ballot_id: int, *, user_id: int, choice: str, now: datetime
) -> str:
    """Count one vote and return the voter's receipt code (shown once, never stored).

    `now` is a UTC datetime. 403 off the roll or recused; 409 outside the voting window or on a
    second vote (also when two arrive at once).
    """
    picked = parse_choice(choice)
    ballot = await lock_ballot(session, caisse.id, ballot_id, shared=True)
    refused = _refusal(ballot, await _standing(session, ballot, user_id, now), now)
    if refused is not None:
        raise refused
    marked = await session.execute(
        update(BallotVoter)
        .where(
            BallotVoter.ballot_id == ballot.id,
            BallotVoter.user_id == user_id,
            BallotVoter.has_voted.is_(False),
            BallotVoter.recused.is_(False),
            # On SQLite this UPDATE takes the write lock: the ballot is re-checked under it.
            exists().where(Ballot.id == ballot.id, Ballot.closed_at.is_(None)),
        )
        .values(has_voted=True)
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        closed = await session.scalar(
            select(Ballot.closed_at).where(Ballot.id == ballot.id).execution_options(populate_existing=True)
        )
        raise Conflict("This ballot has just closed; your vote was not counted." if closed else ALREADY_VOTED)
    await _add_to_tally(session, ballot.id, increments(picked))
    code = secrets.token_urlsafe(18)
    await session.execute(insert(BallotReceipt).values(receipt_hash=receipt_hash(code), ballot_id=ballot.id))
    return code


@dataclass(frozen=True)
class MyParticipation:
    on_roll: bool
    recused: bool
    has_voted: bool
    can_vote_now: bool
    reason: str


async def my_participation(
    session: AsyncSession, caisse: Caisse, ballot_id: int, *, user_id: int, now: datetime
) -> MyParticipation:
    """Whether the caller is on the roll, recused, has voted, and may vote now (with why not)."""
    ballot = await get_ballot(session, caisse.id, ballot_id)
    standing = await _standing(session, ballot, user_id, now)
    refused = _refusal(ballot, standing, now)
    reason = "" if refused is None else refused.detail
    if standing.voter is None:
        return MyParticipation(False, False, False, False, reason)
    recused = standing.voter.recused or standing.linked_now
    return MyParticipation(True, recused, standing.voter.has_voted, refused is None, reason)


async def receipt_counted(session: AsyncSession, caisse: Caisse, ballot_id: int, code: str) -> bool:
    """Whether a receipt code was counted in the ballot. Only once the ballot is closed."""
    ballot = await get_ballot(session, caisse.id, ballot_id)
    if ballot.closed_at is None:
        raise Conflict("Receipts can be checked once the ballot is closed and its result published.")
    found = await session.scalar(
        select(BallotReceipt.ballot_id).where(
            BallotReceipt.receipt_hash == receipt_hash(code), BallotReceipt.ballot_id == ballot.id
        )
    )
    return found is not None
