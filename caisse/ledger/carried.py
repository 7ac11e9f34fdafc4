"""Carried balances: the database keeps each account's balance, and its lines by month, as lines
are inserted, for every account but wallets and outlets.

Several pages ask a figure of every household, or of every month, at once: what each household
owes (the arrears list, the close's withholding rule), a month's contributions due and paid
household by household, the reserve at the end of each month (the transparency page). Summing the
lines for that grows with the ledger's history: 1.2 s for the contributions page with 10 000
households after three months (benchmarks/pages.md). So:

* `ledger_account.carried_balance_cents` is the sum of the account's lines (raw, debit-positive);
* `ledger_month` holds the same lines summed by the month they count in (the entry's period, else
  the month it happened: `caisse.reports.flows.booked_by_end_of`), split between entries for a
  month and entries of a day. A month-end balance is the sum of the months up to it.

Wallets and outlets carry nothing (NULL, and no `ledger_month` rows): every payment at an outlet
moves one of each, and it must not queue on its outlet's row. The balance identity gives their
total from the other side (`caisse.reports.balances`).

A trigger on `journal_line` does the sums in the inserting transaction. Being in the database, it
holds for every path that writes lines (the services, the close's bulk insert, the demo and
benchmark builders, an import); lines are never updated or deleted (`caisse.db.append_only`).
PostgreSQL runs it once per statement over the new rows (a close inserts thousands of lines at
once), taking the carrying rows' locks in id order, so two postings never deadlock on them; SQLite,
one writer at a time, once per row. `verify_ledger` checks every figure against the lines
(`caisse.ledger.verify.accounts.check_carried_balances`).

The trigger belongs to the schema: `Base.metadata.create_all` installs it with `journal_line`
(tests, benchmarks), and migration 0006 installs it on migrated databases.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import DDL, event, func

from caisse.ledger.models import JournalEntry, JournalLine

TRIGGER = "journal_line_carry_balance"
FUNCTION = "caisse_carry_balance"

# SQLite stores a Date as 'YYYY-MM-DD' text: its month is the first seven characters.
_SQLITE_ENTRY = "FROM journal_entry e WHERE e.id = NEW.entry_id"
SQLITE = [
    f"CREATE TRIGGER IF NOT EXISTS {TRIGGER} AFTER INSERT ON journal_line "
    "WHEN (SELECT carried_balance_cents FROM ledger_account WHERE id = NEW.account_id) IS NOT NULL "
    "BEGIN "
    "UPDATE ledger_account SET carried_balance_cents = carried_balance_cents + NEW.amount_cents "
    "WHERE id = NEW.account_id; "
    "INSERT OR IGNORE INTO ledger_month (account_id, month, caisse_id, for_month_cents, in_month_cents) "
    "SELECT NEW.account_id, coalesce(e.period, substr(e.occurred_on, 1, 7)), "
    f"(SELECT caisse_id FROM ledger_account WHERE id = NEW.account_id), 0, 0 {_SQLITE_ENTRY}; "
    "UPDATE ledger_month SET "
    "for_month_cents = for_month_cents "
    f"+ (SELECT CASE WHEN e.period IS NULL THEN 0 ELSE NEW.amount_cents END {_SQLITE_ENTRY}), "
    "in_month_cents = in_month_cents "
    f"+ (SELECT CASE WHEN e.period IS NULL THEN NEW.amount_cents ELSE 0 END {_SQLITE_ENTRY}) "
    "WHERE account_id = NEW.account_id "
    f"AND month = (SELECT coalesce(e.period, substr(e.occurred_on, 1, 7)) {_SQLITE_ENTRY}); "
    "END",
]

POSTGRESQL = [
    f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "PERFORM 1 FROM ledger_account WHERE id IN (SELECT account_id FROM new_lines) "
    "AND carried_balance_cents IS NOT NULL ORDER BY id FOR NO KEY UPDATE; "
    "IF NOT FOUND THEN RETURN NULL; END IF; "
    "UPDATE ledger_account AS a SET carried_balance_cents = a.carried_balance_cents + n.total "
    "FROM (SELECT account_id, sum(amount_cents) AS total FROM new_lines GROUP BY account_id) AS n "
    "WHERE a.id = n.account_id AND a.carried_balance_cents IS NOT NULL; "
    "INSERT INTO ledger_month AS m (account_id, month, caisse_id, for_month_cents, in_month_cents) "
    "SELECT n.account_id, coalesce(e.period, to_char(e.occurred_on, 'YYYY-MM')), a.caisse_id, "
    "sum(CASE WHEN e.period IS NULL THEN 0 ELSE n.amount_cents END), "
    "sum(CASE WHEN e.period IS NULL THEN n.amount_cents ELSE 0 END) "
    "FROM new_lines n JOIN ledger_account a ON a.id = n.account_id "
    "JOIN journal_entry e ON e.id = n.entry_id "
    "WHERE a.carried_balance_cents IS NOT NULL "
    "GROUP BY 1, 2, 3 ORDER BY 1, 2 "
    "ON CONFLICT (account_id, month) DO UPDATE SET "
    "for_month_cents = m.for_month_cents + EXCLUDED.for_month_cents, "
    "in_month_cents = m.in_month_cents + EXCLUDED.in_month_cents; "
    "RETURN NULL; END $$",
    f"CREATE TRIGGER {TRIGGER} AFTER INSERT ON journal_line REFERENCING NEW TABLE AS new_lines "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()",
]


def line_month(dialect: str) -> Any:
    """The month a line counts in, as the trigger computes it: its entry's period, else the month
    its entry happened."""
    if dialect == "sqlite":
        happened = func.substr(JournalEntry.occurred_on, 1, 7)
    else:
        happened = func.to_char(JournalEntry.occurred_on, "YYYY-MM")
    return func.coalesce(JournalEntry.period, happened)


def install_statements(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return list(SQLITE)
    if dialect == "postgresql":
        return list(POSTGRESQL)
    raise ValueError(f"unsupported database dialect {dialect!r}")


# Neither database resolves the tables a trigger's body names before it runs, so the order in
# which create_all makes `journal_line` and `ledger_month` does not matter.
for _statement in SQLITE:
    event.listen(JournalLine.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRESQL:
    event.listen(JournalLine.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
