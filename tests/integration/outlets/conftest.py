"""Fixtures for outlet tests: the world's caisse and outlets entered through the service."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.caisses.service import get_caisse
from caisse.outlets.models import Outlet
from caisse.outlets.service import create_outlet
from tests.integration.outlets.helpers import ENTERED_ON, AddOutlet


@pytest.fixture
async def test_caisse(db: AsyncSession, world: Any) -> Caisse:
    return await get_caisse(db, world.slug)


@pytest.fixture
def add_outlet(db: AsyncSession) -> AddOutlet:
    async def add(caisse: Caisse, name: str = "Ferme du Couserans", **values: Any) -> Outlet:
        values = {"name": name, "kind": "producer", "commune": "Saint-Girons", "distance_km": 12, **values}
        outlet = await create_outlet(db, caisse, values=values, today=ENTERED_ON)
        await db.commit()
        return outlet

    return add
