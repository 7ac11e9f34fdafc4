"""Ids on import: kept when the database has room for them, shifted consistently when it has not.

Each table's ids are kept when no row of the database has an id in the archive's range for that
table (an empty database keeps every id, so the restore is exact); otherwise every id of that table
is shifted by the same offset, above the database's highest id, so their order is kept. A user
whose e-mail already has an account is that account (it is not imported again).

Ids also live inside a few texts the software reads back: account codes (`wallet:<member>`),
a decision's `ballot:<id>`, audit events' subjects, idempotency keys naming a payment, an outlet or
a withheld allocation. Those are rewritten with their rows. Free text (memos, reasons) and the
bank's files (payout batches' SEPA XML and CSV, exactly what the bank received) are kept as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table

from caisse.backup.archive import ArchiveRefused, TableRows
from caisse.backup.scope import USERS
from caisse.db.models import Base

# Columns holding another table's id without a foreign key.
EXTRA_REFERENCES = {("ledger_account", "outlet_id"): "outlet"}

# (table, column, pattern whose first group is an id, the table of that id)
TEXT_IDS: tuple[tuple[str, str, re.Pattern[str], str], ...] = (
    ("ledger_account", "code", re.compile(r"^(?:wallet|receivable):([0-9]+)$"), "member"),
    ("ledger_account", "code", re.compile(r"^outlet:([0-9]+)$"), "outlet"),
    ("ledger_account", "code", re.compile(r"^subsidy:([0-9]+)$"), "subsidy_source"),
    ("ledger_account", "name", re.compile(r"^(?:Porte-monnaie|Cotisations dues) ([0-9]+)$"), "member"),
    ("ledger_account", "name", re.compile(r"^Lieu conventionné ([0-9]+) – "), "outlet"),
    ("outlet_status_change", "decision_ref", re.compile(r"^ballot:([0-9]+)$"), "ballot"),
    ("journal_entry", "idempotency_key", re.compile(r"^refund:([0-9]+)$"), "outlet_payment"),
    ("journal_entry", "idempotency_key", re.compile(r"^pay:([0-9]+):"), "outlet"),
    (
        "journal_entry",
        "idempotency_key",
        re.compile(r"^withheld-allocation:([0-9]+)(?::[0-9]+)?$"),
        "withheld_allocation",
    ),
)

# An audit event's subject_type -> the table its subject_id is an id of.
AUDIT_SUBJECTS = {
    "member": "member",
    "user": USERS,
    "outlet": "outlet",
    "caisse": "caisse",
    "lottery_draw": "lottery_draw",
    "ballot": "ballot",
}


@dataclass
class IdMap:
    """archive id -> database id, per table: `offsets[table]` is added to every id (0 when kept);
    users are mapped one by one (`users`), those in `existing_users` to accounts already there."""

    offsets: dict[str, int] = field(default_factory=dict)
    users: dict[int, int] = field(default_factory=dict)
    existing_users: set[int] = field(default_factory=set)

    def new_id(self, table: str, old: int) -> int:
        if table != USERS:
            return old + self.offsets.get(table, 0)
        try:
            return self.users[old]
        except KeyError:
            raise ArchiveRefused(f"The archive names user {old}, whom it does not hold.") from None

    @property
    def shifted(self) -> list[str]:
        """The tables whose ids changed."""
        moved = sorted(name for name, offset in self.offsets.items() if offset)
        if any(old != new for old, new in self.users.items()):
            moved.append(USERS)
        return moved


def references(table: Table) -> dict[str, str]:
    """column -> the table whose id it holds (the primary key `id` holds its own table's)."""
    found: dict[str, str] = {}
    for column in table.c:
        if column.primary_key and column.name == "id":
            found[column.name] = table.name
        for fk in column.foreign_keys:
            if fk.column.name == "id":
                found[column.name] = fk.column.table.name
        extra = EXTRA_REFERENCES.get((table.name, column.name))
        if extra is not None:
            found[column.name] = extra
    return found


def remap_table(name: str, rows: TableRows, ids: IdMap) -> TableRows:
    """The table's rows with every id, and every id inside a known text, mapped by `ids`."""
    table = Base.metadata.tables[name]
    columns = rows.columns
    id_columns = [(columns.index(c), target) for c, target in references(table).items() if c in columns]
    texts = [(columns.index(c), pattern, target) for t, c, pattern, target in TEXT_IDS if t == name]
    subject = (columns.index("subject_type"), columns.index("subject_id")) if name == "audit_event" else None
    out: list[list[Any]] = []
    for row in rows.rows:
        new = list(row)
        for index, target in id_columns:
            if new[index] is not None:
                new[index] = ids.new_id(target, new[index])
        for index, pattern, target in texts:
            if isinstance(new[index], str):
                new[index] = _rewrite(new[index], pattern, target, ids)
        if subject is not None:
            new[subject[1]] = _audit_subject(new[subject[0]], new[subject[1]], ids)
        out.append(new)
    return TableRows(columns=columns, rows=out)


def _rewrite(text: str, pattern: re.Pattern[str], target: str, ids: IdMap) -> str:
    match = pattern.search(text)
    if match is None:
        return text
    start, end = match.span(1)
    return f"{text[:start]}{ids.new_id(target, int(match.group(1)))}{text[end:]}"


def _audit_subject(subject_type: Any, subject_id: Any, ids: IdMap) -> Any:
    target = AUDIT_SUBJECTS.get(subject_type)
    if (
        target is None
        or not isinstance(subject_id, str)
        or not subject_id.isascii()
        or not subject_id.isdigit()
    ):
        return subject_id
    if target == USERS and int(subject_id) not in ids.users:
        return subject_id
    return str(ids.new_id(target, int(subject_id)))
