"""Limit/offset pagination for lists (services check the window, the API returns a Page)."""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

from caisse.errors import ValidationFailed

T = TypeVar("T")

MAX_LIMIT = 500
# Far beyond any caisse's row count, and well inside every integer type the databases bind.
MAX_OFFSET = 2**31 - 1


class Page(msgspec.Struct, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def check_window(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}, got {limit}.")
    if not 0 <= offset <= MAX_OFFSET:
        raise ValidationFailed(f"offset must be between 0 and {MAX_OFFSET}, got {offset}.")
