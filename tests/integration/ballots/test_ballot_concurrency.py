"""One person, one vote when submissions arrive at once; a result applied once when closes race."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from caisse.ballots.closing import close_ballot
from caisse.ballots.models import Ballot, BallotReceipt, BallotTally
from caisse.ballots.voting import cast_vote
from caisse.caisses.models import Caisse
from caisse.caisses.service import get_caisse
from caisse.db.engine import make_engine, make_sessionmaker
from caisse.outlets.models import OutletStatusChange
from caisse.settings import Settings
from tests.integration.ballots.ballot_helpers import (
    CLOSES,
    DURING,
    new_outlet,
    open_ballot,
    seat_committee,
    vote_all,
)


@pytest.fixture
async def engines(settings: Settings) -> AsyncIterator[list[AsyncEngine]]:
    """Two engines, as two app workers would have: separate pools, separate connections."""
    made = [make_engine(settings), make_engine(settings)]
    yield made
    for engine in made:
        await engine.dispose()


async def _attempt_vote(engine: AsyncEngine, ballot_id: int, user_id: int, choice: str) -> str:
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            caisse = await get_caisse(session, "test")
            await cast_vote(session, caisse, ballot_id, user_id=user_id, choice=choice, now=DURING)
            return "counted"
    except Exception as exc:  # the outcome is what the test compares
        return type(exc).__name__


async def _counts(db: AsyncSession, ballot_id: int) -> tuple[int, int]:
    tally = await db.scalar(
        select(BallotTally)
        .where(BallotTally.ballot_id == ballot_id)
        .execution_options(populate_existing=True)
    )
    receipts = await db.scalar(select(func.count()).where(BallotReceipt.ballot_id == ballot_id))
    assert tally is not None
    return tally.for_count + tally.against_count + tally.abstain_count, int(receipts or 0)


async def test_two_votes_by_the_same_person_at_once_count_once(
    db: AsyncSession, test_caisse: Caisse, engines: list[AsyncEngine]
) -> None:
    voters = await seat_committee(db, test_caisse.id, 2)
    ballot = await open_ballot(db, test_caisse)
    outcomes = await asyncio.gather(
        _attempt_vote(engines[0], ballot.id, voters[0].user_id, "for"),
        _attempt_vote(engines[1], ballot.id, voters[0].user_id, "against"),
    )
    assert sorted(outcomes) == ["Conflict", "counted"]
    assert await _counts(db, ballot.id) == (1, 1)


async def test_eight_simultaneous_votes_by_one_person_count_once(
    db: AsyncSession, test_caisse: Caisse, engines: list[AsyncEngine]
) -> None:
    voters = await seat_committee(db, test_caisse.id, 1)
    ballot = await open_ballot(db, test_caisse)
    outcomes = await asyncio.gather(
        *(_attempt_vote(engines[n % 2], ballot.id, voters[0].user_id, "for") for n in range(8))
    )
    assert sorted(outcomes) == ["Conflict"] * 7 + ["counted"]
    assert await _counts(db, ballot.id) == (1, 1)


async def test_votes_racing_a_close_are_either_in_the_result_or_refused(
    db: AsyncSession, test_caisse: Caisse, engines: list[AsyncEngine]
) -> None:
    voters = await seat_committee(db, test_caisse.id, 6)
    ballot = await open_ballot(db, test_caisse, quorum_percent=0)
    await vote_all(db, test_caisse, ballot.id, voters[:1], ["for"])

    async def late_vote(n: int) -> str:
        try:
            async with make_sessionmaker(engines[n % 2])() as session, session.begin():
                here = await get_caisse(session, "test")
                await cast_vote(
                    session, here, ballot.id, user_id=voters[n].user_id, choice="against",
                    now=CLOSES - timedelta(seconds=1),
                )  # fmt: skip
                return "counted"
        except Exception as exc:  # the outcome is what the test compares
            return type(exc).__name__

    async def closer() -> str:
        async with make_sessionmaker(engines[0])() as session, session.begin():
            await close_ballot(session, await get_caisse(session, "test"), ballot.id, now=CLOSES)
            return "closed"

    outcomes = await asyncio.gather(*(late_vote(n) for n in range(1, 6)), closer())
    counted = outcomes.count("counted")
    assert outcomes[-1] == "closed" and set(outcomes[:-1]) <= {"counted", "Conflict"}
    result = await db.scalar(
        select(Ballot).where(Ballot.id == ballot.id).execution_options(populate_existing=True)
    )
    assert result is not None
    assert (result.result_for, result.result_against, result.result_votes_cast) == (1, counted, 1 + counted)
    assert await _counts(db, ballot.id) == (1 + counted, 1 + counted)


async def test_closes_at_the_same_moment_apply_the_result_once(
    db: AsyncSession, test_caisse: Caisse, engines: list[AsyncEngine]
) -> None:
    voters = await seat_committee(db, test_caisse.id, 2)
    outlet = await new_outlet(db, test_caisse)
    ballot = await open_ballot(db, test_caisse, kind="convene", outlet_id=outlet.id)
    await vote_all(db, test_caisse, ballot.id, voters, ["for", "for"])

    async def attempt(n: int) -> str:
        try:
            async with make_sessionmaker(engines[n % 2])() as session, session.begin():
                await close_ballot(session, await get_caisse(session, "test"), ballot.id, now=CLOSES)
                return "closed"
        except Exception as exc:  # the outcome is what the test compares
            return type(exc).__name__

    outcomes = await asyncio.gather(*(attempt(n) for n in range(4)))
    assert sorted(outcomes) == ["Conflict"] * 3 + ["closed"]
    changes = await db.scalar(
        select(func.count()).where(OutletStatusChange.decision_ref == f"ballot:{ballot.id}")
    )
    assert changes == 1
