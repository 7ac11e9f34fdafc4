"""`caisse.db.locks.lock_row`: one writer at a time on a row, on both backends, nothing changed."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from caisse.caisses.models import Caisse
from caisse.db.engine import make_sessionmaker
from caisse.db.locks import RowLock, lock_row
from caisse.outlets.models import Outlet
from tests.integration.outlets.helpers import AddOutlet


async def test_locking_an_outlet_changes_nothing_and_returns_it_fresh(
    db: AsyncSession, test_caisse: Caisse, add_outlet: AddOutlet
) -> None:
    outlet = await add_outlet(test_caisse)
    updated_at = outlet.updated_at
    locked = await lock_row(db, Outlet, Outlet.id == outlet.id, Outlet.caisse_id == test_caisse.id)
    await db.commit()
    assert locked is not None and locked.id == outlet.id
    await db.refresh(outlet)
    assert outlet.updated_at == updated_at  # the no-op write keeps `onupdate` columns as they are
    assert await lock_row(db, Outlet, Outlet.id == outlet.id, Outlet.caisse_id == test_caisse.id + 1) is None
    await db.rollback()


async def _lock_and_read_name(engine: AsyncEngine, outlet_id: int, mode: RowLock) -> str:
    async with make_sessionmaker(engine)() as session, session.begin():
        found: Any = await lock_row(session, Outlet, Outlet.id == outlet_id, mode=mode)
        return str(found.name)


async def test_a_second_writer_waits_for_the_first_and_then_reads_its_change(
    engine: AsyncEngine, db: AsyncSession, test_caisse: Caisse, add_outlet: AddOutlet
) -> None:
    outlet = await add_outlet(test_caisse)
    for mode in (RowLock.NO_KEY_UPDATE, RowLock.UPDATE):
        async with make_sessionmaker(engine)() as first, first.begin():
            mine: Any = await lock_row(first, Outlet, Outlet.id == outlet.id, mode=mode)
            mine.name = f"Renamed under {mode.value}"
            await first.flush()
            second = asyncio.create_task(_lock_and_read_name(engine, outlet.id, mode))
            await asyncio.sleep(0.3)
            assert not second.done()  # held by the first writer
        assert await second == f"Renamed under {mode.value}"
