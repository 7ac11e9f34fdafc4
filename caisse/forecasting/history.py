"""A caisse's closed months as arrays: what calibration, the live forecast and the back-test read.

Everything is read once, in a handful of grouped queries, so that the back-test can slice the same
history at every past month without going back to the database:

* each household's status at the end of every closed month, from its status changes;
* the receivables' months (`ledger_month`): each household's contributions due and paid, month
  by month;
* the wallets' lines summed by household, month and kind of movement: the credit each household had
  in a month and what it spent of it;
* the month-end reserve and credit outstanding (`caisse.reports.balances.month_end_series`);
* subsidies received (by funder), the funders' grant agreements, and running costs paid, month by
  month.

What is not kept by the caisse is not invented: incomes and chosen contributions are today's (the
caisse keeps no dated copy of them), so a population rebuilt for a past month has today's incomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import String, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from caisse import rules
from caisse.caisses.models import Caisse
from caisse.caisses.service import decode_rule_set, rule_set_in_force
from caisse.cycle.models import PeriodClose
from caisse.ledger.models import AccountKind, EntryKind, JournalEntry, JournalLine, LedgerAccount, LedgerMonth
from caisse.members.models import Member, MemberStatus, MemberStatusChange
from caisse.money.models import OperatingCost, Subsidy, SubsidySource
from caisse.money.subsidies import AGREEMENT_FIELDS, Agreement
from caisse.periods import last_day, month_of, months_between, next_month
from caisse.reports.balances import month_end_series

# Status codes in `HouseholdHistory.status` (0: not yet known to the caisse).
NONE, APPLICANT, ACTIVE, SUSPENDED, LEFT = range(5)
_CODE = {
    MemberStatus.APPLICANT: APPLICANT,
    MemberStatus.ACTIVE: ACTIVE,
    MemberStatus.SUSPENDED: SUSPENDED,
    MemberStatus.LEFT: LEFT,
}
# A month's credit below this is not counted in the spend-through: a household with 3 € left does
# not tell how much of its credit it spends.
MIN_CREDIT_CENTS = 500


@dataclass(frozen=True)
class HouseholdHistory:
    """The caisse's N households (every one ever registered), K closed months.

    Composition and income (€ a month) and chosen contribution (€, NaN: none) are today's;
    `status` (N, K) the status code at the end of each month; `due` and `paid` (N, K) cents of
    contribution due for the month and paid in it; `credit` and `spent` (N, K) cents of food credit
    the household had to spend in the month (what its wallet held before the month's spending: last
    month's balance plus the month's allocation, less its expiry) and spent in it (payments less
    refunds)."""

    adults: np.ndarray
    others_14_plus: np.ndarray
    children_under_14: np.ndarray
    income: np.ndarray
    chosen: np.ndarray
    status: np.ndarray
    due: np.ndarray
    paid: np.ndarray
    credit: np.ndarray
    spent: np.ndarray


@dataclass(frozen=True)
class CaisseHistory:
    """A caisse's K closed months, oldest first; money in cents, one value per month.

    `allocations`: food credit granted for the month; `reserve_end`, `outstanding_end`: the fund and
    the credit not yet redeemed (wallets and outlets) at the month's end; `subsidies`: (funder,
    month index, cents) of each grant received; `agreements`: the funders' grant agreements (by
    funder), as recorded today; `costs`: running costs paid in the month.
    `rule_sets`: the rules in force in each closed month and in the next open one (K + 1)."""

    slug: str
    name: str
    months: list[str]
    households: HouseholdHistory
    allocations: np.ndarray
    reserve_end: np.ndarray
    outstanding_end: np.ndarray
    subsidies: list[tuple[str, int, int]]
    agreements: dict[str, Agreement]
    costs: np.ndarray
    rule_sets: list[rules.RuleSet]
    credit_lifetime_months: int | None

    @property
    def free_reserve_end(self) -> np.ndarray:
        """Cents the caisse holds beyond the credit it has promised, at each month's end."""
        free: np.ndarray = self.reserve_end - self.outstanding_end
        return free

    @property
    def members_end(self) -> np.ndarray:
        """Member households at each month's end."""
        count: np.ndarray = (self.households.status == ACTIVE).sum(axis=0)
        return count

    @property
    def next_month(self) -> str:
        """The first month not closed: where a forecast from today starts."""
        return next_month(self.months[-1])


