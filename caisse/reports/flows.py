"""Shared pieces of the reports: what a correction counts as, and balances at a month's end."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, or_
from sqlalchemy.sql import ColumnElement

from caisse.ledger.models import EntryKind, JournalEntry
from caisse.periods import last_day


def counts_as(kind: EntryKind, original_kind: EntryKind | None) -> EntryKind:
    """A reversal counts against the kind of entry it reverses (a reversed payment lowers the
    contributions paid); every other entry counts as its own kind."""
    if kind is EntryKind.REVERSAL and original_kind is not None:
        return original_kind
    return kind


def booked_by_end_of(month: str) -> ColumnElement[bool]:
    """Entries making up the balances at the end of `month`: those for that month or an earlier
    one (contributions due, allocations, expiries, whenever the close posted them), and entries
    without a month that happened by its last day (payments, subsidies, costs, spending)."""
    end: date = last_day(month)
    return or_(
        and_(JournalEntry.period.is_not(None), JournalEntry.period <= month),
        and_(JournalEntry.period.is_(None), JournalEntry.occurred_on <= end),
    )
