"""Fixtures of the staff pages' tests: the spending tests' caisse "ssa" (households SA-1 to SA-5 in
every status, conventioned outlets, till users, a member user, January's credit) whose `world`
users hold their roles there ("staff", "admin"; "outsider" is staff of another caisse), with the
ledger checked after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import World
from tests.integration.spending.spend_helpers import SpendWorld, build_spend_world
from tests.ledger_checks import MoneyWorld, assert_ledger_ok, build_money_world


@pytest.fixture
async def staff_world(db: AsyncSession, world: World) -> SpendWorld:
    return await build_spend_world(db, world)


@pytest.fixture
async def close_world(db: AsyncSession, world: World) -> MoneyWorld:
    """Caisse "ssa" with nothing booked yet (`build_money_world`): its months close as in life
    (the spending world books January's credit by hand, which a close of January would contradict)."""
    return await build_money_world(db, world)


@pytest.fixture
def staff(staff_world: SpendWorld) -> dict[str, str]:
    """The headers of the caisse's staff member (an API token: pages accept it as the login)."""
    return staff_world.headers["staff"]


@pytest.fixture(autouse=True)
async def ledger_verified_after_each_test(db: AsyncSession) -> AsyncIterator[None]:
    yield
    await db.rollback()
    await assert_ledger_ok(db)
