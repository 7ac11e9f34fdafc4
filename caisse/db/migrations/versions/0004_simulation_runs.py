"""Simulation runs: the budget forecasts officials start from the API or the web pages, with their
progress and result, kept in the database so every server worker sees every run.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 23:40:42.048210
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "simulation_run",
        sa.Column("caisse_id", ID, nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "simulate",
                "compare",
                "solve",
                name="runkind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "done",
                "failed",
                name="runstatus",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("paths_done", sa.Integer(), nullable=False),
        sa.Column("paths_total", sa.Integer(), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by_user_id", ID, nullable=True),
        sa.Column("worker", sa.String(length=120), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["caisse_id"], ["caisse.id"], name=op.f("fk_simulation_run_caisse_id_caisse")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_simulation_run_requested_by_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_simulation_run")),
    )
    op.create_index("ix_simulation_run_caisse_created", "simulation_run", ["caisse_id", "created_at"])
    op.create_index("ix_simulation_run_status_heartbeat", "simulation_run", ["status", "heartbeat_at"])


def downgrade() -> None:
    op.drop_index("ix_simulation_run_status_heartbeat", table_name="simulation_run")
    op.drop_index("ix_simulation_run_caisse_created", table_name="simulation_run")
    op.drop_table("simulation_run")
