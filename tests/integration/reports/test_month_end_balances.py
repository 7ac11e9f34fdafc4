"""The month-end balances read from the caisse-level accounts and receivables give the same figures
as summing every wallet, outlet, fund and receivable line, month by month, on a caisse with history
(payments at outlets, redemptions, refunds, a late contribution and a reversal)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.service import get_caisse
from caisse.demo.build import build_demo
from caisse.ledger.corrections import correct_by_reversal
from caisse.ledger.models import AccountKind, JournalEntry, JournalLine, LedgerAccount
from caisse.members.models import Member, MemberStatus
from caisse.money import record_contribution_payment
from caisse.periods import last_day, next_month
from caisse.reports.balances import MonthEndBalances, month_end_balances, month_end_series
from caisse.reports.month import month_report
from tests.ledger_checks import assert_ledger_ok


async def _straightforward(db: AsyncSession, caisse_id: int, month: str) -> MonthEndBalances:
    """Every line of the caisse, in Python: the definition the fast path must agree with."""
    rows = await db.execute(
        select(
            LedgerAccount.id,
            LedgerAccount.kind,
            JournalEntry.period,
            JournalEntry.occurred_on,
            JournalLine.amount_cents,
        )
        .select_from(JournalLine)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .where(JournalEntry.caisse_id == caisse_id)
    )
    by_kind: dict[AccountKind, int] = defaultdict(int)
    receivables: dict[int, int] = defaultdict(int)
    for account_id, kind, period, occurred_on, cents in rows:
        if not (period <= month if period is not None else occurred_on <= last_day(month)):
            continue
        by_kind[kind] += cents
        if kind is AccountKind.RECEIVABLE:
            receivables[account_id] += cents
    return MonthEndBalances(
        reserve_cents=by_kind[AccountKind.FUND],
        outstanding_credit_cents=-(by_kind[AccountKind.WALLET] + by_kind[AccountKind.OUTLET]),
        arrears_cents=sum(b for b in receivables.values() if b > 0),
        prepaid_cents=sum(-b for b in receivables.values() if b < 0),
    )


async def test_fast_month_end_balances_equal_every_line_summed(db: AsyncSession) -> None:
    summary = await build_demo(db, households=12, months=3)
    caisse = await get_caisse(db, summary.slug)
    first, last = summary.months[0], summary.months[-1]
    # History that the month's entries alone do not show: a payment recorded after the close for
    # the first month, then reversed in the last one.
    member = await db.scalar(
        select(Member.id)
        .where(Member.caisse_id == caisse.id, Member.status == MemberStatus.ACTIVE)
        .order_by(Member.id)
    )
    assert member is not None
    late = await record_contribution_payment(
        db, caisse, member=member, amount_cents=1234, method="transfer",
        received_on=date.fromisoformat(f"{first}-20"), today=date.fromisoformat(f"{last}-25"),
    )  # fmt: skip
    await correct_by_reversal(
        db, caisse_id=caisse.id, entry_id=late.record.entry_id, reason="returned by the bank",
        occurred_on=date.fromisoformat(f"{last}-26"), today=date.fromisoformat(f"{last}-26"),
    )  # fmt: skip
    await db.commit()
    await assert_ledger_ok(db, caisse.id)

    months = [*summary.months, next_month(last)]
    expected = {m: await _straightforward(db, caisse.id, m) for m in months}
    assert any(e.outstanding_credit_cents and e.arrears_cents for e in expected.values())
    for month in months:
        assert await month_end_balances(db, caisse.id, month) == expected[month], month
        report = await month_report(db, caisse, month)
        assert (report.reserve_cents, report.outstanding_credit_cents) == (
            expected[month].reserve_cents,
            expected[month].outstanding_credit_cents,
        )
        assert (report.arrears_cents, report.prepaid_cents) == (
            expected[month].arrears_cents,
            expected[month].prepaid_cents,
        )
    for upto in range(1, len(months) + 1):
        series = await month_end_series(db, caisse.id, months[:upto])
        assert [(p.month, p.reserve_cents, p.outstanding_credit_cents) for p in series] == [
            (m, expected[m].reserve_cents, expected[m].outstanding_credit_cents) for m in months[:upto]
        ]


async def test_a_caisse_with_nothing_booked_has_zero_balances(db: AsyncSession) -> None:
    summary = await build_demo(db, households=4, months=1)
    await db.commit()
    caisse = await get_caisse(db, summary.slug)
    before = "2000-01"
    assert await month_end_balances(db, caisse.id, before) == MonthEndBalances(0, 0, 0, 0)
    assert await month_end_series(db, caisse.id, []) == []
