"""The export reads every table in one snapshot: rows committed by others meanwhile are not in it."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from caisse.auth.models import AuditEvent
from caisse.backup.export import snapshot


async def _events(reader: AsyncSession | AsyncConnection) -> int:
    return int(await reader.scalar(select(func.count()).select_from(AuditEvent)) or 0)


async def test_rows_committed_during_an_export_are_not_in_its_snapshot(
    engine: AsyncEngine, db: AsyncSession
) -> None:
    db.add(AuditEvent(action="member.read", subject_type="member", subject_id="1"))
    await db.commit()

    async with snapshot(engine) as connection:
        before = await _events(connection)
        db.add(AuditEvent(action="member.read", subject_type="member", subject_id="2"))
        await db.commit()
        during = await _events(connection)

    assert before == during == 1
    assert await _events(db) == 2
