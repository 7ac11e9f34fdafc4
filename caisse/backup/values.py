"""Column values to and from the archive's JSON: the same text whichever database they came from.

Moments are ISO 8601 in UTC with their offset, days ISO dates, decimals their exact text, enums
their stored value; integers, text, booleans and NULL as themselves.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column
from sqlalchemy.types import TypeDecorator

Decoder = Callable[[Any], Any]


def to_archive(value: Any) -> Any:
    """A value read from the database, as the archive holds it."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot archive a {type(value).__name__} value")


def _or_none(convert: Decoder) -> Decoder:
    return lambda value: None if value is None else convert(value)


def decoder(column: Column[Any]) -> Decoder:
    """How the archive's value of `column` becomes the value written to the database."""
    column_type = column.type
    # A decorated type (UtcDateTime) reports `object`; the type it decorates says what it holds.
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    python_type = column_type.python_type
    if issubclass(python_type, datetime):
        return _or_none(datetime.fromisoformat)
    if issubclass(python_type, date):
        return _or_none(date.fromisoformat)
    if issubclass(python_type, Decimal):
        return _or_none(Decimal)
    if issubclass(python_type, enum.Enum):
        return _or_none(python_type)
    return lambda value: value
