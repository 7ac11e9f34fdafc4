"""What a month's close reports: the totals stored on its PeriodClose row."""

from __future__ import annotations

from datetime import datetime

import msgspec


class PeriodSummary(msgspec.Struct, frozen=True, kw_only=True):
    """One closed month. Money in integer cents.

    `allocations_cents` is what the close credited to wallets; `withheld_cents` is the part of the
    month's allocation held back because the contribution was unpaid (credit_requires_payment).
    `expired_cents` is credit that lapsed at this close, before the month's allocation was credited.
    `preset` and `rule_set_effective_from` name the rule set the month was billed with.
    """

    month: str
    households: int
    contributions_due_cents: int
    allocations_cents: int
    withheld_cents: int
    expired_cents: int
    preset: str | None
    rule_set_effective_from: str
    closed_at: datetime


class CloseResult(PeriodSummary, frozen=True, kw_only=True):
    """The outcome of `close_month`: `already_closed` is True when nothing was posted this time."""

    already_closed: bool


class CloseRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    month: str


class CycleStatus(msgspec.Struct, frozen=True, kw_only=True):
    """Where a caisse stands in its monthly cycle: closed months (oldest first) and the next to close."""

    caisse: str
    first_month: str
    last_closed: str | None
    next_month: str
    credit_lifetime_months: int | None
    credit_requires_payment: bool
    periods: list[PeriodSummary]
