"""The database the browser tests read: the demo caisse (`caisse.demo.build.build_demo`).

When the demo has no conventioned outlet (it did not build conventioning at first), a few outlets
and a closed committee ballot are added so the directory and the decision log have something to
show. The tests read what to expect from the public JSON API, so they hold with either demo."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import User
from caisse.ballots.create import create_ballot
from caisse.ballots.drafts import BallotInput
from caisse.ballots.models import BallotVoter
from caisse.ballots.voting import cast_vote
from caisse.caisses.models import Caisse
from caisse.caisses.service import get_caisse
from caisse.db import append_only
from caisse.db.engine import make_engine, make_sessionmaker
from caisse.db.models import Base
from caisse.demo.build import DEMO_PASSWORD, DEMO_SLUG, DEMO_USERS, build_demo
from caisse.outlets import service as outlets
from caisse.outlets.models import OutletStatus
from caisse.periods import caisse_today
from caisse.settings import Settings
from tests.integration.web.web_fixtures import (
    applicant_outlet,
    closed_convene_ballot,
    conventioned_outlet,
    seat_committee,
)

STAFF_EMAIL = "staff@demo.caisse-commune.fr"
PASSWORD = DEMO_PASSWORD
SLUG = DEMO_SLUG
OUTLETS = (
    ("Ferme de la Garonne", "producer", "Langon", ("fruits_legumes", "oeufs")),
    ("Marché des Capucins", "market", "Bordeaux", ("fruits_legumes", "poisson", "viande")),
    ("Épicerie solidaire La Benauge", "epicerie_solidaire", "Bordeaux", ("epicerie", "conserves")),
    ("Boulangerie du Pays Foyen", "shop", "Sainte-Foy-la-Grande", ("pain",)),
    ("Coop de Bègles", "cooperative", "Bègles", ("epicerie", "produits_laitiers", "huiles_condiments")),
)


async def _build(url: str) -> None:
    engine = make_engine(Settings(database_url=url))
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        await conn.run_sync(append_only.install)
    async with make_sessionmaker(engine)() as session:
        await build_demo(session, households=30, months=3)
        caisse = await get_caisse(session, SLUG)
        _, conventioned = await outlets.list_outlets(
            session, caisse.id, outlets.OutletFilter(status=OutletStatus.CONVENTIONED), limit=1
        )
        if not conventioned:
            await _add_outlets_and_a_decision(session, caisse)
        await _ballot_awaiting_the_last_vote(session, caisse)
        await session.commit()
    await engine.dispose()


async def _add_outlets_and_a_decision(session: AsyncSession, caisse: Caisse) -> None:
    for name, kind, commune, products in OUTLETS:
        await conventioned_outlet(session, caisse, name, kind=kind, commune=commune, products=products)
    candidate = await applicant_outlet(session, caisse, "Primeur de Saint-Michel")
    voters = await seat_committee(session, caisse, 3, since=caisse_today() - timedelta(days=60))
    closes = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    await closed_convene_ballot(session, caisse, candidate, voters, ("for", "for", "abstain"), closes)


JOURNEY_OUTLET = "Maraîchers de l'Entre-deux-Mers"
COMMITTEE_EMAIL = DEMO_USERS[2][0]


async def _ballot_awaiting_the_last_vote(session: AsyncSession, caisse: Caisse) -> None:
    """A ballot to convention an applicant outlet, open now, that every sitting committee member
    but the demo's committee login has voted on: the committee journey casts the last vote and
    closes it (a ballot closes early once every eligible member has voted)."""
    outlet = await applicant_outlet(session, caisse, JOURNEY_OUTLET)
    now = datetime.now(UTC)
    proposal = BallotInput(title=f"Conventionner {JOURNEY_OUTLET}", kind="convene", outlet_id=outlet.id)
    ballot = await create_ballot(session, caisse, proposal, now=now, by_user_id=None)
    last = await session.scalar(select(User.id).where(User.email == COMMITTEE_EMAIL))
    roll = await session.scalars(
        select(BallotVoter.user_id).where(BallotVoter.ballot_id == ballot.id, BallotVoter.recused.is_(False))
    )
    for user_id in roll:
        if user_id != last:
            await cast_vote(session, caisse, ballot.id, user_id=user_id, choice="for", now=now)


def build_database(path: Path) -> str:
    """Create the SQLite file at `path`; returns its database URL.

    Built in a thread of its own: Playwright's sync API may already run an event loop in this one."""
    url = f"sqlite+aiosqlite:///{path}"
    with ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(asyncio.run, _build(url)).result()
    return url
