"""What every check shares: the caisse it looks at, and how a broken row becomes a problem."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy import literal
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

# Enough rows per broken invariant to find the fault; the count says how many there are in all.
MAX_PER_CHECK = 20


class LedgerProblem(msgspec.Struct, frozen=True, kw_only=True):
    """One broken invariant: `code` is stable (scripts match on it), `message` is for people."""

    code: str
    message: str
    caisse_id: int | None = None
    entry_id: int | None = None
    account_id: int | None = None


class Checker:
    """Runs the checks' queries in one session, scoped to one caisse (or all), and collects problems."""

    def __init__(self, session: AsyncSession, caisse_id: int | None) -> None:
        self.session = session
        self.caisse_id = caisse_id
        self.problems: list[LedgerProblem] = []

    def scoped(self, column: Any) -> ColumnElement[bool]:
        return literal(True) if self.caisse_id is None else column == self.caisse_id

    async def rows(self, query: Any) -> Sequence[Any]:
        return (await self.session.execute(query.limit(MAX_PER_CHECK + 1))).all()

    def add(self, code: str, message: str, **where: int | None) -> None:
        self.problems.append(LedgerProblem(code=code, message=message, **where))

    def add_rows(self, code: str, rows: Sequence[Any], describe: Any, **where: str) -> None:
        """One problem per row (at most MAX_PER_CHECK), then a line saying more were cut."""
        for row in rows[:MAX_PER_CHECK]:
            self.add(code, describe(row), **{key: getattr(row, attr) for key, attr in where.items()})
        if len(rows) > MAX_PER_CHECK:
            self.add(code, f"more '{code}' problems than the {MAX_PER_CHECK} listed above")
