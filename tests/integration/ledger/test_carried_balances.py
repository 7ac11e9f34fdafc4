"""Carried balances and `ledger_month` (caisse.ledger.carried): the database keeps them equal to the
lines whatever writes the lines, verify_ledger names any difference, and concurrent payments of
one household neither deadlock nor lose a cent."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import date

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from caisse.caisses.models import Caisse
from caisse.db.engine import make_sessionmaker
from caisse.ledger import AccountKind, JournalEntry, JournalLine, LedgerAccount
from caisse.ledger import carried as carrying
from caisse.ledger.corrections import correct_by_reversal
from caisse.ledger.models import LedgerMonth
from caisse.ledger.verify import verify_ledger
from caisse.money import record_contribution_payment
from tests.ledger_checks import MoneyWorld, assert_ledger_ok, post_allocations, post_dues

TODAY = date(2026, 11, 23)


async def _history(db: AsyncSession, mw: MoneyWorld) -> int:
    """Dues and credit for two months, a payment reversed, a payment made: the entry of the payment
    that stays."""
    sa1, sa2 = mw.members["SA-1"], mw.members["SA-2"]
    for month in ("2026-03", "2026-04"):
        await post_dues(db, mw.caisse_id, month, {sa1: 2500, sa2: 4000})
        await post_allocations(db, mw.caisse_id, month, {sa1: 15000, sa2: 15000})
    caisse = await db.get(Caisse, mw.caisse_id)
    assert caisse is not None
    returned = await record_contribution_payment(
        db, caisse, member="SA-1", amount_cents=2500, method="transfer", received_on=date(2026, 3, 20),
        today=TODAY,
    )  # fmt: skip
    await correct_by_reversal(
        db, caisse_id=mw.caisse_id, entry_id=returned.record.entry_id, reason="rejected by the bank",
        occurred_on=date(2026, 4, 2), today=TODAY,
    )  # fmt: skip
    kept = await record_contribution_payment(
        db,
        caisse,
        member="SA-2",
        amount_cents=6000,
        method="cash",
        received_on=date(2026, 4, 15),
        today=TODAY,
    )
    await db.commit()
    return kept.record.entry_id


async def _from_lines(
    db: AsyncSession, caisse_id: int
) -> tuple[dict[int, int], dict[tuple[int, str], tuple[int, int]]]:
    """The definition: every carrying account's lines, summed in Python, in all and by month."""
    balances: dict[int, int] = defaultdict(int)
    months: dict[tuple[int, str], tuple[int, int]] = {}
    rows = await db.execute(
        select(
            LedgerAccount.id,
            LedgerAccount.kind,
            JournalEntry.period,
            JournalEntry.occurred_on,
            JournalLine.amount_cents,
        )
        .join(JournalLine, JournalLine.account_id == LedgerAccount.id)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(LedgerAccount.caisse_id == caisse_id)
    )
    for account_id, kind, period, occurred_on, cents in rows:
        if kind in (AccountKind.WALLET, AccountKind.OUTLET):
            continue
        balances[account_id] += cents
        month = period or occurred_on.isoformat()[:7]
        for_month, in_month = months.get((account_id, month), (0, 0))
        months[(account_id, month)] = (
            (for_month + cents, in_month) if period else (for_month, in_month + cents)
        )
    return dict(balances), months


async def test_the_database_keeps_every_carried_figure_equal_to_the_lines(
    db: AsyncSession, money_caisse: MoneyWorld
) -> None:
    await _history(db, money_caisse)
    balances, months = await _from_lines(db, money_caisse.caisse_id)
    kept = dict(
        (
            await db.execute(
                select(LedgerAccount.id, LedgerAccount.carried_balance_cents).where(
                    LedgerAccount.caisse_id == money_caisse.caisse_id,
                    LedgerAccount.carried_balance_cents.is_not(None),
                )
            )
        ).all()
    )
    assert kept == {**dict.fromkeys(kept, 0), **balances}
    kept_months = {
        (row.account_id, row.month): (row.for_month_cents, row.in_month_cents)
        for row in await db.scalars(
            select(LedgerMonth).where(LedgerMonth.caisse_id == money_caisse.caisse_id)
        )
    }
    assert kept_months == months
    receivable = await db.scalar(
        select(LedgerAccount.id).where(LedgerAccount.code == f"receivable:{money_caisse.members['SA-1']}")
    )
    # SA-1: 2 500 due in March and in April; its March payment was returned in April.
    assert receivable is not None and kept[receivable] == 5000
    assert kept_months[(receivable, "2026-03")] == (2500, -2500)
    assert kept_months[(receivable, "2026-04")] == (2500, 2500)
    # Wallets carry nothing, and have no months.
    wallets = await db.scalars(
        select(LedgerAccount.carried_balance_cents).where(
            LedgerAccount.caisse_id == money_caisse.caisse_id, LedgerAccount.kind == AccountKind.WALLET
        )
    )
    assert set(wallets) == {None}
    await assert_ledger_ok(db)


