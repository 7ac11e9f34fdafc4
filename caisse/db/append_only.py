"""Database triggers that make the ledger and the audit log append-only.

Installed by the migration (and by the test schema), so even a script that bypasses the
services cannot rewrite history: corrections are reversing entries.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

# Payout batches and the redemptions' history are records of money that left the bank.
APPEND_ONLY_TABLES = ("journal_entry", "journal_line", "audit_event", "payout_batch", "redemption_event")


def install_statements(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_append_only_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: post a reversing entry instead'); END"
            for table in APPEND_ONLY_TABLES
            for op in ("UPDATE", "DELETE")
        ]
    if dialect == "postgresql":
        function = (
            "CREATE OR REPLACE FUNCTION caisse_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only: post a reversing entry instead', TG_TABLE_NAME; END $$"
        )
        return [function] + [
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION caisse_append_only()"
            for table in APPEND_ONLY_TABLES
        ]
    raise ValueError(f"unsupported database dialect {dialect!r}")


def install(connection: Connection) -> None:
    for statement in install_statements(connection.dialect.name):
        connection.execute(text(statement))
