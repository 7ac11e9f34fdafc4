"""Initial schema: caisses, identity, members, ledger, money, monthly cycle.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 15:28:27.630704
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Frozen copies of caisse.db.append_only at this revision: a migration must not change later.
APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS journal_entry_append_only_update BEFORE UPDATE ON journal_entry BEGIN SELECT RAISE(ABORT, 'journal_entry is append-only: post a reversing entry instead'); END",
        "CREATE TRIGGER IF NOT EXISTS journal_entry_append_only_delete BEFORE DELETE ON journal_entry BEGIN SELECT RAISE(ABORT, 'journal_entry is append-only: post a reversing entry instead'); END",
        "CREATE TRIGGER IF NOT EXISTS journal_line_append_only_update BEFORE UPDATE ON journal_line BEGIN SELECT RAISE(ABORT, 'journal_line is append-only: post a reversing entry instead'); END",
        "CREATE TRIGGER IF NOT EXISTS journal_line_append_only_delete BEFORE DELETE ON journal_line BEGIN SELECT RAISE(ABORT, 'journal_line is append-only: post a reversing entry instead'); END",
        "CREATE TRIGGER IF NOT EXISTS audit_event_append_only_update BEFORE UPDATE ON audit_event BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: post a reversing entry instead'); END",
        "CREATE TRIGGER IF NOT EXISTS audit_event_append_only_delete BEFORE DELETE ON audit_event BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: post a reversing entry instead'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION caisse_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '% is append-only: post a reversing entry instead', TG_TABLE_NAME; END $$",
        "CREATE TRIGGER journal_entry_append_only BEFORE UPDATE OR DELETE ON journal_entry FOR EACH ROW EXECUTE FUNCTION caisse_append_only()",
        "CREATE TRIGGER journal_line_append_only BEFORE UPDATE OR DELETE ON journal_line FOR EACH ROW EXECUTE FUNCTION caisse_append_only()",
        "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event FOR EACH ROW EXECUTE FUNCTION caisse_append_only()",
    ],
}
DROP_APPEND_ONLY = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS journal_entry_append_only_update",
        "DROP TRIGGER IF EXISTS journal_entry_append_only_delete",
        "DROP TRIGGER IF EXISTS journal_line_append_only_update",
        "DROP TRIGGER IF EXISTS journal_line_append_only_delete",
        "DROP TRIGGER IF EXISTS audit_event_append_only_update",
        "DROP TRIGGER IF EXISTS audit_event_append_only_delete",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS journal_entry_append_only ON journal_entry",
        "DROP TRIGGER IF EXISTS journal_line_append_only ON journal_line",
        "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
        "DROP FUNCTION IF EXISTS caisse_append_only()",
    ],
}


def upgrade() -> None:
    op.create_table(
        "caisse",
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("territory", sa.String(length=200), nullable=False),
        sa.Column("first_month", sa.String(length=7), nullable=False),
        sa.Column("credit_lifetime_months", sa.Integer(), nullable=True),
        sa.Column("credit_requires_payment", sa.Boolean(), nullable=False),
        sa.Column("member_code_prefix", sa.String(length=8), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caisse")),
        sa.UniqueConstraint("slug", name=op.f("uq_caisse_slug")),
    )
    op.create_table(
        "login_failure",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failure")),
    )
    op.create_index(op.f("ix_login_failure_at"), "login_failure", ["at"], unique=False)
    op.create_index("ix_login_failure_email_at", "login_failure", ["email", "at"], unique=False)
    op.create_table(
        "user_account",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("is_superuser", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("email", name=op.f("uq_user_account_email")),
    )
    op.create_table(
        "api_token",
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_api_token_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    op.create_index(op.f("ix_api_token_user_id"), "api_token", ["user_id"], unique=False)
    op.create_table(
        "audit_event",
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("caisse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("actor_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["user_account.id"], name=op.f("fk_audit_event_actor_user_id_user_account")
        ),
        sa.ForeignKeyConstraint(["caisse_id"], ["caisse.id"], name=op.f("fk_audit_event_caisse_id_caisse")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index(op.f("ix_audit_event_caisse_id"), "audit_event", ["caisse_id"], unique=False)
    op.create_index("ix_audit_event_subject", "audit_event", ["subject_type", "subject_id"], unique=False)
    op.create_table(
        "journal_entry",
        sa.Column("caisse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "contribution_due",
                "contribution_paid",
                "allocation",
                "expiry",
                "subsidy",
                "cost",
                "opening",
                "payment",
                "redemption",
                "reversal",
                name="entrykind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("period", sa.String(length=7), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("memo", sa.String(length=500), nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=True),
        sa.Column("reverses_entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.ForeignKeyConstraint(["caisse_id"], ["caisse.id"], name=op.f("fk_journal_entry_caisse_id_caisse")),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_journal_entry_created_by_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["reverses_entry_id"],
            ["journal_entry.id"],
            name=op.f("fk_journal_entry_reverses_entry_id_journal_entry"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_entry")),
        sa.UniqueConstraint(
            "caisse_id", "idempotency_key", name=op.f("uq_journal_entry_caisse_id_idempotency_key")
        ),
        sa.UniqueConstraint("reverses_entry_id", name=op.f("uq_journal_entry_reverses_entry_id")),
    )
    op.create_index(
        "ix_journal_entry_caisse_kind_period", "journal_entry", ["caisse_id", "kind", "period"], unique=False
    )
    op.create_index(
        "ix_journal_entry_caisse_occurred", "journal_entry", ["caisse_id", "occurred_on"], unique=False
    )
    op.create_table(
        "member",
        sa.Column("caisse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("reference_person", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("adults", sa.Integer(), nullable=False),
        sa.Column("others_14_plus", sa.Integer(), nullable=False),
        sa.Column("children_under_14", sa.Integer(), nullable=False),
        sa.Column("monthly_income_cents", sa.BigInteger(), nullable=False),
        sa.Column("income_declared_on", sa.Date(), nullable=False),
        sa.Column("chosen_contribution_cents", sa.BigInteger(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "applicant",
                "active",
                "suspended",
                "left",
                name="memberstatus",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("activated_on", sa.Date(), nullable=True),
        sa.Column("suspended_on", sa.Date(), nullable=True),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["caisse_id"], ["caisse.id"], name=op.f("fk_member_caisse_id_caisse")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member")),
        sa.UniqueConstraint("caisse_id", "code", name=op.f("uq_member_caisse_id_code")),
    )
    op.create_index("ix_member_caisse_email", "member", ["caisse_id", "email"], unique=False)
    op.create_index(op.f("ix_member_caisse_id"), "member", ["caisse_id"], unique=False)
    op.create_index(op.f("ix_member_status"), "member", ["status"], unique=False)
    op.create_table(
        "rule_set",
        sa.Column("caisse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("effective_from", sa.String(length=7), nullable=False),
        sa.Column("preset", sa.String(length=64), nullable=True),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("created_by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["caisse_id"], ["caisse.id"], name=op.f("fk_rule_set_caisse_id_caisse")),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_rule_set_created_by_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_set")),
        sa.UniqueConstraint("caisse_id", "effective_from", name=op.f("uq_rule_set_caisse_id_effective_from")),
    )
    op.create_index(op.f("ix_rule_set_caisse_id"), "rule_set", ["caisse_id"], unique=False)
    op.create_table(
        "subsidy_source",
        sa.Column("caisse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "city",
                "intercommunality",
                "department",
                "region",
                "state",
                "social_security",
                "foundation",
                "other",
                name="subsidykind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["caisse_id"], ["caisse.id"], name=op.f("fk_subsidy_source_caisse_id_caisse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subsidy_source")),
        sa.UniqueConstraint("caisse_id", "name", name=op.f("uq_subsidy_source_caisse_id_name")),
    )
    op.create_index(op.f("ix_subsidy_source_caisse_id"), "subsidy_source", ["caisse_id"], unique=False)
    op.create_table(
        "user_session",
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_user_session_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_session_token_hash")),
    )
    op.create_index(op.f("ix_user_session_user_id"), "user_session", ["user_id"], unique=False)
    op.create_table(
        "contribution_payment",
        sa.Column("caisse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "cash",
                "transfer",
                "direct_debit",
                "cheque",
                name="paymentmethod",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["caisse_id"], ["caisse.id"], name=op.f("fk_contribution_payment_caisse_id_caisse")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entry.id"], name=op.f("fk_contribution_payment_entry_id_journal_entry")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_contribution_payment_member_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contribution_payment")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_contribution_payment_entry_id")),
    )
    op.create_index(
        op.f("ix_contribution_payment_caisse_id"), "contribution_payment", ["caisse_id"], unique=False
    )
    op.create_index(
        op.f("ix_contribution_payment_member_id"), "contribution_payment", ["member_id"], unique=False
    )
    op.create_table(
        "ledger_account",
        sa.Column("caisse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "fund",
                "receivable",
                "wallet",
                "outlet",
                "contributions",
                "subsidy",
                "expired_credit",
                "allocations",
                "costs",
                "opening",
                name="accountkind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("outlet_id", sa.Integer(), nullable=True),
        sa.Column("subsidy_source_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["caisse_id"], ["caisse.id"], name=op.f("fk_ledger_account_caisse_id_caisse")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_ledger_account_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["subsidy_source_id"],
            ["subsidy_source.id"],
            name=op.f("fk_ledger_account_subsidy_source_id_subsidy_source"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_account")),
        sa.UniqueConstraint("caisse_id", "code", name=op.f("uq_ledger_account_caisse_id_code")),
    )
    op.create_index(op.f("ix_ledger_account_caisse_id"), "ledger_account", ["caisse_id"], unique=False)
    op.create_index("ix_ledger_account_member", "ledger_account", ["member_id", "kind"], unique=False)
    op.create_table(
        "member_status_change",
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "applicant",
                "active",
                "suspended",
                "left",
                name="from_status",
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
                "active",
                "suspended",
                "left",
                name="to_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["by_user_id"], ["user_account.id"], name=op.f("fk_member_status_change_by_user_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_member_status_change_member_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_status_change")),
    )
    op.create_index(
        "ix_member_status_change_member_effective",
        "member_status_change",
        ["member_id", "effective_on"],
        unique=False,
    )
    op.create_table(
        "operating_cost",
        sa.Column("caisse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("category", sa.String(length=80), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["caisse_id"], ["caisse.id"], name=op.f("fk_operating_cost_caisse_id_caisse")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entry.id"], name=op.f("fk_operating_cost_entry_id_journal_entry")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operating_cost")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_operating_cost_entry_id")),
    )
    op.create_index(op.f("ix_operating_cost_caisse_id"), "operating_cost", ["caisse_id"], unique=False)
    op.create_table(
        "period_close",
        sa.Column("caisse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("rule_set_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("contributions_due_cents", sa.BigInteger(), nullable=False),
        sa.Column("allocations_cents", sa.BigInteger(), nullable=False),
        sa.Column("withheld_cents", sa.BigInteger(), nullable=False),
        sa.Column("expired_cents", sa.BigInteger(), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.ForeignKeyConstraint(["caisse_id"], ["caisse.id"], name=op.f("fk_period_close_caisse_id_caisse")),
        sa.ForeignKeyConstraint(
            ["closed_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_period_close_closed_by_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["rule_set_id"], ["rule_set.id"], name=op.f("fk_period_close_rule_set_id_rule_set")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_close")),
        sa.UniqueConstraint("caisse_id", "month", name=op.f("uq_period_close_caisse_id_month")),
    )
    op.create_index(op.f("ix_period_close_caisse_id"), "period_close", ["caisse_id"], unique=False)
    op.create_table(
        "role_grant",
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("caisse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "staff",
                "committee",
                "official",
                "outlet",
                "member",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("outlet_id", sa.Integer(), nullable=True),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["caisse_id"], ["caisse.id"], name=op.f("fk_role_grant_caisse_id_caisse")),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name=op.f("fk_role_grant_member_id_member")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_role_grant_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_grant")),
        sa.UniqueConstraint(
            "user_id", "caisse_id", "role", name=op.f("uq_role_grant_user_id_caisse_id_role")
        ),
    )
    op.create_index(op.f("ix_role_grant_caisse_id"), "role_grant", ["caisse_id"], unique=False)
    op.create_index(op.f("ix_role_grant_user_id"), "role_grant", ["user_id"], unique=False)
    op.create_table(
        "subsidy",
        sa.Column("caisse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["caisse_id"], ["caisse.id"], name=op.f("fk_subsidy_caisse_id_caisse")),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entry.id"], name=op.f("fk_subsidy_entry_id_journal_entry")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["subsidy_source.id"], name=op.f("fk_subsidy_source_id_subsidy_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subsidy")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_subsidy_entry_id")),
    )
    op.create_index(op.f("ix_subsidy_caisse_id"), "subsidy", ["caisse_id"], unique=False)
    op.create_index(op.f("ix_subsidy_source_id"), "subsidy", ["source_id"], unique=False)
    op.create_table(
        "withheld_allocation",
        sa.Column("caisse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("released_entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["caisse_id"], ["caisse.id"], name=op.f("fk_withheld_allocation_caisse_id_caisse")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_withheld_allocation_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["released_entry_id"],
            ["journal_entry.id"],
            name=op.f("fk_withheld_allocation_released_entry_id_journal_entry"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withheld_allocation")),
        sa.UniqueConstraint("member_id", "month", name=op.f("uq_withheld_allocation_member_id_month")),
    )
    op.create_index(
        op.f("ix_withheld_allocation_caisse_id"), "withheld_allocation", ["caisse_id"], unique=False
    )
    op.create_table(
        "journal_line",
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["ledger_account.id"], name=op.f("fk_journal_line_account_id_ledger_account")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entry.id"], name=op.f("fk_journal_line_entry_id_journal_entry")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_line")),
    )
    op.create_index(op.f("ix_journal_line_account_id"), "journal_line", ["account_id"], unique=False)
    op.create_index(op.f("ix_journal_line_entry_id"), "journal_line", ["entry_id"], unique=False)
    # The ledger and the audit log are append-only, enforced by the database itself.
    for statement in APPEND_ONLY[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP_APPEND_ONLY[op.get_bind().dialect.name]:
        op.execute(statement)
    op.drop_index(op.f("ix_journal_line_entry_id"), table_name="journal_line")
    op.drop_index(op.f("ix_journal_line_account_id"), table_name="journal_line")
    op.drop_table("journal_line")
    op.drop_index(op.f("ix_withheld_allocation_caisse_id"), table_name="withheld_allocation")
    op.drop_table("withheld_allocation")
    op.drop_index(op.f("ix_subsidy_source_id"), table_name="subsidy")
    op.drop_index(op.f("ix_subsidy_caisse_id"), table_name="subsidy")
    op.drop_table("subsidy")
    op.drop_index(op.f("ix_role_grant_user_id"), table_name="role_grant")
    op.drop_index(op.f("ix_role_grant_caisse_id"), table_name="role_grant")
    op.drop_table("role_grant")
    op.drop_index(op.f("ix_period_close_caisse_id"), table_name="period_close")
    op.drop_table("period_close")
    op.drop_index(op.f("ix_operating_cost_caisse_id"), table_name="operating_cost")
    op.drop_table("operating_cost")
    op.drop_index("ix_member_status_change_member_effective", table_name="member_status_change")
    op.drop_table("member_status_change")
    op.drop_index("ix_ledger_account_member", table_name="ledger_account")
    op.drop_index(op.f("ix_ledger_account_caisse_id"), table_name="ledger_account")
    op.drop_table("ledger_account")
    op.drop_index(op.f("ix_contribution_payment_member_id"), table_name="contribution_payment")
    op.drop_index(op.f("ix_contribution_payment_caisse_id"), table_name="contribution_payment")
    op.drop_table("contribution_payment")
    op.drop_index(op.f("ix_user_session_user_id"), table_name="user_session")
    op.drop_table("user_session")
    op.drop_index(op.f("ix_subsidy_source_caisse_id"), table_name="subsidy_source")
    op.drop_table("subsidy_source")
    op.drop_index(op.f("ix_rule_set_caisse_id"), table_name="rule_set")
    op.drop_table("rule_set")
    op.drop_index(op.f("ix_member_status"), table_name="member")
    op.drop_index(op.f("ix_member_caisse_id"), table_name="member")
    op.drop_index("ix_member_caisse_email", table_name="member")
    op.drop_table("member")
    op.drop_index("ix_journal_entry_caisse_occurred", table_name="journal_entry")
    op.drop_index("ix_journal_entry_caisse_kind_period", table_name="journal_entry")
    op.drop_table("journal_entry")
    op.drop_index("ix_audit_event_subject", table_name="audit_event")
    op.drop_index(op.f("ix_audit_event_caisse_id"), table_name="audit_event")
    op.drop_table("audit_event")
    op.drop_index(op.f("ix_api_token_user_id"), table_name="api_token")
    op.drop_table("api_token")
    op.drop_table("user_account")
    op.drop_index("ix_login_failure_email_at", table_name="login_failure")
    op.drop_index(op.f("ix_login_failure_at"), table_name="login_failure")
    op.drop_table("login_failure")
    op.drop_table("caisse")
