"""Shared values of the lottery tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.committee.models import LotteryDraw
from caisse.db.base import utcnow

LOTTERIES = "/api/v1/caisses/test/lotteries"
PUBLIC = "/api/v1/public/caisses/test/lotteries"
DIMENSIONS = {"income_band": ["low", "middle", "high"], "age_group": ["young", "old"]}


def plan(**changes: Any) -> dict[str, Any]:
    """A draw of 6 seats: one per income band and age group."""
    quotas = [
        {"stratum": {"income_band": band, "age_group": age}, "seats": 1}
        for band in DIMENSIONS["income_band"]
        for age in DIMENSIONS["age_group"]
    ]
    closes_at = (utcnow() + timedelta(days=7)).isoformat()
    return {
        "purpose": "Comité citoyen 2027",
        "seats": 6,
        "dimensions": DIMENSIONS,
        "quotas": quotas,
        "closes_at": closes_at,
        **changes,
    }


async def close_registration(db: AsyncSession, reference: str) -> None:
    """Move the draw's closing time into the past, as if the registration week had passed."""
    await db.execute(
        update(LotteryDraw)
        .where(LotteryDraw.reference == reference)
        .values(closes_at=utcnow() - timedelta(seconds=1))
    )
    await db.commit()
