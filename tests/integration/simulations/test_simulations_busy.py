"""Runs under way are bounded per caisse, per person (an official of several caisses) and for the
whole server, each refusal saying whose runs fill the room."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.db.base import utcnow
from caisse.simulations import service
from caisse.simulations.models import RunKind, RunStatus, SimulationRun
from tests.conftest import World
from tests.integration.simulations.test_simulations_api import URL, Client, tiny


def under_way(caisse_id: int, user_id: int | None) -> SimulationRun:
    return SimulationRun(
        caisse_id=caisse_id, kind=RunKind.SIMULATE, status=RunStatus.RUNNING, label="x", paths_total=10,
        request="{}", worker="elsewhere:1:abcd", heartbeat_at=utcnow(), requested_by_user_id=user_id,
    )  # fmt: skip


async def test_one_person_may_not_fill_the_server_from_several_caisses(
    client: Client, db: AsyncSession, world: World
) -> None:
    official = world.user_ids["official"]
    db.add_all([under_way(world.other_caisse_id, official) for _ in range(service.MAX_ACTIVE_PER_USER)])
    await db.commit()
    refused = await client.post(
        URL, json={"scenarios": [{"scenario": tiny()}]}, headers=world.headers["official"]
    )
    assert refused.status_code == 429, refused.text
    assert refused.json()["detail"].startswith("You already have")
    # Someone else of the caisse may still start one.
    started = await client.post(
        URL, json={"scenarios": [{"scenario": tiny()}]}, headers=world.headers["staff"]
    )
    assert started.status_code == 202, started.text


async def test_the_server_bounds_the_runs_of_every_caisse(
    client: Client, db: AsyncSession, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "MAX_ACTIVE_TOTAL", 1)
    db.add(under_way(world.other_caisse_id, None))
    await db.commit()
    refused = await client.post(
        URL, json={"scenarios": [{"scenario": tiny()}]}, headers=world.headers["official"]
    )
    assert refused.status_code == 429, refused.text
    assert refused.json()["detail"].startswith("The server is computing")
