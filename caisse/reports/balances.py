"""Month-end balances (reserve, outstanding credit, arrears, prepaid) without summing every wallet.

The straightforward computation sums the lines of the fund, of every wallet and outlet, and of every
receivable, over the entries booked by the month's end: nearly every line of the ledger (240 000
after three months with 10 000 households, more every month), each joined to its entry and account.
The month report ran three such statements (60–380 ms each, benchmarks/pages.md).

Two things make it cheaper while keeping every figure identical:

* **Outstanding credit from the other side of the ledger.** Every entry's lines sum to zero
  (`caisse.ledger.posting.check_balanced`; `verify_ledger` checks it), and "booked by the end of the
  month" keeps or drops whole entries. So over those entries, wallets + outlets = −(every other
  account): the caisse-level accounts (fund, contributions, allocations, expired credit, subsidies,
  costs, opening) and the receivables, which the arrears need anyway. The wallet and outlet lines
  (payments alone are 150 000 of the 240 000, and cancel out) are never read. This holds for any
  balanced entry, whatever its kind: nothing assumes which entries touch wallets.
* **Leave out the entries after the month rather than keep those before it.** The pages ask for the
  current month (staff dashboard) or the last closed one (transparency): the entries not yet counted
  are at most a month's, found through the entry indexes (period, occurred_on), so
  `month_end_balances` drops their lines instead of joining every line to its entry.

`tests/integration/reports/test_month_end_balances.py` compares both functions with every line
summed in Python, month by month, on a caisse with history, on SQLite and PostgreSQL.

The lines are still summed (no stored figure can go stale), so the cost still grows with the
receivable and fund lines, about a third of the ledger. Storing month-end figures at the close would
make a closed month constant-time; it needs a boundary that a posting racing the close cannot cross
(benchmarks/pages.md, "What is left").
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.ledger.models import AccountKind, JournalEntry, JournalLine, LedgerAccount
from caisse.periods import last_day
from caisse.reports.flows import booked_by_end_of

# Wallets and outlets: what the caisse owes in food credit, read from the other side.
CREDIT_KINDS = (AccountKind.WALLET, AccountKind.OUTLET)


@dataclass(frozen=True)
class MonthEnd:
    """Balances at the end of a month, in cents (as people read them: what is held, what is owed)."""

    month: str
    reserve_cents: int
    outstanding_credit_cents: int


@dataclass(frozen=True)
class MonthEndBalances:
    reserve_cents: int
    outstanding_credit_cents: int
    arrears_cents: int
    prepaid_cents: int


async def month_end_balances(session: AsyncSession, caisse_id: int, month: str) -> MonthEndBalances:
    """The fund, the food credit outstanding (wallets + outlets), what households owe and what they
    paid ahead, at the end of `month`, in one statement."""
    after = select(JournalEntry.id).where(JournalEntry.caisse_id == caisse_id, not_(booked_by_end_of(month)))
    receivable = LedgerAccount.kind == AccountKind.RECEIVABLE
    per_account = (
        select(
            LedgerAccount.kind.label("kind"),
            # One group per receivable (arrears and prepaid are per household), one per other kind.
            case((receivable, JournalLine.account_id), else_=None).label("account"),
            func.sum(JournalLine.amount_cents).label("raw"),
        )
        .select_from(JournalLine)
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .where(
            LedgerAccount.caisse_id == caisse_id,
            LedgerAccount.kind.not_in(CREDIT_KINDS),
            JournalLine.entry_id.not_in(after),
        )
        .group_by(LedgerAccount.kind, case((receivable, JournalLine.account_id), else_=None))
        .subquery()
    )
    raw = per_account.c.raw
    rows = await session.execute(
        select(
            per_account.c.kind,
            func.sum(raw),
            func.sum(case((raw > 0, raw), else_=0)),
            func.sum(case((raw < 0, -raw), else_=0)),
        ).group_by(per_account.c.kind)
    )
    totals: dict[AccountKind, int] = {}
    arrears = prepaid = 0
    for kind, total, owed, ahead in rows:
        totals[AccountKind(kind)] = int(total)
        if kind == AccountKind.RECEIVABLE:
            arrears, prepaid = int(owed), int(ahead)
    return MonthEndBalances(
        reserve_cents=totals.get(AccountKind.FUND, 0),
        # wallets + outlets (raw, credit-normal) = −(the rest): the natural balance is the rest's sum.
        outstanding_credit_cents=sum(totals.values()),
        arrears_cents=arrears,
        prepaid_cents=prepaid,
    )


async def month_end_series(session: AsyncSession, caisse_id: int, months: list[str]) -> list[MonthEnd]:
    """Reserve and outstanding credit at the end of each of `months` (sorted), from one grouped
    query over the lines of every account but wallets and outlets (same identity as above).

    Same rule as `month_end_balances` (`caisse.reports.flows.booked_by_end_of`): an entry for a
    month counts from that month's end on, an entry without one from the day it happened."""
    if not months:
        return []
    # Each entry's lines summed first (fund, and every account but wallets and outlets), then the
    # entries' sums grouped by month: the entries are joined once each, not once per line.
    per_entry = (
        select(
            JournalLine.entry_id.label("entry_id"),
            func.sum(case((LedgerAccount.kind == AccountKind.FUND, JournalLine.amount_cents), else_=0)).label(
                "fund"
            ),
            func.sum(JournalLine.amount_cents).label("rest"),
        )
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .where(LedgerAccount.caisse_id == caisse_id, LedgerAccount.kind.not_in(CREDIT_KINDS))
        .group_by(JournalLine.entry_id)
        .subquery()
    )
    rows = (
        await session.execute(
            select(
                JournalEntry.period,
                JournalEntry.occurred_on,
                func.sum(per_entry.c.fund),
                func.sum(per_entry.c.rest),
            )
            .join(per_entry, per_entry.c.entry_id == JournalEntry.id)
            # Entries after the last month asked never count.
            .where(JournalEntry.caisse_id == caisse_id, booked_by_end_of(months[-1]))
            .group_by(JournalEntry.period, JournalEntry.occurred_on)
        )
    ).all()
    series = []
    for month in months:
        end = last_day(month)
        reserve = rest = 0
        for period, occurred_on, fund, others in rows:
            if period <= month if period is not None else occurred_on <= end:
                reserve += int(fund)
                rest += int(others)
        series.append(MonthEnd(month=month, reserve_cents=reserve, outstanding_credit_cents=rest))
    return series
