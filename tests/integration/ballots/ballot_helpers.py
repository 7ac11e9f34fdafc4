"""Shared arrangements of the ballot tests: a seated committee, links, ballots, votes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import service as auth
from caisse.auth.models import Role
from caisse.ballots.closing import close_ballot
from caisse.ballots.create import create_ballot
from caisse.ballots.drafts import BallotInput
from caisse.ballots.models import Ballot
from caisse.ballots.voting import cast_vote
from caisse.caisses.models import Caisse
from caisse.committee.models import CommitteeMembership, DeclaredLink, LinkNature, SeatSource
from caisse.outlets.conventioning import record_decision
from caisse.outlets.models import Outlet
from caisse.outlets.service import create_outlet

OPENS = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
CLOSES = OPENS + timedelta(days=7)
DURING = OPENS + timedelta(days=1)
TERM = (date(2027, 1, 1), date(2028, 12, 31))


@dataclass(frozen=True)
class Voter:
    user_id: int
    name: str
    email: str
    headers: dict[str, str]


async def seat_committee(
    db: AsyncSession,
    caisse_id: int,
    count: int,
    *,
    prefix: str = "voter",
    term: tuple[date, date] = TERM,
    grant_committee_role: bool = True,
) -> list[Voter]:
    """`count` new users, each seated on the committee for `term`, with an API token (committed)."""
    voters = []
    for n in range(count):
        name = f"{prefix.title()} Number{n}"
        email = f"{prefix}{n}@example.org"
        user = await auth.create_user(db, email=email, display_name=name, password="correct horse battery")
        if grant_committee_role:
            await auth.grant_role(db, user_id=user.id, caisse_id=caisse_id, role=Role.COMMITTEE)
        db.add(
            CommitteeMembership(
                caisse_id=caisse_id, user_id=user.id, starts_on=term[0], ends_on=term[1],
                source=SeatSource.ELECTED, source_ref="AG 2026",
            )
        )  # fmt: skip
        _, token = await auth.issue_api_token(db, user_id=user.id, name="tests")
        voters.append(Voter(user.id, name, email, {"Authorization": f"Bearer {token}"}))
    await db.commit()
    return voters


async def declare_link(
    db: AsyncSession, caisse_id: int, user_id: int, outlet_id: int, declared_on: date
) -> None:
    db.add(
        DeclaredLink(
            caisse_id=caisse_id, user_id=user_id, outlet_id=outlet_id, nature=LinkNature.SUPPLIER,
            declared_on=declared_on,
        )
    )  # fmt: skip
    await db.commit()


async def new_outlet(db: AsyncSession, caisse: Caisse, name: str = "Ferme du Couserans") -> Outlet:
    outlet = await create_outlet(
        db, caisse, values={"name": name, "kind": "producer", "commune": "Saint-Girons"},
        today=date(2027, 1, 10),
    )  # fmt: skip
    await db.commit()
    return outlet


async def conventioned_outlet(db: AsyncSession, caisse: Caisse, name: str = "Marché de Foix") -> Outlet:
    outlet = await new_outlet(db, caisse, name)
    await record_decision(db, caisse, outlet.id, decision="convene", effective_on=date(2027, 1, 15))
    await db.commit()
    return outlet


async def open_ballot(
    db: AsyncSession, caisse: Caisse, *, kind: str = "motion", now: datetime = OPENS, **values: Any
) -> Ballot:
    """A ballot opening at OPENS and closing at CLOSES unless told otherwise (committed), with any
    quorum, rule or length the test gives (as a caisse administrator may)."""
    values = {"title": "Motion", "opens_at": OPENS, "closes_at": CLOSES, **values}
    ballot = await create_ballot(
        db, caisse, BallotInput(kind=kind, **values), now=now, by_user_id=None, may_relax_rules=True
    )
    await db.commit()
    return ballot


async def vote(
    db: AsyncSession, caisse: Caisse, ballot_id: int, voter: Voter | int, choice: str, now: datetime = DURING
) -> str:
    user_id = voter if isinstance(voter, int) else voter.user_id
    code = await cast_vote(db, caisse, ballot_id, user_id=user_id, choice=choice, now=now)
    await db.commit()
    return code


async def vote_all(
    db: AsyncSession, caisse: Caisse, ballot_id: int, voters: list[Voter], choices: list[str]
) -> list[str]:
    return [await vote(db, caisse, ballot_id, v, c) for v, c in zip(voters, choices, strict=True)]


async def close(db: AsyncSession, caisse: Caisse, ballot_id: int, now: datetime = CLOSES) -> Ballot:
    ballot = await close_ballot(db, caisse, ballot_id, now=now)
    await db.commit()
    return ballot
