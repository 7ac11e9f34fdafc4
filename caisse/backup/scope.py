"""Which rows of which table belong to one caisse, and in which order they are written back.

Every table is classified here, or the export refuses to run (a test enumerates the tables): a
new table is either exported or left out for a stated reason, never forgotten.

- a table with a `caisse_id` column: its rows naming the caisse (`caisse` itself: the caisse's row);
- a table under one of those (`PARENTS`): the rows of the caisse's parents, e.g. journal lines of
  its entries, the roll and tally of its ballots;
- `user_account`: every account the caisse's rows name (role grants, voters, authors of entries,
  committee seats, audit events…), password hashes included: the archive is a backup, from which
  people must be able to log in again;
- `EXCLUDED`: installation-wide credentials and counters that belong to no caisse, and sums the
  database keeps itself from the rows imported.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, Table, select
from sqlalchemy.sql import ColumnElement

from caisse.db.models import Base

USERS = "user_account"

# table -> (its column naming the parent row, the parent table, which has a caisse_id)
PARENTS: dict[str, tuple[str, str]] = {
    "journal_line": ("entry_id", "journal_entry"),
    "member_status_change": ("member_id", "member"),
    "member_pin": ("member_id", "member"),
    "outlet_status_change": ("outlet_id", "outlet"),
    "assessment": ("outlet_id", "outlet"),
    "ballot_voter": ("ballot_id", "ballot"),
    "ballot_tally": ("ballot_id", "ballot"),
    "ballot_receipt": ("ballot_id", "ballot"),
    "lottery_volunteer": ("draw_id", "lottery_draw"),
    "redemption_event": ("redemption_id", "redemption"),
}

EXCLUDED: dict[str, str] = {
    "api_token": "a script's credential for a user across the installation: issue a new one after a restore",
    "user_session": "live login sessions: people log in again after a restore",
    "login_failure": "the login brake's recent failures, counted per e-mail across the installation",
    # Derived, not recorded: the database's trigger rebuilds it as the journal lines are imported.
    "ledger_month": "the accounts' lines summed by month, kept by a trigger on journal_line",
}


@dataclass(frozen=True)
class TableScope:
    table: Table
    kind: str  # "caisse", "direct", "child" or "users"

    def select_rows(self, caisse_id: int) -> Select[tuple[object, ...]]:
        """The caisse's rows of this table (users are chosen from the other tables' rows)."""
        return select(self.table).where(self.belongs(caisse_id))

    def belongs(self, caisse_id: int) -> ColumnElement[bool]:
        table = self.table
        if self.kind == "caisse":
            return table.c.id == caisse_id
        if self.kind == "direct":
            return table.c.caisse_id == caisse_id
        if self.kind == "child":
            column, parent_name = PARENTS[table.name]
            parent = Base.metadata.tables[parent_name]
            return table.c[column].in_(select(parent.c.id).where(parent.c.caisse_id == caisse_id))
        raise ValueError(f"{table.name}'s rows are chosen from the other tables' rows")


def _kind(table: Table) -> str:
    if table.name == "caisse":
        return "caisse"
    if table.name == USERS:
        return "users"
    if "caisse_id" in table.c:
        return "direct"
    if table.name in PARENTS:
        parent = Base.metadata.tables[PARENTS[table.name][1]]
        if "caisse_id" not in parent.c:
            raise RuntimeError(f"{table.name}'s parent {parent.name} has no caisse_id")
        return "child"
    raise RuntimeError(
        f"table {table.name} is neither exported nor excluded: classify it in caisse.backup.scope"
    )


def archive_plan() -> list[TableScope]:
    """Every exported table, parents before children (the order rows are inserted on import)."""
    return [
        TableScope(table, _kind(table)) for table in Base.metadata.sorted_tables if table.name not in EXCLUDED
    ]


def user_columns(table: Table) -> list[str]:
    """The columns of `table` naming a user account."""
    return [
        column.name for column in table.c if any(fk.column.table.name == USERS for fk in column.foreign_keys)
    ]