SET_CARRIED = "UPDATE ledger_account SET carried_balance_cents"
BALANCE, MONTH = "carried_balance_mismatch", "carried_month_mismatch"


@pytest.mark.parametrize(
    ("statement", "code"),
    [
        (f"{SET_CARRIED} = carried_balance_cents + 1 WHERE kind = 'receivable'", BALANCE),
        (f"{SET_CARRIED} = 0 WHERE kind = 'wallet'", BALANCE),
        (f"{SET_CARRIED} = NULL WHERE kind = 'fund'", BALANCE),
        ("UPDATE ledger_month SET in_month_cents = in_month_cents + 1", MONTH),
        ("DELETE FROM ledger_month WHERE month = '2026-03'", MONTH),
    ],
)
async def test_a_carried_figure_that_differs_from_the_lines_is_named(
    db: AsyncSession, money_caisse: MoneyWorld, statement: str, code: str
) -> None:
    await _history(db, money_caisse)
    await db.execute(text(statement))
    await db.commit()
    assert code in {p.code for p in (await verify_ledger(db, money_caisse.caisse_id)).problems}


async def test_lines_written_without_the_trigger_are_named(
    db: AsyncSession, backend: str, money_caisse: MoneyWorld
) -> None:
    if backend == "sqlite":
        await db.execute(text(f"DROP TRIGGER {carrying.TRIGGER}"))
    else:
        await db.execute(text(f"DROP TRIGGER {carrying.TRIGGER} ON journal_line"))
    try:
        await _history(db, money_caisse)
        codes = {p.code for p in (await verify_ledger(db, money_caisse.caisse_id)).problems}
        assert codes == {"triggers_missing", BALANCE, MONTH}
    finally:
        # The history commits the drop; the schema outlives this test, so the trigger goes back.
        await db.rollback()
        for statement in carrying.install_statements(backend):
            await db.execute(text(statement))
        await db.commit()


async def test_concurrent_payments_of_one_household_all_count(
    engine: AsyncEngine, db: AsyncSession, money_caisse: MoneyWorld
) -> None:
    """Each payment locks the household's receivable and the fund (PostgreSQL: in id order, so two
    payments never deadlock); none is lost from the carried figures."""
    await _history(db, money_caisse)
    caisse_id = money_caisse.caisse_id
    sessions = make_sessionmaker(engine)

    async def pay(member: str, cents: int) -> None:
        async with sessions() as session, session.begin():
            caisse = await session.get(Caisse, caisse_id)
            assert caisse is not None
            await record_contribution_payment(
                session, caisse, member=member, amount_cents=cents, method="cash",
                received_on=date(2026, 5, 3), today=TODAY,
            )  # fmt: skip

    await asyncio.gather(*(pay("SA-1" if i % 2 else "SA-2", 100 + i) for i in range(12)))
    balances, months = await _from_lines(db, caisse_id)
    fund = await db.scalar(
        select(LedgerAccount).where(
            LedgerAccount.caisse_id == caisse_id, LedgerAccount.kind == AccountKind.FUND
        )
    )
    assert fund is not None
    await db.refresh(fund)
    assert fund.carried_balance_cents == balances[fund.id] == 6000 + sum(100 + i for i in range(12))
    assert months[(fund.id, "2026-05")] == (0, sum(100 + i for i in range(12)))
    await assert_ledger_ok(db)
