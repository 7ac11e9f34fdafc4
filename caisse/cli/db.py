"""`caisse db ...`: create or migrate the schema."""

from __future__ import annotations

import click

from caisse.cli.support import domain_errors_exit
from caisse.db import migrate


@click.group()
def db() -> None:
    """The database schema."""


@db.command()
@click.option("--revision", default="head", show_default=True, help="Alembic revision to upgrade to.")
@domain_errors_exit
def upgrade(revision: str) -> None:
    """Create or migrate the schema (CAISSE_DATABASE_URL; SQLite file by default)."""
    migrate.upgrade(revision=revision)
    click.echo(f"database at revision {revision}")
