"""The public outlet list reads every outlet's convention and grid in a fixed number of queries, with
the same figures as reading them one outlet at a time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.service import get_caisse
from caisse.demo.build import build_demo
from caisse.outlets import grid as grids
from caisse.outlets import service
from caisse.outlets.conventioning import current_convention
from caisse.outlets.models import OutletStatus
from caisse.periods import caisse_today

Client = AsyncTestClient[Litestar]


@pytest.fixture
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


async def test_public_list_matches_the_outlet_by_outlet_reads(db: AsyncSession) -> None:
    summary = await build_demo(db, households=8, months=1)
    await db.commit()
    caisse = await get_caisse(db, summary.slug)
    today = caisse_today()
    outlets, _ = await service.list_outlets(
        db, caisse.id, service.OutletFilter(status=OutletStatus.CONVENTIONED), limit=500
    )
    expected = []
    for outlet in outlets:
        convention = await current_convention(db, outlet.id, today)
        if convention is not None:
            expected.append((outlet.id, convention.id, await grids.outlet_grid(db, caisse.id, outlet.id)))
    assert len(expected) >= 2 and any(grid.lines and grid.lines[0].readings for *_, grid in expected)
    rows = await service.public_outlets(db, caisse.id, today)
    assert [(o.id, c.id, g) for o, c, g in rows] == expected


async def test_public_list_runs_a_fixed_number_of_queries(
    client: Client, db: AsyncSession, statements: list[str]
) -> None:
    summary = await build_demo(db, households=8, months=1)
    await db.commit()
    path = f"/api/v1/public/caisses/{summary.slug}/outlets"
    first = await client.get(path)
    assert first.status_code == 200 and len(first.json()) >= 2
    before = len(statements)
    response = await client.get(path)
    assert response.status_code == 200 and response.json() == first.json()
    # The caisse, the outlets and their count, their conventions, the criteria, the assessments.
    assert len(statements) - before <= 6
