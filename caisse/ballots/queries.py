"""Finding ballots: one by id (optionally locked), lists, participation, the public decision log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.ballots.models import Ballot, BallotOutcome, BallotVoter
from caisse.db.locks import RowLock, lock_row
from caisse.errors import NotFound, ValidationFailed
from caisse.outlets.models import Outlet
from caisse.pagination import check_window

STATES = ("upcoming", "open", "due", "closed", "cancelled")


def ballot_state(ballot: Ballot, now: datetime) -> str:
    """upcoming, open, due (voting over, result not yet published), closed or cancelled."""
    if ballot.outcome is BallotOutcome.CANCELLED:
        return "cancelled"
    if ballot.closed_at is not None:
        return "closed"
    if now < ballot.opens_at:
        return "upcoming"
    return "open" if now < ballot.closes_at else "due"


async def get_ballot(session: AsyncSession, caisse_id: int, ballot_id: int) -> Ballot:
    found = await session.scalar(select(Ballot).where(Ballot.id == ballot_id, Ballot.caisse_id == caisse_id))
    if found is None:
        raise NotFound(f"No ballot {ballot_id} in this caisse.")
    return found


async def lock_ballot(
    session: AsyncSession, caisse_id: int, ballot_id: int, *, shared: bool = False
) -> Ballot:
    """The ballot, locked for the rest of the transaction and re-read.

    PostgreSQL: FOR UPDATE to close or cancel, FOR SHARE to vote (votes run side by side, a close
    waits for the votes in flight and a vote arriving during a close waits, then sees it closed).
    SQLite serialises writers: closing starts with a no-op write on the row, so everything it reads
    afterwards is current; a vote's own guarded UPDATE (see voting.py) is its lock.
    """
    mode = RowLock.SHARE if shared else RowLock.UPDATE
    found = await lock_row(session, Ballot, Ballot.id == ballot_id, Ballot.caisse_id == caisse_id, mode=mode)
    if found is None:
        raise NotFound(f"No ballot {ballot_id} in this caisse.")
    return found


@dataclass(frozen=True)
class Participation:
    """How many on the roll have voted, out of those eligible (not recused)."""

    voted: int
    eligible: int
    recused: int


async def participations(session: AsyncSession, ballot_ids: list[int]) -> dict[int, Participation]:
    """Participation of several ballots in one query (a ballot without a roll counts zeros)."""
    found = {ballot_id: Participation(0, 0, 0) for ballot_id in ballot_ids}
    if not ballot_ids:
        return found
    rows = await session.execute(
        select(
            BallotVoter.ballot_id,
            func.sum(case((BallotVoter.has_voted, 1), else_=0)),
            func.sum(case((BallotVoter.recused, 0), else_=1)),
            func.sum(case((BallotVoter.recused, 1), else_=0)),
        )
        .where(BallotVoter.ballot_id.in_(ballot_ids))
        .group_by(BallotVoter.ballot_id)
    )
    for ballot_id, voted, eligible, recused in rows:
        found[ballot_id] = Participation(int(voted), int(eligible), int(recused))
    return found


async def participation(session: AsyncSession, ballot_id: int) -> Participation:
    return (await participations(session, [ballot_id]))[ballot_id]


async def outlet_names(session: AsyncSession, ballots: list[Ballot]) -> dict[int, str]:
    ids = {b.outlet_id for b in ballots if b.outlet_id is not None}
    if not ids:
        return {}
    rows = await session.execute(select(Outlet.id, Outlet.name).where(Outlet.id.in_(ids)))
    return {outlet_id: name for outlet_id, name in rows}


async def list_ballots(
    session: AsyncSession,
    caisse_id: int,
    *,
    now: datetime,
    state: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Ballot], int]:
    """Ballots of the caisse, latest opening first, optionally in one state (see STATES)."""
    check_window(limit, offset)
    where = [Ballot.caisse_id == caisse_id]
    if state is not None:
        if state not in STATES:
            raise ValidationFailed(
                f"state: unknown '{state}'; one of: {', '.join(STATES)}.",
                [{"field": "state", "message": f"one of: {', '.join(STATES)}."}],
            )
        pending = Ballot.closed_at.is_(None)
        where.append(
            {
                "upcoming": pending & (Ballot.opens_at > now),
                "open": pending & (Ballot.opens_at <= now) & (Ballot.closes_at > now),
                "due": pending & (Ballot.closes_at <= now),
                "closed": Ballot.closed_at.is_not(None) & (Ballot.outcome != BallotOutcome.CANCELLED),
                "cancelled": Ballot.outcome == BallotOutcome.CANCELLED,
            }[state]
        )
    total = int(await session.scalar(select(func.count()).select_from(Ballot).where(*where)) or 0)
    rows = await session.scalars(
        select(Ballot)
        .where(*where)
        .order_by(Ballot.opens_at.desc(), Ballot.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


async def decision_log(
    session: AsyncSession, caisse_id: int, *, limit: int = 50, offset: int = 0
) -> tuple[list[Ballot], int]:
    """Closed (and cancelled) ballots of the caisse, newest close first."""
    check_window(limit, offset)
    where = (Ballot.caisse_id == caisse_id, Ballot.closed_at.is_not(None))
    total = int(await session.scalar(select(func.count()).select_from(Ballot).where(*where)) or 0)
    rows = await session.scalars(
        select(Ballot)
        .where(*where)
        .order_by(Ballot.closed_at.desc(), Ballot.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


async def open_ballot_on_outlet(session: AsyncSession, outlet_id: int) -> Ballot | None:
    """A ballot on the outlet not yet closed or cancelled, if any."""
    return await session.scalar(
        select(Ballot).where(Ballot.outlet_id == outlet_id, Ballot.closed_at.is_(None)).limit(1)
    )
