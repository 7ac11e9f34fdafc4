"""The pages' aggregate reads agree with the services and run a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.service import get_caisse
from caisse.demo.build import build_demo
from caisse.reports.month import month_report
from tests.conftest import World
from tests.integration.web.web_fixtures import Client, conventioned_outlet
from web.queries import month_end_series


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """SQL statements executed while the test runs (every engine)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


async def test_month_end_series_matches_the_month_reports(db: AsyncSession) -> None:
    summary = await build_demo(db, households=8, months=3)
    await db.commit()
    caisse = await get_caisse(db, summary.slug)
    series = await month_end_series(db, caisse.id, summary.months)
    for point in series:
        report = await month_report(db, caisse, point.month)
        assert point.reserve_cents == report.reserve_cents
        assert point.outstanding_credit_cents == report.outstanding_credit_cents


async def _count(client: Client, statements: list[str], path: str) -> int:
    before = len(statements)
    response = await client.get(path)
    assert response.status_code == 200
    return len(statements) - before


async def test_directory_runs_the_same_queries_for_two_or_eight_outlets(
    world: World, client: Client, db: AsyncSession, statements: list[str]
) -> None:
    caisse = await get_caisse(db, "test")
    for n in range(2):
        await conventioned_outlet(db, caisse, f"Lieu {n}")
    await db.commit()
    await client.get("/c/test/lieux")  # warm up: the first request also reads the catalogues
    few = await _count(client, statements, "/c/test/lieux")
    for n in range(2, 8):
        await conventioned_outlet(db, caisse, f"Lieu {n}")
    await db.commit()
    many = await _count(client, statements, "/c/test/lieux")
    assert few == many


async def test_transparency_runs_the_same_queries_for_one_or_three_months(
    client: Client, db: AsyncSession, statements: list[str]
) -> None:
    summary = await build_demo(db, households=4, months=3)
    await db.commit()
    first, last = summary.months[0], summary.months[-1]
    await client.get(f"/c/{summary.slug}/transparence?mois={first}")
    one = await _count(client, statements, f"/c/{summary.slug}/transparence?mois={first}")
    three = await _count(client, statements, f"/c/{summary.slug}/transparence?mois={last}")
    assert one == three
