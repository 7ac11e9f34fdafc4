"""Fixtures of the redemption tests: a caisse with outlets holding credit and money in the fund."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.integration.redemptions.payout_helpers import PayoutWorld, build_payout_world
from tests.ledger_checks import MoneyWorld, money_caisse, money_world

__all__ = ["money_caisse", "money_world"]


@pytest.fixture
async def payouts(db: AsyncSession, money_caisse: MoneyWorld) -> PayoutWorld:
    """For service and command-line tests (no users)."""
    return await build_payout_world(db, money_caisse)


@pytest.fixture
async def payouts_http(db: AsyncSession, money_world: MoneyWorld) -> PayoutWorld:
    """For HTTP tests: the world's users, plus the outlet users "ferme" and "epicerie"."""
    return await build_payout_world(db, money_world, with_users=True)
