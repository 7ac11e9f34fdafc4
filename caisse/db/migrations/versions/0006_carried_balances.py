"""Every account but wallets and outlets carries its balance, and its lines by month
(`ledger_month`), kept by a trigger on journal_line (caisse.ledger.carried): the arrears, a month's
contributions and the month-end balances are read without summing the ledger's history.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 08:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# Frozen copies of caisse.ledger.carried at this revision: a migration must not change later.
CARRY = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS journal_line_carry_balance AFTER INSERT ON journal_line "
        "WHEN (SELECT carried_balance_cents FROM ledger_account WHERE id = NEW.account_id) IS NOT "
        "NULL BEGIN UPDATE ledger_account SET carried_balance_cents = carried_balance_cents + "
        "NEW.amount_cents WHERE id = NEW.account_id; INSERT OR IGNORE INTO ledger_month "
        "(account_id, month, caisse_id, for_month_cents, in_month_cents) SELECT NEW.account_id, "
        "coalesce(e.period, substr(e.occurred_on, 1, 7)), (SELECT caisse_id FROM ledger_account "
        "WHERE id = NEW.account_id), 0, 0 FROM journal_entry e WHERE e.id = NEW.entry_id; UPDATE "
        "ledger_month SET for_month_cents = for_month_cents + (SELECT CASE WHEN e.period IS NULL "
        "THEN 0 ELSE NEW.amount_cents END FROM journal_entry e WHERE e.id = NEW.entry_id), "
        "in_month_cents = in_month_cents + (SELECT CASE WHEN e.period IS NULL THEN "
        "NEW.amount_cents ELSE 0 END FROM journal_entry e WHERE e.id = NEW.entry_id) WHERE "
        "account_id = NEW.account_id AND month = (SELECT coalesce(e.period, substr(e.occurred_on, "
        "1, 7)) FROM journal_entry e WHERE e.id = NEW.entry_id); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION caisse_carry_balance() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN PERFORM 1 FROM ledger_account WHERE id IN (SELECT account_id FROM new_lines) AND "
        "carried_balance_cents IS NOT NULL ORDER BY id FOR NO KEY UPDATE; IF NOT FOUND THEN "
        "RETURN NULL; END IF; UPDATE ledger_account AS a SET carried_balance_cents = "
        "a.carried_balance_cents + n.total FROM (SELECT account_id, sum(amount_cents) AS total "
        "FROM new_lines GROUP BY account_id) AS n WHERE a.id = n.account_id AND "
        "a.carried_balance_cents IS NOT NULL; INSERT INTO ledger_month AS m (account_id, month, "
        "caisse_id, for_month_cents, in_month_cents) SELECT n.account_id, coalesce(e.period, "
        "to_char(e.occurred_on, 'YYYY-MM')), a.caisse_id, sum(CASE WHEN e.period IS NULL THEN 0 "
        "ELSE n.amount_cents END), sum(CASE WHEN e.period IS NULL THEN n.amount_cents ELSE 0 END) "
        "FROM new_lines n JOIN ledger_account a ON a.id = n.account_id JOIN journal_entry e ON "
        "e.id = n.entry_id WHERE a.carried_balance_cents IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, "
        "2 ON CONFLICT (account_id, month) DO UPDATE SET for_month_cents = m.for_month_cents + "
        "EXCLUDED.for_month_cents, in_month_cents = m.in_month_cents + EXCLUDED.in_month_cents; "
        "RETURN NULL; END $$",
        "CREATE TRIGGER journal_line_carry_balance AFTER INSERT ON journal_line REFERENCING NEW "
        "TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION caisse_carry_balance()",
    ],
}
DROP_CARRY = {
    "sqlite": ["DROP TRIGGER IF EXISTS journal_line_carry_balance"],
    "postgresql": [
        "DROP TRIGGER IF EXISTS journal_line_carry_balance ON journal_line",
        "DROP FUNCTION IF EXISTS caisse_carry_balance()",
    ],
}
# What the trigger would have kept so far. A line's month: its entry's period, else the month it
# happened.
MONTH = {"sqlite": "substr(e.occurred_on, 1, 7)", "postgresql": "to_char(e.occurred_on, 'YYYY-MM')"}
OPEN_CARRIED = (
    "UPDATE ledger_account SET carried_balance_cents = COALESCE("
    "(SELECT SUM(l.amount_cents) FROM journal_line l WHERE l.account_id = ledger_account.id), 0) "
    "WHERE kind NOT IN ('wallet', 'outlet')"
)
FILL_MONTHS = (
    "INSERT INTO ledger_month (account_id, month, caisse_id, for_month_cents, in_month_cents) "
    "SELECT l.account_id, COALESCE(e.period, {month}), a.caisse_id, "
    "SUM(CASE WHEN e.period IS NULL THEN 0 ELSE l.amount_cents END), "
    "SUM(CASE WHEN e.period IS NULL THEN l.amount_cents ELSE 0 END) "
    "FROM journal_line l JOIN ledger_account a ON a.id = l.account_id "
    "JOIN journal_entry e ON e.id = l.entry_id "
    "WHERE a.kind NOT IN ('wallet', 'outlet') "
    "GROUP BY l.account_id, COALESCE(e.period, {month}), a.caisse_id"
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("ledger_account") as batch:
        batch.add_column(sa.Column("carried_balance_cents", sa.BigInteger(), nullable=True))
    op.create_table(
        "ledger_month",
        sa.Column("account_id", ID, nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("caisse_id", ID, nullable=False),
        sa.Column("for_month_cents", sa.BigInteger(), nullable=False),
        sa.Column("in_month_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["ledger_account.id"], name=op.f("fk_ledger_month_account_id_ledger_account")
        ),
        sa.ForeignKeyConstraint(["caisse_id"], ["caisse.id"], name=op.f("fk_ledger_month_caisse_id_caisse")),
        sa.PrimaryKeyConstraint("account_id", "month", name=op.f("pk_ledger_month")),
    )
    op.create_index("ix_ledger_month_caisse_month", "ledger_month", ["caisse_id", "month"])
    if dialect == "postgresql":
        # As the model says: room for a close's new row versions beside the old ones.
        op.execute("ALTER TABLE ledger_account SET (fillfactor = 50)")
    op.execute(OPEN_CARRIED)
    op.execute(FILL_MONTHS.format(month=MONTH[dialect]))
    for statement in CARRY[dialect]:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in DROP_CARRY[dialect]:
        op.execute(statement)
    if dialect == "postgresql":
        op.execute("ALTER TABLE ledger_account RESET (fillfactor)")
    op.drop_index("ix_ledger_month_caisse_month", table_name="ledger_month")
    op.drop_table("ledger_month")
    with op.batch_alter_table("ledger_account") as batch:
        batch.drop_column("carried_balance_cents")
