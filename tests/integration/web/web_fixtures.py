"""Arrangements shared by the web page tests and the browser tests: conventioned outlets, a
committee, a closed ballot, and logging in through the login form (with its CSRF token)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import service as auth
from caisse.ballots.closing import close_ballot
from caisse.ballots.create import create_ballot
from caisse.ballots.drafts import BallotInput
from caisse.ballots.models import Ballot
from caisse.ballots.voting import cast_vote
from caisse.caisses.models import Caisse
from caisse.committee.membership import seat_member
from caisse.outlets.conventioning import record_decision
from caisse.outlets.models import Outlet
from caisse.outlets.service import create_outlet
from caisse.periods import caisse_today

Client = AsyncTestClient[Litestar]
PASSWORD = "correct horse battery"
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def conventioned_outlet(
    db: AsyncSession,
    caisse: Caisse,
    name: str,
    *,
    kind: str = "producer",
    commune: str = "Foix",
    products: Sequence[str] = ("fruits_legumes",),
    since: date | None = None,
) -> Outlet:
    """An outlet conventioned since `since` (default: 30 days ago, so its convention covers today)."""
    since = since or caisse_today() - timedelta(days=30)
    values = {"name": name, "kind": kind, "commune": commune, "product_categories": list(products)}
    outlet = await create_outlet(db, caisse, values=values, today=since)
    await record_decision(
        db, caisse, outlet.id, decision="convene", effective_on=since, decision_ref="CR comité"
    )
    await db.flush()
    return outlet


async def applicant_outlet(db: AsyncSession, caisse: Caisse, name: str) -> Outlet:
    return await create_outlet(
        db, caisse, values={"name": name, "kind": "shop", "commune": "Pamiers"}, today=caisse_today()
    )


async def seat_committee(db: AsyncSession, caisse: Caisse, count: int, since: date) -> list[int]:
    """`count` new users seated on the committee from `since` for two years; their ids."""
    ids = []
    for n in range(count):
        user = await auth.create_user(
            db, email=f"seat{n}@{caisse.slug}.example.org", display_name=f"Seat {n}", password=PASSWORD
        )
        await seat_member(
            db,
            caisse,
            user_id=user.id,
            starts_on=since,
            ends_on=since + timedelta(days=730),
            source="elected",
        )
        ids.append(user.id)
    return ids


async def closed_convene_ballot(
    db: AsyncSession,
    caisse: Caisse,
    outlet: Outlet,
    voters: list[int],
    choices: Sequence[str],
    closes: datetime,
) -> Ballot:
    """A week-long ballot to convention `outlet`, voted by `voters` and closed at `closes` (UTC)."""
    opens = closes - timedelta(days=7)
    ballot = await create_ballot(
        db, caisse,
        BallotInput(title=f"Conventionner {outlet.name}", kind="convene", outlet_id=outlet.id, opens_at=opens,
                    closes_at=closes),
        now=opens, by_user_id=None,
    )  # fmt: skip
    for user_id, choice in zip(voters, choices, strict=True):
        await cast_vote(db, caisse, ballot.id, user_id=user_id, choice=choice, now=opens + timedelta(hours=1))
    return await close_ballot(db, caisse, ballot.id, now=closes)


def csrf_token(html: str) -> str:
    found = CSRF_FIELD.search(html)
    if found is None:
        raise AssertionError("the page has no CSRF field")
    return found.group(1)


async def form_token(client: Client, path: str = "/connexion") -> str:
    """Load a page (which sets the CSRF cookie) and return the token of its forms."""
    response = await client.get(path)
    assert response.status_code == 200, response.text
    return csrf_token(response.text)


async def log_in(client: Client, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    token = await form_token(client)
    return await client.post(
        "/connexion",
        data={"email": email, "password": password, "_csrf_token": token, **extra},
        follow_redirects=False,
    )


def utc(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)
