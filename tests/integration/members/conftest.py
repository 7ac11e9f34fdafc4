"""Fixtures for members tests: the world's caisse, and registering households through the service."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.caisses.service import get_caisse
from caisse.members.models import Member
from caisse.members.registration import create_member
from tests.integration.members.helpers import DECLARED, AddMember


@pytest.fixture
async def test_caisse(db: AsyncSession, world: Any) -> Caisse:
    return await get_caisse(db, world.slug)


@pytest.fixture
def add_member(db: AsyncSession) -> AddMember:
    """Register a household through the service and commit: `await add_member(caisse, name=...)`."""

    async def add(caisse: Caisse, name: str = "Foyer", **values: Any) -> Member:
        values = {"monthly_income_cents": 150_000, "income_declared_on": DECLARED, **values}
        member = await create_member(db, caisse, reference_person=name, **values)
        await db.commit()
        return member

    return add
