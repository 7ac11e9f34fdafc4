"""Fixtures of the member pages' tests: the spending tests' caisse (outlets, till users, PINs, credit),
with the ledger checked after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import World
from tests.integration.spending.spend_helpers import SpendWorld, build_spend_world
from tests.ledger_checks import assert_ledger_ok


@pytest.fixture
async def spend_world(db: AsyncSession, world: World) -> SpendWorld:
    return await build_spend_world(db, world)


@pytest.fixture(autouse=True)
async def ledger_verified_after_each_test(db: AsyncSession) -> AsyncIterator[None]:
    yield
    await db.rollback()
    await assert_ledger_ok(db)
