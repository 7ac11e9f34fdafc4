"""Alembic environment: runs migrations on the async engine built from Settings."""

from __future__ import annotations

import asyncio
from typing import Literal

from alembic import context
from sqlalchemy.engine import Connection

from caisse.db.base import UtcDateTime
from caisse.db.engine import make_engine
from caisse.db.models import Base
from caisse.settings import Settings

config = context.config
target_metadata = Base.metadata


def _render_item(type_: str, obj: object, autogen_context: object) -> str | Literal[False]:
    # Migrations must not import the application: write UtcDateTime as the column it is.
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch migrations rebuild a table by copy and rename, which the foreign keys of the
        # tables pointing at it would refuse; SQLite's own procedure turns them off meanwhile
        # (outside any transaction: the pragma is a no-op inside one) and checks them after.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")


async def _run_async(settings: Settings) -> None:
    engine = make_engine(settings)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


def run() -> None:
    if context.is_offline_mode():
        raise SystemExit("Offline (--sql) migrations are not supported; run `caisse db upgrade`.")
    settings = config.attributes.get("settings") or Settings.from_env()
    asyncio.run(_run_async(settings))


run()
