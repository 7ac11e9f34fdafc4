"""Wrong PINs typed at outlets: each with its outlet, user and member code (never the PIN), counted
per outlet to pause its payments after too many across households (`caisse.spending.pauses`).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 03:55:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "outlet_pin_failure",
        sa.Column("caisse_id", ID, nullable=False),
        sa.Column("outlet_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=True),
        sa.Column("member_id", ID, nullable=True),
        sa.Column("member_code", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cleared_by_user_id", ID, nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["caisse_id"], ["caisse.id"], name=op.f("fk_outlet_pin_failure_caisse_id_caisse")
        ),
        sa.ForeignKeyConstraint(
            ["cleared_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_outlet_pin_failure_cleared_by_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_outlet_pin_failure_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["outlet_id"], ["outlet.id"], name=op.f("fk_outlet_pin_failure_outlet_id_outlet")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_outlet_pin_failure_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outlet_pin_failure")),
    )
    op.create_index("ix_outlet_pin_failure_code_at", "outlet_pin_failure", ["caisse_id", "member_code", "at"])
    op.create_index("ix_outlet_pin_failure_outlet_at", "outlet_pin_failure", ["outlet_id", "at"])
    op.create_index(
        "ix_outlet_pin_failure_outlet_paused", "outlet_pin_failure", ["outlet_id", "paused_until"]
    )


def downgrade() -> None:
    op.drop_index("ix_outlet_pin_failure_outlet_paused", table_name="outlet_pin_failure")
    op.drop_index("ix_outlet_pin_failure_outlet_at", table_name="outlet_pin_failure")
    op.drop_index("ix_outlet_pin_failure_code_at", table_name="outlet_pin_failure")
    op.drop_table("outlet_pin_failure")
