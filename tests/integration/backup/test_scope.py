"""What an archive holds: every table of the caisse, the accounts its rows name, nothing else."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, Table

from caisse.backup import Archive
from caisse.backup.scope import EXCLUDED, USERS, _kind, archive_plan
from caisse.db.models import Base

from .checks import rows_of


def test_every_table_is_exported_or_left_out_for_a_stated_reason() -> None:
    exported = {scope.table.name for scope in archive_plan()}
    assert exported | (set(EXCLUDED) & set(Base.metadata.tables)) == set(Base.metadata.tables)
    assert not exported & set(EXCLUDED)
    with pytest.raises(RuntimeError, match="neither exported nor excluded"):
        _kind(Table("mystery", MetaData(), Column("id", Integer, primary_key=True)))


def test_archive_of_a_caisse_with_history_has_rows_in_every_table(history_archive: Archive) -> None:
    assert [name for name, count in history_archive.counts.items() if not count] == []
    assert not set(history_archive.tables) & set(EXCLUDED)
    users = rows_of(history_archive.tables[USERS])
    granted = {g["user_id"] for g in rows_of(history_archive.tables["role_grant"])}
    assert granted <= {u["id"] for u in users}
    assert all(u["password_hash"].startswith("$argon2") for u in users)  # a backup people log in from
    keys = [e["idempotency_key"] or "" for e in rows_of(history_archive.tables["journal_entry"])]
    assert any(k.startswith("refund:") for k in keys) and any(
        k.startswith("withheld-allocation:") for k in keys
    )
