"""Runs as background jobs that survive several server workers.

A run's state lives in the database, never in a worker's memory: the worker that accepted a run
computes it in a thread of its own pool (off the event loop; numpy releases the GIL inside its C
loops only, so the engines' month loops still hold it now and then) while a task on
its event loop writes the progress and a heartbeat to the run's row every few seconds, then the
result. Any worker can therefore answer "where is run 42?".

A worker that dies (crash, restart, deployment) stops writing heartbeats. Whenever a caisse's runs
are read or a new run is started, runs still queued or running whose heartbeat is older than
STALE_AFTER are marked failed, saying why — so a dead run never stays "running" forever nor keeps
counting against the limits of runs under way. A worker that shuts down cleanly stops its runs and
marks them failed itself (`stop_runs`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import secrets
import socket
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from caisse.db.base import UtcDateTime, utcnow
from caisse.simulations.compute import Compute
from caisse.simulations.models import ACTIVE_STATUSES, RunStatus, SimulationRun

log = logging.getLogger("caisse.simulations")


@functools.cache
def _worker_of(pid: int) -> str:
    return f"{socket.gethostname()[:80]}:{pid}:{secrets.token_hex(4)}"


def worker() -> str:
    """This process, as written in the rows of the runs it computes: named when first asked, so
    that workers forked from one preloaded server (`gunicorn --preload`) each get their own name."""
    return _worker_of(os.getpid())


HEARTBEAT_SECONDS = 2.0
STALE_AFTER = timedelta(seconds=60)
# Runs computed at once by one worker process; more wait, queued, in the pool.
THREADS = 2
STOPPED = (
    "The server process computing this run stopped before it finished (a restart or a crash). "
    "Start the run again."
)
INTERNAL = "The simulation failed on the server. The error is logged; start the run again or report it."

_pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="caisse-simulation")


# How long a shutdown waits for the stopped runs' watchers (a chunk of paths at most).
STOP_WAIT_SECONDS = 10.0
# Attempts at writing a run's end (result or error) before giving up, and the pause between them.
FINAL_WRITE_ATTEMPTS = 5
FINAL_WRITE_PAUSE = 1.0


class RunStopped(Exception):
    """Raised in the computing thread at its next progress report once the run no longer needs it
    (its row was marked failed meanwhile)."""


class _Progress:
    """Written by the computing thread, read by the watching task; the task may stop the thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.started = False
        self.done = 0
        self.stopped = False

    def mark_started(self) -> None:
        with self._lock:
            self.started = True
            if self.stopped:
                raise RunStopped

    def update(self, done: int, _total: int) -> None:
        with self._lock:
            self.started, self.done = True, done
            if self.stopped:
                raise RunStopped

    def stop(self) -> None:
        with self._lock:
            self.stopped = True

    def snapshot(self) -> tuple[bool, int]:
        with self._lock:
            return self.started, self.done


@dataclass(eq=False)
class _Job:
    """A run this process computes: its thread's future and progress, the task watching it."""

    engine: AsyncEngine
    run_id: int
    progress: _Progress
    future: Future[bytes]
    task: asyncio.Task[None] | None = None


# Jobs under way, kept referenced until their watching task is done (the event loop only keeps
# weak references to tasks), and found again at shutdown.
_jobs: set[_Job] = set()


def launch(engine: AsyncEngine, run_id: int, compute: Compute) -> None:
    """Compute run `run_id` in this worker's pool; its row must be committed (status queued)."""
    progress = _Progress()
    job = _Job(engine, run_id, progress, _pool.submit(_guarded, compute, progress))
    job.task = asyncio.get_running_loop().create_task(_watch(job))
    _jobs.add(job)
    job.task.add_done_callback(lambda _task: _jobs.discard(job))
    job.task.add_done_callback(_report_failure)


async def stop_runs(engine: AsyncEngine) -> None:
    """At shutdown, before `engine` is disposed: stop the runs this process computes with it (a
    computing one at its next chunk, a queued one before it starts) and mark them failed now, with
    STOPPED, rather than let the shutdown wait for every queued run and throw its result away, and
    the runs look under way until a sweep a minute later."""
    stopping = [job for job in _jobs if job.engine is engine]
    if not stopping:
        return
    for job in stopping:
        job.progress.stop()
        job.future.cancel()
    now = utcnow()
    ids = [job.run_id for job in stopping]
    async with async_sessionmaker(engine)() as session:
        await session.execute(
            update(SimulationRun)
            .where(SimulationRun.id.in_(ids), SimulationRun.status.in_(ACTIVE_STATUSES))
            .values(status=RunStatus.FAILED, error=STOPPED, finished_at=now)
        )
        await session.commit()
    log.warning("stopped %s simulation runs at shutdown", len(stopping))
    # Each watcher ends once its computation has (a chunk at most): wait for them rather than
    # cancel them mid-write, so that none touches the engine once it is disposed.
    watching = [job.task for job in stopping if job.task is not None]
    _done, late = await asyncio.wait(watching, timeout=STOP_WAIT_SECONDS)
    for task in late:
        task.cancel()


