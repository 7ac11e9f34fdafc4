"""Declarative base, column types and helpers shared by every model."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Enum, Integer, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments an `INTEGER PRIMARY KEY`; PostgreSQL gets a real BIGINT.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")
# Money is always integer cents.
Cents = BigInteger


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class IdMixin:
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)


class CreatedAtMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def str_enum(enum_cls: type[enum.Enum], length: int = 24, name: str | None = None) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, storing the values.

    `name` names the CHECK constraint; give one when a table has two columns of one enum.
    """
    return Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
        create_constraint=True,
        name=name or enum_cls.__name__.lower(),
    )


def month_column(**kwargs: Any) -> Any:
    """A period `YYYY-MM` (sorts correctly as text)."""
    from sqlalchemy import String

    return mapped_column(String(7), **kwargs)
