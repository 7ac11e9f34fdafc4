"""Limit/offset pagination for list endpoints."""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

from caisse.errors import ValidationFailed

T = TypeVar("T")

MAX_LIMIT = 500


class Page(msgspec.Struct, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def check_window(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}, got {limit}.")
    if offset < 0:
        raise ValidationFailed(f"offset must be 0 or more, got {offset}.")