async def read_history(session: AsyncSession, caisse: Caisse) -> CaisseHistory | None:
    """The caisse's closed months, or None before its first close."""
    closed = (
        await session.execute(
            select(PeriodClose.month, PeriodClose.allocations_cents)
            .where(PeriodClose.caisse_id == caisse.id)
            .order_by(PeriodClose.month)
        )
    ).all()
    if not closed:
        return None
    months = months_between(closed[0][0], closed[-1][0])
    index = {month: k for k, month in enumerate(months)}
    allocations = np.zeros(len(months), dtype=np.int64)
    for month, cents in closed:
        allocations[index[month]] = cents
    households = await _households(session, caisse.id, months)
    series = await month_end_series(session, caisse.id, months)
    subsidies, costs = await _funding(session, caisse.id, index)
    sources = await session.execute(
        select(SubsidySource.name, *(getattr(SubsidySource, name) for name in AGREEMENT_FIELDS)).where(
            SubsidySource.caisse_id == caisse.id, SubsidySource.agreed_amount_cents.is_not(None)
        )
    )
    agreements = {name: Agreement(cents, every, until) for name, cents, every, until in sources}
    rule_sets = [
        decode_rule_set(await rule_set_in_force(session, caisse.id, month))
        for month in [*months, next_month(months[-1])]
    ]
    return CaisseHistory(
        slug=caisse.slug,
        name=caisse.name,
        months=months,
        households=households,
        allocations=allocations,
        reserve_end=np.array([m.reserve_cents for m in series], dtype=np.int64),
        outstanding_end=np.array([m.outstanding_credit_cents for m in series], dtype=np.int64),
        subsidies=subsidies,
        agreements=agreements,
        costs=costs,
        rule_sets=rule_sets,
        credit_lifetime_months=caisse.credit_lifetime_months,
    )


async def _households(session: AsyncSession, caisse_id: int, months: list[str]) -> HouseholdHistory:
    rows = (
        await session.execute(
            select(
                Member.id,
                Member.adults,
                Member.others_14_plus,
                Member.children_under_14,
                Member.monthly_income_cents,
                Member.chosen_contribution_cents,
            )
            .where(Member.caisse_id == caisse_id)
            .order_by(Member.id)
        )
    ).all()
    position = {row[0]: i for i, row in enumerate(rows)}
    table = np.array(
        [(a, o, c, cents / 100, np.nan if ch is None else ch / 100) for _, a, o, c, cents, ch in rows],
        dtype=np.float64,
    ).reshape(-1, 5)
    ends = [last_day(month) for month in months]
    status = np.zeros((len(rows), len(months)), dtype=np.int8)
    changes = await session.execute(
        select(MemberStatusChange.member_id, MemberStatusChange.to_status, MemberStatusChange.effective_on)
        .join(Member, Member.id == MemberStatusChange.member_id)
        .where(Member.caisse_id == caisse_id)
        .order_by(MemberStatusChange.effective_on, MemberStatusChange.id)
    )
    for member_id, to_status, effective_on in changes:
        # From the first month ending on or after the change, the household has its new status.
        first = _first_end_on_or_after(ends, effective_on)
        if first is not None:
            status[position[member_id], first:] = _CODE[MemberStatus(to_status)]
    due, paid = await _receivables(session, caisse_id, months, position)
    credit, spent = await _wallets(session, caisse_id, months, position)
    return HouseholdHistory(
        adults=table[:, 0].astype(np.int64),
        others_14_plus=table[:, 1].astype(np.int64),
        children_under_14=table[:, 2].astype(np.int64),
        income=table[:, 3],
        chosen=table[:, 4],
        status=status,
        due=due,
        paid=paid,
        credit=credit,
        spent=spent,
    )


def _first_end_on_or_after(ends: list[date], day: date) -> int | None:
    for k, end in enumerate(ends):
        if day <= end:
            return k
    return None


