"""A simulation run requested through the API or the officials' pages: its request, its progress and
its result, kept in the database so that any server worker can report on a run another one computes."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from caisse.db.base import Base, CreatedAtMixin, IdMixin, UtcDateTime, str_enum


class RunKind(enum.StrEnum):
    SIMULATE = "simulate"  # one scenario's forecast
    COMPARE = "compare"  # several scenarios with common random numbers
    SOLVE = "solve"  # the lever value meeting a target


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (RunStatus.DONE, RunStatus.FAILED)


ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class SimulationRun(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "simulation_run"
    # A caisse's runs, newest first; and the sweep of runs whose worker stopped.
    __table_args__ = (
        Index("ix_simulation_run_caisse_created", "caisse_id", "created_at"),
        Index("ix_simulation_run_status_heartbeat", "status", "heartbeat_at"),
    )

    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"))
    kind: Mapped[RunKind] = mapped_column(str_enum(RunKind, 16))
    status: Mapped[RunStatus] = mapped_column(str_enum(RunStatus, 16))
    # Shown in lists: the scenario's name, or the names compared.
    label: Mapped[str] = mapped_column(String(300))
    # Paths computed so far out of all the paths the run needs (every scenario's, for a comparison).
    paths_done: Mapped[int] = mapped_column(Integer, default=0)
    paths_total: Mapped[int] = mapped_column(Integer)
    # The request as received, validated (JSON): enough to run it again.
    request: Mapped[str] = mapped_column(Text)
    # The result's JSON (DESIGN.md §3 for a forecast) once done; why it failed otherwise.
    result: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    requested_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    # The process computing the run ("host:pid:random") and when it last said it was alive: a run
    # whose heartbeat is old belongs to a worker that died, and is marked failed (caisse.simulations.jobs).
    worker: Mapped[str | None] = mapped_column(String(120), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
