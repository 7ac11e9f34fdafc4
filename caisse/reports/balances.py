"""Month-end balances (reserve, outstanding credit, arrears, prepaid) without summing the ledger.

The straightforward computation sums the lines of the fund, of every wallet and outlet, and of every
receivable, over the entries booked by the month's end: nearly every line of the ledger (240 000
after three months with 10 000 households, more every month). Two things avoid it:

* **Outstanding credit from the other side of the ledger.** Every entry's lines sum to zero
  (`caisse.ledger.posting.check_balanced`; `verify_ledger` checks it), and "booked by the end of the
  month" keeps or drops whole entries. So over those entries, wallets + outlets = −(every other
  account): the caisse-level accounts and the receivables. Wallet and outlet lines (payments alone
  are 150 000 of the 240 000, and cancel out) are never read. This holds for any balanced entry,
  whatever its kind.
* **The carried figures** (`caisse.ledger.carried`): every account but wallets and outlets carries
  its balance, and its lines summed by the month they count in (`ledger_month`; the same rule as
  `caisse.reports.flows.booked_by_end_of`). A balance at the end of a month is the carried balance
  less the months after it: for the pages' months (the current one, the last closed one) at most a
  month's rows, one per household.

`tests/integration/reports/test_month_end_balances.py` compares both functions with every line
summed in Python, month by month, on a caisse with history, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.ledger.accounts import caisse_account_id
from caisse.ledger.models import UNCARRIED_KINDS, AccountKind, LedgerAccount, LedgerMonth


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
    later = (
        select(
            LedgerMonth.account_id.label("account_id"),
            func.sum(LedgerMonth.for_month_cents + LedgerMonth.in_month_cents).label("cents"),
        )
        .where(LedgerMonth.caisse_id == caisse_id, LedgerMonth.month > month)
        .group_by(LedgerMonth.account_id)
        .subquery()
    )
    per_account = (
        select(
            LedgerAccount.kind.label("kind"),
            (LedgerAccount.carried_balance_cents - func.coalesce(later.c.cents, 0)).label("raw"),
        )
        .outerjoin(later, later.c.account_id == LedgerAccount.id)
        .where(LedgerAccount.caisse_id == caisse_id, LedgerAccount.kind.not_in(UNCARRIED_KINDS))
        .subquery()
    )
    raw = per_account.c.raw
    rows = await session.execute(
        select(
            per_account.c.kind,
            func.sum(raw),
            # Arrears and prepaid are per household: the receivables owing, and those ahead.
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
    """Reserve and outstanding credit at the end of each of `months` (sorted), from the months'
    carried sums of every account but wallets and outlets (same identity as above), grouped by
    month in one query."""
    if not months:
        return []
    fund = await caisse_account_id(session, caisse_id, AccountKind.FUND)
    moved = LedgerMonth.for_month_cents + LedgerMonth.in_month_cents
    rows = (
        await session.execute(
            select(
                LedgerMonth.month,
                func.sum(case((LedgerMonth.account_id == fund, moved), else_=0)),
                func.sum(moved),
            )
            .where(LedgerMonth.caisse_id == caisse_id, LedgerMonth.month <= months[-1])
            .group_by(LedgerMonth.month)
        )
    ).all()
    series = []
    for month in months:
        reserve = sum(int(fund) for counted, fund, _ in rows if counted <= month)
        rest = sum(int(others) for counted, _, others in rows if counted <= month)
        series.append(MonthEnd(month=month, reserve_cents=reserve, outstanding_credit_cents=rest))
    return series