def _entry_month() -> ColumnElement[str]:
    """The month a journal entry counts in: its period, else the month it happened in."""
    return func.coalesce(JournalEntry.period, func.substr(cast(JournalEntry.occurred_on, String), 1, 7))


async def _wallets(
    session: AsyncSession, caisse_id: int, months: list[str], position: dict[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """(credit, spent) cents per household and month, from the wallets' lines summed by household,
    month and kind (a refund counts as the payment it reverses)."""
    original = aliased(JournalEntry)
    month = _entry_month()
    kind = func.coalesce(original.kind, JournalEntry.kind)
    rows = await session.execute(
        select(LedgerAccount.member_id, month, kind, func.sum(JournalLine.amount_cents))
        .join(JournalLine, JournalLine.account_id == LedgerAccount.id)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .outerjoin(original, original.id == JournalEntry.reverses_entry_id)
        .where(LedgerAccount.caisse_id == caisse_id, LedgerAccount.kind == AccountKind.WALLET)
        .group_by(LedgerAccount.member_id, month, kind)
    )
    k_of = {m: k for k, m in enumerate(months)}
    n, k_count = len(position), len(months)
    # Wallets are credit-normal: a raw −100 is 1 € more credit. Spending is the payments' lines.
    spending = np.zeros((n, k_count + 1), dtype=np.int64)
    other = np.zeros((n, k_count + 1), dtype=np.int64)
    for member_id, counted, moved_kind, raw in rows:
        if member_id not in position or counted > months[-1]:
            continue  # the open month: not part of the history
        k = k_of.get(counted)
        column = k if k is not None else k_count  # before the first close: opening movements
        target = spending if EntryKind(moved_kind) is EntryKind.PAYMENT else other
        target[position[member_id], column] -= int(raw)
    # Balance before each month: everything before it, spending included.
    before = np.zeros((n, k_count), dtype=np.int64)
    carried = other[:, k_count] + spending[:, k_count]
    for k in range(k_count):
        before[:, k] = carried
        carried = carried + other[:, k] + spending[:, k]
    credit = before + other[:, :k_count]
    spent = -spending[:, :k_count]
    return credit, spent


async def _receivables(
    session: AsyncSession, caisse_id: int, months: list[str], position: dict[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """(due, paid) cents per household and month: contributions due for the month, paid in it."""
    rows = await session.execute(
        select(LedgerAccount.member_id, LedgerMonth.month, LedgerMonth.for_month_cents)
        .add_columns(LedgerMonth.in_month_cents)
        .join(LedgerAccount, LedgerAccount.id == LedgerMonth.account_id)
        .where(
            LedgerMonth.caisse_id == caisse_id,
            LedgerAccount.kind == AccountKind.RECEIVABLE,
            LedgerMonth.month <= months[-1],
        )
    )
    k_of = {m: k for k, m in enumerate(months)}
    due = np.zeros((len(position), len(months)), dtype=np.int64)
    paid = np.zeros_like(due)
    for member_id, month, for_month, in_month in rows:
        if member_id not in position:
            continue
        k = k_of.get(month, 0)  # anything before the first closed month counts in it
        due[position[member_id], k] += for_month
        paid[position[member_id], k] -= in_month  # a payment credits the receivable
    return due, paid


async def _funding(
    session: AsyncSession, caisse_id: int, index: dict[str, int]
) -> tuple[list[tuple[str, int, int]], np.ndarray]:
    granted = await session.execute(
        select(SubsidySource.name, Subsidy.received_on, Subsidy.amount_cents)
        .join(SubsidySource, SubsidySource.id == Subsidy.source_id)
        .where(Subsidy.caisse_id == caisse_id)
        .order_by(Subsidy.received_on, Subsidy.id)
    )
    subsidies = [
        (name, index[month_of(day)], int(cents))
        for name, day, cents in granted
        if month_of(day) in index and cents > 0
    ]
    costs = np.zeros(len(index), dtype=np.int64)
    for day, cents in await session.execute(
        select(OperatingCost.paid_on, OperatingCost.amount_cents).where(OperatingCost.caisse_id == caisse_id)
    ):
        k = index.get(month_of(day))
        if k is not None:
            costs[k] += cents
    return subsidies, costs
