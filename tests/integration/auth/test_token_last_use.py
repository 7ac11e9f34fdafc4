"""A token's last use is recorded to the minute, not written on every request."""

from __future__ import annotations

from datetime import timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import ApiToken
from tests.conftest import World


async def _last_used(db: AsyncSession, user_id: int) -> object:
    db.expire_all()
    return await db.scalar(select(ApiToken.last_used_at).where(ApiToken.user_id == user_id))


async def test_last_use_is_written_at_most_once_a_minute(
    world: World, client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    staff, user_id = world.headers["staff"], world.user_ids["staff"]
    assert (await client.get("/api/v1/caisses/test", headers=staff)).status_code == 200
    first = await _last_used(db, user_id)
    assert first is not None
    assert (await client.get("/api/v1/caisses/test", headers=staff)).status_code == 200
    assert await _last_used(db, user_id) == first
    await db.execute(
        update(ApiToken).where(ApiToken.user_id == user_id).values(last_used_at=first - timedelta(minutes=2))  # type: ignore[operator]
    )
    await db.commit()
    assert (await client.get("/api/v1/caisses/test", headers=staff)).status_code == 200
    assert await _last_used(db, user_id) > first  # type: ignore[operator]
