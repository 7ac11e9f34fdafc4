"""Fixtures of the ballot tests: the world's caisse, as a model."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.caisses.service import get_caisse


@pytest.fixture
async def test_caisse(db: AsyncSession, world: Any) -> Caisse:
    return await get_caisse(db, world.slug)
