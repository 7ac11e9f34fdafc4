"""Programmatic Alembic: `caisse db upgrade` and the tests use the same entry points."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from caisse.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(settings: Settings | None = None, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["settings"] = settings
    config.attributes["connection"] = connection
    return config


def upgrade(settings: Settings | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings), revision)


def upgrade_connection(connection: Connection, revision: str = "head") -> None:
    """Migrate on an open synchronous connection (inside `AsyncConnection.run_sync`)."""
    command.upgrade(alembic_config(connection=connection), revision)


def downgrade(settings: Settings | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(settings), revision)
