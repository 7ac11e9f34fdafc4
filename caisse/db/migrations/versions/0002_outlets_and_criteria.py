"""Outlets, their conventions and status history, the criteria grid and assessments.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 16:33:21.942582
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "criterion",
        sa.Column("caisse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "yes_no",
                "scale",
                "numeric_threshold",
                name="criterionkind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.Column("threshold", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column(
            "direction",
            sa.Enum(
                "at_most", "at_least", name="direction", native_enum=False, create_constraint=True, length=16
            ),
            nullable=True,
        ),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("weight >= 0", name=op.f("ck_criterion_weight_not_negative")),
        sa.ForeignKeyConstraint(["caisse_id"], ["caisse.id"], name=op.f("fk_criterion_caisse_id_caisse")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_criterion")),
        sa.UniqueConstraint("caisse_id", "code", name=op.f("uq_criterion_caisse_id_code")),
    )
    op.create_index(op.f("ix_criterion_caisse_id"), "criterion", ["caisse_id"], unique=False)
    op.create_table(
        "outlet",
        sa.Column("caisse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "producer",
                "market",
                "shop",
                "epicerie_solidaire",
                "cooperative",
                "restaurant",
                "amap",
                "other",
                name="outletkind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("commune", sa.String(length=120), nullable=False),
        sa.Column("distance_km", sa.Numeric(precision=8, scale=1), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("contact_phone", sa.String(length=40), nullable=True),
        sa.Column("siret", sa.String(length=14), nullable=True),
        sa.Column("product_categories", sa.Text(), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=True),
        sa.Column("bic", sa.String(length=11), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "applicant",
                "under_review",
                "conventioned",
                "suspended",
                "ended",
                "rejected",
                name="outletstatus",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "proposed_by_member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("self_applied", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("distance_km >= 0", name=op.f("ck_outlet_distance_not_negative")),
        sa.ForeignKeyConstraint(["caisse_id"], ["caisse.id"], name=op.f("fk_outlet_caisse_id_caisse")),
        sa.ForeignKeyConstraint(
            ["proposed_by_member_id"], ["member.id"], name=op.f("fk_outlet_proposed_by_member_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outlet")),
        sa.UniqueConstraint("caisse_id", "name", name=op.f("uq_outlet_caisse_id_name")),
    )
    op.create_index(op.f("ix_outlet_caisse_id"), "outlet", ["caisse_id"], unique=False)
    op.create_index(op.f("ix_outlet_status"), "outlet", ["status"], unique=False)
    op.create_table(
        "assessment",
        sa.Column("outlet_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("criterion_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("value_bool", sa.Boolean(), nullable=True),
        sa.Column("value_int", sa.Integer(), nullable=True),
        sa.Column("value_number", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("evidence_url", sa.String(length=500), nullable=True),
        sa.Column(
            "assessed_by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["assessed_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_assessment_assessed_by_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["criterion_id"], ["criterion.id"], name=op.f("fk_assessment_criterion_id_criterion")
        ),
        sa.ForeignKeyConstraint(["outlet_id"], ["outlet.id"], name=op.f("fk_assessment_outlet_id_outlet")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
    )
    op.create_index(
        "ix_assessment_outlet_criterion", "assessment", ["outlet_id", "criterion_id"], unique=False
    )
    op.create_table(
        "outlet_status_change",
        sa.Column("outlet_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "applicant",
                "under_review",
                "conventioned",
                "suspended",
                "ended",
                "rejected",
                name="outlet_from_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "applicant",
                "under_review",
                "conventioned",
                "suspended",
                "ended",
                "rejected",
                name="outlet_to_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("decision_ref", sa.String(length=200), nullable=False),
        sa.Column("decided_by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_outlet_status_change_decided_by_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["outlet_id"], ["outlet.id"], name=op.f("fk_outlet_status_change_outlet_id_outlet")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outlet_status_change")),
    )
    op.create_index(
        "ix_outlet_status_change_outlet_effective",
        "outlet_status_change",
        ["outlet_id", "effective_on"],
        unique=False,
    )
    op.create_table(
        "convention",
        sa.Column("outlet_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("caisse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "suspended",
                "ended",
                name="conventionstatus",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("stopped_on", sa.Date(), nullable=True),
        sa.Column(
            "created_by_change_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_convention_ends_after_start")),
        sa.ForeignKeyConstraint(["caisse_id"], ["caisse.id"], name=op.f("fk_convention_caisse_id_caisse")),
        sa.ForeignKeyConstraint(
            ["created_by_change_id"],
            ["outlet_status_change.id"],
            name=op.f("fk_convention_created_by_change_id_outlet_status_change"),
        ),
        sa.ForeignKeyConstraint(["outlet_id"], ["outlet.id"], name=op.f("fk_convention_outlet_id_outlet")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_convention")),
    )
    op.create_index(op.f("ix_convention_caisse_id"), "convention", ["caisse_id"], unique=False)
    op.create_index(
        "ix_convention_outlet_dates", "convention", ["outlet_id", "starts_on", "ends_on"], unique=False
    )
    op.add_column(
        "caisse", sa.Column("convention_term_months", sa.Integer(), server_default="12", nullable=False)
    )
    # Batch mode: SQLite can only add a foreign key by rebuilding the table.
    with op.batch_alter_table("role_grant") as batch_op:
        batch_op.alter_column(
            "outlet_id",
            existing_type=sa.Integer(),
            type_=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            existing_nullable=True,
        )
        batch_op.create_foreign_key(op.f("fk_role_grant_outlet_id_outlet"), "outlet", ["outlet_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("role_grant") as batch_op:
        batch_op.drop_constraint(op.f("fk_role_grant_outlet_id_outlet"), type_="foreignkey")
        batch_op.alter_column(
            "outlet_id",
            existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            type_=sa.Integer(),
            existing_nullable=True,
        )
    op.drop_column("caisse", "convention_term_months")
    op.drop_index("ix_convention_outlet_dates", table_name="convention")
    op.drop_index(op.f("ix_convention_caisse_id"), table_name="convention")
    op.drop_table("convention")
    op.drop_index("ix_outlet_status_change_outlet_effective", table_name="outlet_status_change")
    op.drop_table("outlet_status_change")
    op.drop_index("ix_assessment_outlet_criterion", table_name="assessment")
    op.drop_table("assessment")
    op.drop_index(op.f("ix_outlet_status"), table_name="outlet")
    op.drop_index(op.f("ix_outlet_caisse_id"), table_name="outlet")
    op.drop_table("outlet")
    op.drop_index(op.f("ix_criterion_caisse_id"), table_name="criterion")
    op.drop_table("criterion")
