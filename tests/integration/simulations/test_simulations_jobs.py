"""A run's watcher survives database hiccups (a missed heartbeat, a failed last write) and stops the
computation once the run was marked failed elsewhere, instead of computing a result nobody keeps."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.app import create_app
from caisse.db.base import utcnow
from caisse.settings import Settings
from caisse.simulations import jobs, service
from caisse.simulations.models import RunKind, RunStatus, SimulationRun
from caisse.simulations.scenarios import PreparedRun
from simulation.run import Progress
from tests.conftest import World
from tests.integration.simulations.test_simulations_api import URL, Client, tiny, wait_done


def slow_computation(steps: int, ended: threading.Event) -> Any:
    """A stand-in computation of `steps` progress reports 10 ms apart; `ended` is set when it ends,
    however it ends."""

    def computation(_prepared: PreparedRun) -> Any:
        def compute(on_progress: Progress) -> bytes:
            try:
                for step in range(steps):
                    time.sleep(0.01)
                    on_progress(step, steps)
                return b'{"ok": true}'
            finally:
                ended.set()

        return compute

    return computation


@pytest.fixture
def quick_heartbeats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "HEARTBEAT_SECONDS", 0.02)
    monkeypatch.setattr(jobs, "FINAL_WRITE_PAUSE", 0.0)


async def test_missed_heartbeats_and_a_failed_last_write_lose_nothing(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch, quick_heartbeats: None
) -> None:
    ended = threading.Event()
    monkeypatch.setattr(service, "computation", slow_computation(40, ended))
    write = jobs._write
    failures = {"heartbeat": 3, "end": 2}

    async def flaky(*args: Any, **kwargs: Any) -> bool:
        which = "end" if args[2].finished else "heartbeat"
        if failures[which] > 0:
            failures[which] -= 1
            raise OSError("database is locked")
        return await write(*args, **kwargs)

    monkeypatch.setattr(jobs, "_write", flaky)
    official = world.headers["official"]
    started = await client.post(URL, json={"scenarios": [{"scenario": tiny()}]}, headers=official)
    assert started.status_code == 202, started.text
    run = await wait_done(client, started.json()["url"], official)
    assert run["status"] == "done" and run["result"] == {"ok": True}
    assert failures == {"heartbeat": 0, "end": 0}


async def test_a_run_marked_failed_elsewhere_stops_computing(
    client: Client, db: AsyncSession, world: World, monkeypatch: pytest.MonkeyPatch, quick_heartbeats: None
) -> None:
    ended = threading.Event()
    monkeypatch.setattr(service, "computation", slow_computation(1000, ended))  # 10 s if never stopped
    official = world.headers["official"]
    started = await client.post(URL, json={"scenarios": [{"scenario": tiny()}]}, headers=official)
    run_id = started.json()["id"]
    await asyncio.sleep(0.1)
    await db.execute(
        update(SimulationRun)
        .where(SimulationRun.id == run_id)
        .values(status=RunStatus.FAILED, error=jobs.STOPPED)
    )
    await db.commit()
    # The thread's event, waited for off the event loop (the watcher runs on it).
    assert await asyncio.to_thread(ended.wait, 5), "the computation went on"
    await asyncio.sleep(0.1)
    run = (await client.get(started.json()["url"], headers=official)).json()
    assert run["status"] == "failed" and run["error"] == jobs.STOPPED


async def test_reading_the_runs_writes_nothing_unless_a_run_is_stale(db: AsyncSession, world: World) -> None:
    """Views of the runs sweep dead runs; on SQLite an UPDATE matching nothing would still take the
    one write lock until the request ends."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.split(None, 1)[0].upper())

    sync_engine = db.bind.sync_engine  # type: ignore[union-attr]
    event.listen(sync_engine, "before_cursor_execute", record)
    try:
        await jobs.mark_stale_runs(db, world.caisse_id)
        assert "UPDATE" not in statements
        dead = SimulationRun(
            caisse_id=world.caisse_id, kind=RunKind.SIMULATE, status=RunStatus.RUNNING, label="dead",
            paths_total=10, request="{}", worker="gone:1:abcd", heartbeat_at=utcnow() - timedelta(minutes=5),
        )  # fmt: skip
        db.add(dead)
        await db.commit()
        await jobs.mark_stale_runs(db, world.caisse_id)
        await db.commit()
    finally:
        event.remove(sync_engine, "before_cursor_execute", record)
    await db.refresh(dead)
    assert dead.status is RunStatus.FAILED and dead.error == jobs.STOPPED


async def test_a_shutdown_stops_the_runs_and_says_so_at_once(
    settings: Settings, db: AsyncSession, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    ended = threading.Event()
    monkeypatch.setattr(service, "computation", slow_computation(1000, ended))  # 10 s if never stopped
    async with AsyncTestClient(app=create_app(settings)) as client:
        started = await client.post(
            URL, json={"scenarios": [{"scenario": tiny()}]}, headers=world.headers["official"]
        )
        assert started.status_code == 202, started.text
        await asyncio.sleep(0.1)
    began = time.monotonic()
    assert await asyncio.to_thread(ended.wait, 5), "the computation went on after the shutdown"
    assert time.monotonic() - began < 2
    run = await db.get(SimulationRun, started.json()["id"], populate_existing=True)
    assert run is not None and run.status is RunStatus.FAILED and run.error == jobs.STOPPED


def test_each_forked_worker_names_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers forked from one preloaded server share its memory: each must still write its own
    name in the runs it computes, or none could tell a dead worker's runs from its own."""
    parent = jobs.worker()
    assert jobs.worker() == parent
    monkeypatch.setattr(jobs.os, "getpid", lambda: 1_000_001)
    child = jobs.worker()
    assert child != parent and ":1000001:" in child
