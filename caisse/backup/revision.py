"""The schema revision an archive's rows fit: Alembic's head, as recorded by the database."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection

from caisse.backup.archive import ArchiveRefused
from caisse.db.migrate import alembic_config


def code_revision() -> str:
    """The newest migration this version of the software ships (its models are that schema)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("no Alembic migration found")
    return head


async def database_revision(connection: AsyncConnection) -> str | None:
    """The revision `caisse db upgrade` recorded, or None for a schema made without Alembic
    (the tests' `create_all`), which is the models' schema by construction."""
    has_table = await connection.run_sync(lambda sync: inspect(sync).has_table("alembic_version"))
    if not has_table:
        return None
    return await connection.scalar(text("SELECT version_num FROM alembic_version"))


async def current_schema_revision(connection: AsyncConnection) -> str:
    """The revision of the connected database, refused unless it is the code's own: rows are read
    and written through the code's models."""
    expected = code_revision()
    found = await database_revision(connection)
    if found is not None and found != expected:
        raise ArchiveRefused(
            f"The database schema is at revision {found}, this software expects {expected}: "
            "run `caisse db upgrade` first."
        )
    return expected
