"""What the reports say, as msgspec Structs shared by the API and `--json` on the command line.

Money is integer cents; `*_cents` fields never hold euros.
"""

from __future__ import annotations

import msgspec


class SourceFlow(msgspec.Struct, frozen=True, kw_only=True):
    source_id: int
    source: str
    kind: str
    cents: int


class MoneyIn(msgspec.Struct, frozen=True, kw_only=True):
    """Cash received in the month (by the day it moved), net of corrections."""

    contributions_paid_cents: int
    subsidies_by_source: list[SourceFlow]
    subsidies_cents: int
    opening_reserve_cents: int
    total_cents: int


class MoneyOut(msgspec.Struct, frozen=True, kw_only=True):
    """Cash paid out in the month: redemptions to outlets (from issue 3 on) and operating costs."""

    redemptions_cents: int
    costs_cents: int
    total_cents: int


class MonthReport(msgspec.Struct, frozen=True, kw_only=True):
    """One month of a caisse.

    Cash (`money_in`, `money_out`, `net_flow_cents`) is grouped by the day money moved; what the
    close books (`contributions_due_cents`, `allocations_cents`, `expired_cents`) by the month it
    is for. A correction counts against what it corrects, in the month it is made.

    Balances are at the end of the month: `reserve_cents` is the fund (cash), so
    reserve(month) = reserve(month before) + net_flow(month); `outstanding_credit_cents` is what
    the caisse owes in food credit (wallets plus outlets' unredeemed credit); `arrears_cents` is
    what households owe, `prepaid_cents` what they paid in advance.
    `self_financing_ratio` = contributions due / allocations (null when nothing was allocated).
    `allocations_cents` counts allocations credited at the close and those withheld then and
    released later, once paid; `withheld_cents` is what the close held back (null while open).
    """

    caisse: str
    month: str
    closed: bool
    money_in: MoneyIn
    money_out: MoneyOut
    net_flow_cents: int
    reserve_cents: int
    outstanding_credit_cents: int
    contributions_due_cents: int
    allocations_cents: int
    expired_cents: int
    withheld_cents: int | None
    arrears_cents: int
    prepaid_cents: int
    self_financing_ratio: float | None


class ReportMonth(msgspec.Struct, frozen=True, kw_only=True):
    month: str
    closed: bool


class StatementMonth(msgspec.Struct, frozen=True, kw_only=True):
    """One month of a household's year. Contributions due and credit expired are in the month
    they are for; contributions paid, credit received and spent in the month the money moved."""

    month: str
    contributions_due_cents: int
    contributions_paid_cents: int
    allocations_received_cents: int
    expired_cents: int
    spent_cents: int


class MemberStatement(msgspec.Struct, frozen=True, kw_only=True):
    """A household's year: what it owed and paid, the food credit it received, and the
    over-contribution that can be receipted for tax, on a cash basis:
    `over_contribution_cents` = max(0, min(contributions paid in the year, contributions due for
    its months) − credit received in the year); `tax_reduction_cents` is 66 % of it.
    `over_contribution_note` says so in words."""

    caisse: str
    member_code: str
    reference_person: str
    year: int
    contributions_due_cents: int
    contributions_paid_cents: int
    allocations_received_cents: int
    expired_cents: int
    spent_cents: int
    over_contribution_cents: int
    tax_reduction_cents: int
    over_contribution_note: str
    months: list[StatementMonth]
