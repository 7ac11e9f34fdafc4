"""A funder's grant agreement (convention de financement) on its subsidy source: an amount in cents
every N months, until a month or open-ended; amount and period given together or not at all.
Sources entered before have none.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the model's constraints at this revision (caisse.money.models.SubsidySource).
CHECKS = {
    "ck_subsidy_source_agreed_amount_positive": "agreed_amount_cents > 0",
    "ck_subsidy_source_agreed_every_months_range": "agreed_every_months >= 1 AND agreed_every_months <= 120",
    "ck_subsidy_source_agreement_amount_and_period": (
        "(agreed_amount_cents IS NULL) = (agreed_every_months IS NULL)"
    ),
    "ck_subsidy_source_agreed_until_in_agreement": "agreed_until IS NULL OR agreed_amount_cents IS NOT NULL",
}


def upgrade() -> None:
    with op.batch_alter_table("subsidy_source") as batch:
        batch.add_column(sa.Column("agreed_amount_cents", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("agreed_every_months", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("agreed_until", sa.String(length=7), nullable=True))
        for name, condition in CHECKS.items():
            batch.create_check_constraint(op.f(name), condition)


def downgrade() -> None:
    with op.batch_alter_table("subsidy_source") as batch:
        for name in reversed(list(CHECKS)):
            batch.drop_constraint(op.f(name), type_="check")
        batch.drop_column("agreed_until")
        batch.drop_column("agreed_every_months")
        batch.drop_column("agreed_amount_cents")