def _report_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("watching a simulation run failed", exc_info=error)


def _guarded(compute: Compute, progress: _Progress) -> bytes:
    progress.mark_started()
    return compute(progress.update)


async def _watch(job: _Job) -> None:
    sessions = async_sessionmaker(job.engine, expire_on_commit=False)
    run_id, progress = job.run_id, job.progress
    future = asyncio.wrap_future(job.future)
    while True:
        finished, _ = await asyncio.wait({future}, timeout=HEARTBEAT_SECONDS)
        if finished:
            break
        started, done = progress.snapshot()
        try:
            alive = await _write(
                sessions, run_id, RunStatus.RUNNING if started else RunStatus.QUEUED, paths_done=done
            )
        except Exception:
            # A missed heartbeat (the database busy or restarting) is no reason to give up the run:
            # the next one may pass, and the sweep only gives up after STALE_AFTER.
            log.warning("simulation run %s: heartbeat not written", run_id, exc_info=True)
            continue
        if not alive:
            # Marked failed meanwhile (this worker looked dead): its result would be thrown away.
            log.warning("simulation run %s was marked finished elsewhere: stopping it", run_id)
            progress.stop()
            await asyncio.wait({future})
            return
    try:
        result = future.result()
    except RunStopped:
        return
    except ValueError as error:  # the simulator's message for a person: say it as it is
        await _write_end(sessions, run_id, RunStatus.FAILED, error=str(error))
    except Exception:
        log.exception("simulation run %s failed", run_id)
        await _write_end(sessions, run_id, RunStatus.FAILED, error=INTERNAL)
    else:
        await _write_end(sessions, run_id, RunStatus.DONE, result=result.decode())


async def _write_end(
    sessions: async_sessionmaker[AsyncSession],
    run_id: int,
    status: RunStatus,
    *,
    result: str | None = None,
    error: str | None = None,
) -> None:
    """Write the run's end, trying again a few times: minutes of computing hang on this write."""
    for attempt in range(1, FINAL_WRITE_ATTEMPTS + 1):
        try:
            await _write(sessions, run_id, status, result=result, error=error)
            return
        except Exception:
            if attempt == FINAL_WRITE_ATTEMPTS:
                raise
            log.warning("simulation run %s: its end not written (attempt %s)", run_id, attempt, exc_info=True)
            await asyncio.sleep(FINAL_WRITE_PAUSE * attempt)


async def _write(
    sessions: async_sessionmaker[AsyncSession],
    run_id: int,
    status: RunStatus,
    *,
    paths_done: int | None = None,
    result: str | None = None,
    error: str | None = None,
) -> bool:
    """Update the run's row unless it is already finished (e.g. marked failed by a sweep while this
    worker was unreachable: the sweep's word stands); False when it was."""
    now = utcnow()
    values: dict[str, object] = {"status": status, "heartbeat_at": now, "worker": worker()}
    if paths_done is not None:
        values["paths_done"] = paths_done
    if status is not RunStatus.QUEUED:
        # The first write of a started run stamps its start; later ones keep that stamp.
        values["started_at"] = func.coalesce(SimulationRun.started_at, literal(now, UtcDateTime()))
    if status.finished:
        values |= {"finished_at": now, "result": result, "error": error}
    if status is RunStatus.DONE:
        values["paths_done"] = SimulationRun.paths_total
    async with sessions() as session:
        written = await session.execute(
            update(SimulationRun)
            .where(SimulationRun.id == run_id, SimulationRun.status.in_(ACTIVE_STATUSES))
            .values(values)
        )
        await session.commit()
    return bool(written.rowcount)  # type: ignore[attr-defined]


async def mark_stale_runs(session: AsyncSession, caisse_id: int | None = None) -> None:
    """Mark failed the runs still under way (of one caisse, or of all) whose worker has stopped
    writing heartbeats.

    Looks before it writes: this runs on every view of the runs, and on SQLite even an UPDATE that
    matches nothing takes the database's one write lock until the request ends, queuing the tills'
    payments behind page views. A stale run is rare."""
    now = utcnow()
    stale = [SimulationRun.status.in_(ACTIVE_STATUSES), SimulationRun.heartbeat_at < now - STALE_AFTER]
    if caisse_id is not None:
        stale.append(SimulationRun.caisse_id == caisse_id)
    if await session.scalar(select(SimulationRun.id).where(*stale).limit(1)) is None:
        return
    await session.execute(
        update(SimulationRun).where(*stale).values(status=RunStatus.FAILED, error=STOPPED, finished_at=now)
    )
