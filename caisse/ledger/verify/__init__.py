"""`caisse ledger verify`: every invariant of the ledger, checked from the rows themselves.

Each check is one aggregate query (the database does the summing, so this scales to millions of
lines) that returns only the rows breaking it. A healthy ledger gives an empty `problems` list.
The checks live by subject in this package's modules; `verify_ledger` runs them in a fixed order.
"""

from __future__ import annotations

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.ledger.models import JournalEntry, JournalLine
from caisse.ledger.verify import accounts, entries, periods, records, reversals, triggers
from caisse.ledger.verify.checker import MAX_PER_CHECK, Checker, LedgerProblem
from caisse.redemptions import verify as payouts
from caisse.spending.checks import check_outlet_payments

__all__ = ["MAX_PER_CHECK", "LedgerProblem", "LedgerReport", "verify_ledger"]

CHECKS = (
    entries.check_entries_balance,
    entries.check_lines_in_own_caisse,
    entries.check_caisse_balances,
    entries.check_no_negative_credit,
    accounts.check_member_accounts,
    accounts.check_caisse_accounts,
    accounts.check_subsidy_accounts,
    accounts.check_carried_balances,
    reversals.check_reversals,
    reversals.check_no_reversed_redemptions,
    reversals.check_idempotency_keys,
    records.check_money_records,
    periods.check_period_closes,
    periods.check_withheld_releases,
    triggers.check_triggers,
    *payouts.CHECKS,
    check_outlet_payments,
)


class LedgerReport(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of `verify_ledger`: `ok` is True exactly when `problems` is empty."""

    ok: bool
    entries: int
    lines: int
    caisses: int
    problems: list[LedgerProblem]

    def summary(self) -> str:
        if self.ok:
            return f"ledger OK: {self.entries} entries, {self.lines} lines, {self.caisses} caisses"
        return f"ledger BROKEN: {len(self.problems)} problem(s) in {self.entries} entries, {self.lines} lines"


async def verify_ledger(session: AsyncSession, caisse_id: int | None = None) -> LedgerReport:
    """Check every ledger invariant, for one caisse or (None) for the whole installation.

    Read-only; safe to run at any time (it sees the committed state of one transaction).
    """
    checker = Checker(session, caisse_id)
    for check in CHECKS:
        await check(checker)
    entries = await session.scalar(
        select(func.count()).select_from(JournalEntry).where(checker.scoped(JournalEntry.caisse_id))
    )
    lines = await session.scalar(
        select(func.count())
        .select_from(JournalLine)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(checker.scoped(JournalEntry.caisse_id))
    )
    caisses = await session.scalar(select(func.count()).select_from(Caisse).where(checker.scoped(Caisse.id)))
    return LedgerReport(
        ok=not checker.problems,
        entries=int(entries or 0),
        lines=int(lines or 0),
        caisses=int(caisses or 0),
        problems=checker.problems,
    )
