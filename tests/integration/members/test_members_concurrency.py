"""Registrations at the same moment never share a member code."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from caisse.caisses.service import get_caisse
from caisse.db.engine import make_sessionmaker
from caisse.members.models import Member
from caisse.members.registration import create_member
from tests.integration.members.helpers import DECLARED


async def test_twenty_simultaneous_registrations_get_twenty_codes(
    engine: AsyncEngine, db: AsyncSession, world: Any
) -> None:
    sessions = make_sessionmaker(engine)

    async def register(n: int) -> str:
        async with sessions() as session, session.begin():
            caisse = await get_caisse(session, "test")
            member = await create_member(
                session, caisse, reference_person=f"Foyer {n}", email=f"foyer{n}@example.org",
                monthly_income_cents=100_000 + n, income_declared_on=DECLARED,
            )
            return member.code

    codes = await asyncio.gather(*(register(n) for n in range(20)))
    assert sorted(codes) == [f"T-{n:06d}" for n in range(1, 21)]
    stored = await db.scalars(select(Member.code).where(Member.caisse_id == world.caisse_id))
    assert sorted(stored) == sorted(codes)


async def test_the_same_email_registered_twice_at_once_is_kept_once(
    engine: AsyncEngine, db: AsyncSession, world: Any
) -> None:
    sessions = make_sessionmaker(engine)

    async def register(n: int) -> str:
        try:
            async with sessions() as session, session.begin():
                caisse = await get_caisse(session, "test")
                await create_member(
                    session, caisse, reference_person=f"Foyer {n}", email="same@example.org",
                    monthly_income_cents=100_000, income_declared_on=DECLARED,
                )
                return "created"
        except Exception as exc:  # the outcome is what the test compares
            return type(exc).__name__

    outcomes = await asyncio.gather(*(register(n) for n in range(5)))
    assert sorted(outcomes) == ["Conflict"] * 4 + ["created"]
