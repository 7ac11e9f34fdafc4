"""Committee, lottery, ballots, payments at outlets, redemptions and payout batches; caisse settings.

Also opens the ledger account of every outlet created before outlets had one, and makes payout
batches and the redemptions' history append-only like the ledger.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 17:55:45.832767
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of caisse.db.append_only at this revision (the function comes from 0001).
APPEND_ONLY = {
    "sqlite": [
        f"CREATE TRIGGER IF NOT EXISTS {table}_append_only_{op_name.lower()} BEFORE {op_name} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: post a reversing entry instead'); END"
        for table in ("payout_batch", "redemption_event")
        for op_name in ("UPDATE", "DELETE")
    ],
    "postgresql": [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION caisse_append_only()"
        for table in ("payout_batch", "redemption_event")
    ],
}
DROP_APPEND_ONLY = {
    "sqlite": [
        f"DROP TRIGGER IF EXISTS {table}_append_only_{op_name}"
        for table in ("payout_batch", "redemption_event")
        for op_name in ("update", "delete")
    ],
    "postgresql": [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"
        for table in ("payout_batch", "redemption_event")
    ],
}
# Outlets entered before this revision get the ledger account new outlets get at creation.
OPEN_OUTLET_ACCOUNTS = (
    "INSERT INTO ledger_account (caisse_id, kind, code, name, outlet_id) "
    "SELECT o.caisse_id, 'outlet', 'outlet:' || CAST(o.id AS VARCHAR(20)), "
    "substr('Lieu conventionné ' || CAST(o.id AS VARCHAR(20)) || ' – ' || o.name, 1, 200), o.id "
    "FROM outlet o WHERE NOT EXISTS (SELECT 1 FROM ledger_account a "
    "WHERE a.caisse_id = o.caisse_id AND a.code = 'outlet:' || CAST(o.id AS VARCHAR(20)))"
)


def upgrade() -> None:
    op.create_table(
        "committee_membership",
        sa.Column("caisse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column(
            "source",
            sa.Enum(
                "lottery",
                "elected",
                "appointed",
                "volunteer",
                name="seatsource",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("source_ref", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("left_reason", sa.String(length=500), nullable=False),
        sa.Column("ended_by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "ends_on >= starts_on", name=op.f("ck_committee_membership_term_ends_after_start")
        ),
        sa.CheckConstraint(
            "left_on IS NULL OR left_on >= starts_on", name=op.f("ck_committee_membership_left_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["caisse_id"], ["caisse.id"], name=op.f("fk_committee_membership_caisse_id_caisse")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_committee_membership_created_by_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_committee_membership_ended_by_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_committee_membership_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_membership")),
    )
    op.create_index(
        "ix_committee_membership_caisse_user", "committee_membership", ["caisse_id", "user_id"], unique=False
    )
    op.create_table(
        "lottery_draw",
        sa.Column("caisse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("dimensions", sa.Text(), nullable=False),
        sa.Column("quotas", sa.Text(), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "announced",
                "drawn",
                "cancelled",
                name="drawstatus",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("cancelled_reason", sa.String(length=500), nullable=False),
        sa.Column("created_by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["caisse_id"], ["caisse.id"], name=op.f("fk_lottery_draw_caisse_id_caisse")),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_lottery_draw_created_by_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lottery_draw")),
        sa.UniqueConstraint("caisse_id", "reference", name=op.f("uq_lottery_draw_caisse_id_reference")),
    )
    op.create_index(op.f("ix_lottery_draw_caisse_id"), "lottery_draw", ["caisse_id"], unique=False)
    op.create_table(
        "lottery_volunteer",
        sa.Column("draw_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sa.String(length=16), nullable=False),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("stratum", sa.Text(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "registered_by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("membership_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["draw_id"], ["lottery_draw.id"], name=op.f("fk_lottery_volunteer_draw_id_lottery_draw")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_lottery_volunteer_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["committee_membership.id"],
            name=op.f("fk_lottery_volunteer_membership_id_committee_membership"),
        ),
        sa.ForeignKeyConstraint(
            ["registered_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_lottery_volunteer_registered_by_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_lottery_volunteer_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lottery_volunteer")),
        sa.UniqueConstraint("draw_id", "member_id", name=op.f("uq_lottery_volunteer_draw_id_member_id")),
        sa.UniqueConstraint("draw_id", "number", name=op.f("uq_lottery_volunteer_draw_id_number")),
        sa.UniqueConstraint("draw_id", "user_id", name=op.f("uq_lottery_volunteer_draw_id_user_id")),
    )
    op.create_index(op.f("ix_lottery_volunteer_draw_id"), "lottery_volunteer", ["draw_id"], unique=False)
    op.create_table(
        "member_pin",
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("pin_hash", sa.String(length=64), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("set_by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name=op.f("fk_member_pin_member_id_member")),
        sa.ForeignKeyConstraint(
            ["set_by_user_id"], ["user_account.id"], name=op.f("fk_member_pin_set_by_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_pin")),
        sa.UniqueConstraint("member_id", name=op.f("uq_member_pin_member_id")),
    )
    op.create_table(
        "payout_batch",
        sa.Column("caisse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reference", sa.String(length=35), nullable=False),
        sa.Column("execution_date", sa.Date(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("transfer_count", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=35), nullable=False),
        sa.Column("debtor_name", sa.String(length=70), nullable=False),
        sa.Column("debtor_iban", sa.String(length=34), nullable=False),
        sa.Column("debtor_bic", sa.String(length=11), nullable=False),
        sa.Column("pain001_xml", sa.Text(), nullable=False),
        sa.Column("payouts_csv", sa.Text(), nullable=False),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.CheckConstraint("total_cents > 0", name=op.f("ck_payout_batch_payout_total_positive")),
        sa.CheckConstraint("transfer_count > 0", name=op.f("ck_payout_batch_payout_count_positive")),
        sa.ForeignKeyConstraint(["caisse_id"], ["caisse.id"], name=op.f("fk_payout_batch_caisse_id_caisse")),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_payout_batch_created_by_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entry.id"], name=op.f("fk_payout_batch_entry_id_journal_entry")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_batch")),
        sa.UniqueConstraint(
            "caisse_id", "idempotency_key", name=op.f("uq_payout_batch_caisse_id_idempotency_key")
        ),
        sa.UniqueConstraint("caisse_id", "reference", name=op.f("uq_payout_batch_caisse_id_reference")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_payout_batch_entry_id")),
    )
    op.create_index(op.f("ix_payout_batch_caisse_id"), "payout_batch", ["caisse_id"], unique=False)
    op.create_table(
        "declared_link",
        sa.Column("caisse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("outlet_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "nature",
            sa.Enum(
                "owner",
                "employee",
                "family",
                "supplier",
                "member",
                "other",
                name="linknature",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("declared_on", sa.Date(), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("recorded_by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "withdrawn_on IS NULL OR withdrawn_on >= declared_on",
            name=op.f("ck_declared_link_withdrawn_after_declared"),
        ),
        sa.ForeignKeyConstraint(["caisse_id"], ["caisse.id"], name=op.f("fk_declared_link_caisse_id_caisse")),
        sa.ForeignKeyConstraint(["outlet_id"], ["outlet.id"], name=op.f("fk_declared_link_outlet_id_outlet")),
        sa.ForeignKeyConstraint(
            ["recorded_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_declared_link_recorded_by_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_declared_link_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declared_link")),
    )
    op.create_index(op.f("ix_declared_link_caisse_id"), "declared_link", ["caisse_id"], unique=False)
    op.create_index("ix_declared_link_outlet_user", "declared_link", ["outlet_id", "user_id"], unique=False)
    op.create_table(
        "outlet_payment",
        sa.Column("caisse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("outlet_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_key", sa.String(length=100), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("recorded_by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("refund_entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("refunded_on", sa.Date(), nullable=True),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refunded_by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("refund_reason", sa.String(length=200), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_outlet_payment_amount_positive")),
        sa.ForeignKeyConstraint(
            ["caisse_id"], ["caisse.id"], name=op.f("fk_outlet_payment_caisse_id_caisse")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entry.id"], name=op.f("fk_outlet_payment_entry_id_journal_entry")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_outlet_payment_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["outlet_id"], ["outlet.id"], name=op.f("fk_outlet_payment_outlet_id_outlet")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_outlet_payment_recorded_by_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["refund_entry_id"],
            ["journal_entry.id"],
            name=op.f("fk_outlet_payment_refund_entry_id_journal_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["refunded_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_outlet_payment_refunded_by_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outlet_payment")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_outlet_payment_entry_id")),
        sa.UniqueConstraint("outlet_id", "client_key", name=op.f("uq_outlet_payment_outlet_id_client_key")),
        sa.UniqueConstraint("refund_entry_id", name=op.f("uq_outlet_payment_refund_entry_id")),
    )
    op.create_index("ix_outlet_payment_caisse_paid", "outlet_payment", ["caisse_id", "paid_at"], unique=False)
    op.create_index("ix_outlet_payment_member_paid", "outlet_payment", ["member_id", "paid_at"], unique=False)
    op.create_index("ix_outlet_payment_outlet_paid", "outlet_payment", ["outlet_id", "paid_at"], unique=False)
    op.create_table(
        "redemption",
        sa.Column("caisse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("outlet_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "approved",
                "rejected",
                "cancelled",
                "paid",
                name="redemptionstatus",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "requested_by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.CheckConstraint(
            "(status = 'paid') = (batch_id IS NOT NULL)", name=op.f("ck_redemption_redemption_paid_in_batch")
        ),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_redemption_redemption_amount_positive")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["payout_batch.id"], name=op.f("fk_redemption_batch_id_payout_batch")
        ),
        sa.ForeignKeyConstraint(["caisse_id"], ["caisse.id"], name=op.f("fk_redemption_caisse_id_caisse")),
        sa.ForeignKeyConstraint(["outlet_id"], ["outlet.id"], name=op.f("fk_redemption_outlet_id_outlet")),
        sa.ForeignKeyConstraint(
            ["requested_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_redemption_requested_by_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemption")),
        sa.UniqueConstraint(
            "caisse_id", "idempotency_key", name=op.f("uq_redemption_caisse_id_idempotency_key")
        ),
    )
    op.create_index(op.f("ix_redemption_batch_id"), "redemption", ["batch_id"], unique=False)
    op.create_index("ix_redemption_caisse_status", "redemption", ["caisse_id", "status"], unique=False)
    op.create_index("ix_redemption_outlet_status", "redemption", ["outlet_id", "status"], unique=False)
    op.create_table(
        "ballot",
        sa.Column("caisse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "convene",
                "renew",
                "suspend",
                "end",
                "motion",
                name="ballotkind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("outlet_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "decision_rule",
            sa.Enum(
                "simple_majority",
                "qualified_majority",
                "consent",
                name="ballot_rule",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("qualified_numerator", sa.Integer(), nullable=False),
        sa.Column("qualified_denominator", sa.Integer(), nullable=False),
        sa.Column("quorum_percent", sa.Integer(), nullable=False),
        sa.Column("rule_set_effective_from", sa.String(length=7), nullable=True),
        sa.Column("rule_set_preset", sa.String(length=64), nullable=True),
        sa.Column("rule_set_definition", sa.Text(), nullable=True),
        sa.Column("created_by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "passed",
                "rejected",
                "no_quorum",
                "cancelled",
                name="ballotoutcome",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("cancel_reason", sa.String(length=500), nullable=False),
        sa.Column("result_for", sa.Integer(), nullable=True),
        sa.Column("result_against", sa.Integer(), nullable=True),
        sa.Column("result_abstain", sa.Integer(), nullable=True),
        sa.Column("result_votes_cast", sa.Integer(), nullable=True),
        sa.Column("result_receipts", sa.Integer(), nullable=True),
        sa.Column("result_eligible", sa.Integer(), nullable=True),
        sa.Column("result_recused", sa.Integer(), nullable=True),
        sa.Column("quorum_met", sa.Boolean(), nullable=True),
        sa.Column("applied_change_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("applied_rule_set_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("effect", sa.String(length=500), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'motion') = (outlet_id IS NULL)", name=op.f("ck_ballot_outlet_unless_motion")
        ),
        sa.CheckConstraint("closes_at > opens_at", name=op.f("ck_ballot_closes_after_opening")),
        sa.CheckConstraint(
            "qualified_numerator > 0 AND qualified_numerator < qualified_denominator",
            name=op.f("ck_ballot_qualified_fraction_below_one"),
        ),
        sa.CheckConstraint(
            "quorum_percent >= 0 AND quorum_percent <= 100", name=op.f("ck_ballot_quorum_is_a_percent")
        ),
        sa.ForeignKeyConstraint(
            ["applied_change_id"],
            ["outlet_status_change.id"],
            name=op.f("fk_ballot_applied_change_id_outlet_status_change"),
        ),
        sa.ForeignKeyConstraint(
            ["applied_rule_set_id"], ["rule_set.id"], name=op.f("fk_ballot_applied_rule_set_id_rule_set")
        ),
        sa.ForeignKeyConstraint(["caisse_id"], ["caisse.id"], name=op.f("fk_ballot_caisse_id_caisse")),
        sa.ForeignKeyConstraint(
            ["closed_by_user_id"], ["user_account.id"], name=op.f("fk_ballot_closed_by_user_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_ballot_created_by_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(["outlet_id"], ["outlet.id"], name=op.f("fk_ballot_outlet_id_outlet")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot")),
    )
    op.create_index("ix_ballot_caisse_closes", "ballot", ["caisse_id", "closes_at"], unique=False)
    op.create_index("ix_ballot_outlet", "ballot", ["outlet_id"], unique=False)
    op.create_table(
        "redemption_event",
        sa.Column("redemption_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "requested",
                "approved",
                "rejected",
                "cancelled",
                "paid",
                name="redemption_from_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "requested",
                "approved",
                "rejected",
                "cancelled",
                "paid",
                name="redemption_to_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["payout_batch.id"], name=op.f("fk_redemption_event_batch_id_payout_batch")
        ),
        sa.ForeignKeyConstraint(
            ["by_user_id"], ["user_account.id"], name=op.f("fk_redemption_event_by_user_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["redemption_id"], ["redemption.id"], name=op.f("fk_redemption_event_redemption_id_redemption")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemption_event")),
    )
    op.create_index(
        "ix_redemption_event_redemption", "redemption_event", ["redemption_id", "id"], unique=False
    )
    op.create_table(
        "ballot_receipt",
        sa.Column("receipt_hash", sa.String(length=64), nullable=False),
        sa.Column("ballot_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"], ["ballot.id"], name=op.f("fk_ballot_receipt_ballot_id_ballot")
        ),
        sa.PrimaryKeyConstraint("receipt_hash", name=op.f("pk_ballot_receipt")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_ballot_receipt_ballot", "ballot_receipt", ["ballot_id"], unique=False)
    op.create_table(
        "ballot_tally",
        sa.Column("ballot_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("for_count", sa.Integer(), nullable=False),
        sa.Column("against_count", sa.Integer(), nullable=False),
        sa.Column("abstain_count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "for_count >= 0 AND against_count >= 0 AND abstain_count >= 0",
            name=op.f("ck_ballot_tally_counts_not_negative"),
        ),
        sa.ForeignKeyConstraint(["ballot_id"], ["ballot.id"], name=op.f("fk_ballot_tally_ballot_id_ballot")),
        sa.PrimaryKeyConstraint("ballot_id", name=op.f("pk_ballot_tally")),
    )
    op.create_table(
        "ballot_voter",
        sa.Column("ballot_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("recused", sa.Boolean(), nullable=False),
        sa.Column("has_voted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["ballot_id"], ["ballot.id"], name=op.f("fk_ballot_voter_ballot_id_ballot")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_ballot_voter_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("ballot_id", "user_id", name=op.f("pk_ballot_voter")),
    )
    with op.batch_alter_table("caisse") as batch:
        batch.add_column(
            sa.Column("ballot_quorum_percent", sa.Integer(), server_default="50", nullable=False)
        )
        batch.add_column(
            sa.Column(
                "ballot_decision_rule",
                sa.Enum(
                    "simple_majority",
                    "qualified_majority",
                    "consent",
                    name="decisionrule",
                    native_enum=False,
                    create_constraint=True,
                    length=24,
                ),
                server_default="simple_majority",
                nullable=False,
            ),
        )
        batch.add_column(
            sa.Column("ballot_qualified_numerator", sa.Integer(), server_default="2", nullable=False)
        )
        batch.add_column(
            sa.Column("ballot_qualified_denominator", sa.Integer(), server_default="3", nullable=False)
        )
        batch.add_column(sa.Column("ballot_open_days", sa.Integer(), server_default="7", nullable=False))
        batch.add_column(sa.Column("refund_window_days", sa.Integer(), server_default="14", nullable=False))
        batch.add_column(sa.Column("bank_account_name", sa.String(length=70), nullable=True))
        batch.add_column(sa.Column("bank_iban", sa.String(length=34), nullable=True))
        batch.add_column(sa.Column("bank_bic", sa.String(length=11), nullable=True))
    for statement in APPEND_ONLY[op.get_bind().dialect.name]:
        op.execute(statement)
    op.execute(OPEN_OUTLET_ACCOUNTS)


def downgrade() -> None:
    for statement in DROP_APPEND_ONLY[op.get_bind().dialect.name]:
        op.execute(statement)
    op.execute(
        "DELETE FROM ledger_account WHERE kind = 'outlet' AND id NOT IN (SELECT account_id FROM journal_line)"
    )
    with op.batch_alter_table("caisse") as batch:
        batch.drop_column("bank_bic")
        batch.drop_column("bank_iban")
        batch.drop_column("bank_account_name")
        batch.drop_column("refund_window_days")
        batch.drop_column("ballot_open_days")
        batch.drop_column("ballot_qualified_denominator")
        batch.drop_column("ballot_qualified_numerator")
        batch.drop_constraint(op.f("ck_caisse_decisionrule"), type_="check")
        batch.drop_column("ballot_decision_rule")
        batch.drop_column("ballot_quorum_percent")
    op.drop_table("ballot_voter")
    op.drop_table("ballot_tally")
    op.drop_index("ix_ballot_receipt_ballot", table_name="ballot_receipt")
    op.drop_table("ballot_receipt")
    op.drop_index("ix_redemption_event_redemption", table_name="redemption_event")
    op.drop_table("redemption_event")
    op.drop_index("ix_ballot_outlet", table_name="ballot")
    op.drop_index("ix_ballot_caisse_closes", table_name="ballot")
    op.drop_table("ballot")
    op.drop_index("ix_redemption_outlet_status", table_name="redemption")
    op.drop_index("ix_redemption_caisse_status", table_name="redemption")
    op.drop_index(op.f("ix_redemption_batch_id"), table_name="redemption")
    op.drop_table("redemption")
    op.drop_index("ix_outlet_payment_outlet_paid", table_name="outlet_payment")
    op.drop_index("ix_outlet_payment_member_paid", table_name="outlet_payment")
    op.drop_index("ix_outlet_payment_caisse_paid", table_name="outlet_payment")
    op.drop_table("outlet_payment")
    op.drop_index("ix_declared_link_outlet_user", table_name="declared_link")
    op.drop_index(op.f("ix_declared_link_caisse_id"), table_name="declared_link")
    op.drop_table("declared_link")
    op.drop_index(op.f("ix_payout_batch_caisse_id"), table_name="payout_batch")
    op.drop_table("payout_batch")
    op.drop_table("member_pin")
    op.drop_index(op.f("ix_lottery_volunteer_draw_id"), table_name="lottery_volunteer")
    op.drop_table("lottery_volunteer")
    op.drop_index(op.f("ix_lottery_draw_caisse_id"), table_name="lottery_draw")
    op.drop_table("lottery_draw")
    op.drop_index("ix_committee_membership_caisse_user", table_name="committee_membership")
    op.drop_table("committee_membership")
