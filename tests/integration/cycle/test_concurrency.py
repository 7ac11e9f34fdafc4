"""Several closes of the same month at once: one posts, the others wait and find it closed."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from caisse.caisses.models import Caisse
from caisse.cycle import close as close_module
from caisse.cycle.close import close_month
from caisse.cycle.models import PeriodClose
from caisse.cycle.schemas import CloseResult
from caisse.db.engine import make_sessionmaker
from caisse.errors import Conflict
from caisse.ledger import AccountKind, EntryKind, LedgerAccount, Line, member_account_ids, post_entry

from .helpers import Household, add_households, assert_ledger_balanced, entry_count, new_caisse, wallet

RACERS = 4


async def close_in_own_transaction(engine: AsyncEngine, caisse_id: int, month: str) -> CloseResult:
    async with make_sessionmaker(engine)() as session, session.begin():
        caisse = await session.get(Caisse, caisse_id)
        assert caisse is not None
        return await close_month(session, caisse, month, allow_future=True)


@pytest.fixture
def slow_close(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold each close a moment after it took the lock, so that the racers really overlap."""
    original = close_module.load_households

    async def load_households(*args: Any) -> Any:
        await asyncio.sleep(0.2)
        return await original(*args)

    monkeypatch.setattr(close_module, "load_households", load_households)


@pytest.mark.usefixtures("slow_close")
async def test_concurrent_closes_of_a_month_post_exactly_once(db: AsyncSession, engine: AsyncEngine) -> None:
    caisse = await new_caisse(db)
    ids = await add_households(db, caisse, [Household(income_eur=1000.0 + i) for i in range(20)])

    outcomes = await asyncio.gather(
        *(close_in_own_transaction(engine, caisse.id, "2027-01") for _ in range(RACERS)),
        return_exceptions=True,
    )

    results = [o for o in outcomes if isinstance(o, CloseResult)]
    refused = [o for o in outcomes if not isinstance(o, CloseResult)]
    assert all(isinstance(o, Conflict) for o in refused), refused
    assert [r.already_closed for r in results].count(False) == 1
    assert {(r.households, r.contributions_due_cents, r.allocations_cents) for r in results} == {
        (20, sum(((1000 + i) * 5 + 1) // 2 for i in range(20)), 20 * 5000)  # 2.5 %, half up
    }
    assert await entry_count(db, caisse.id) == 2
    assert await db.scalar(select(func.count()).select_from(PeriodClose)) == 1
    assert {await wallet(db, caisse.id, m) for m in ids} == {5000}
    await assert_ledger_balanced(db, caisse.id)


@pytest.mark.usefixtures("slow_close")
async def test_concurrent_closes_of_consecutive_months_both_apply_in_order(
    db: AsyncSession, engine: AsyncEngine
) -> None:
    caisse = await new_caisse(db)
    (member,) = await add_households(db, caisse, [Household()])

    january, february = await asyncio.gather(
        close_in_own_transaction(engine, caisse.id, "2027-01"),
        close_in_own_transaction(engine, caisse.id, "2027-02"),
        return_exceptions=True,
    )

    # February either waited for January or was refused for being out of order; never both posted wrong.
    assert isinstance(january, CloseResult) and not january.already_closed
    assert isinstance(february, (CloseResult, Conflict))
    closed = 2 if isinstance(february, CloseResult) else 1
    assert await wallet(db, caisse.id, member) == closed * 5000
    await assert_ledger_balanced(db, caisse.id)


async def test_close_waits_for_a_purchase_in_flight_and_expires_only_what_is_left(
    db: AsyncSession, engine: AsyncEngine
) -> None:
    caisse = await new_caisse(db, credit_lifetime_months=1)
    (member,) = await add_households(db, caisse, [Household()])
    january = await close_in_own_transaction(engine, caisse.id, "2027-01")
    assert not january.already_closed
    outlet = LedgerAccount(caisse_id=caisse.id, kind=AccountKind.OUTLET, code="outlet:race", name="Marché")
    db.add(outlet)
    await db.commit()
    wallet_id = (await member_account_ids(db, caisse.id, AccountKind.WALLET, [member]))[member]

    async with make_sessionmaker(engine)() as purchase, purchase.begin():
        await post_entry(
            purchase,
            caisse_id=caisse.id,
            kind=EntryKind.PAYMENT,
            occurred_on=date(2027, 1, 30),
            lines=[Line(wallet_id, 2000), Line(outlet.id, -2000)],
            memo="achat pendant la clôture",
        )
        closing = asyncio.create_task(close_in_own_transaction(engine, caisse.id, "2027-02"))
        await asyncio.sleep(0.5)
        assert not closing.done()  # the close waits for the purchase to commit
    february = await closing

    assert february.expired_cents == 3000  # 50 € credited − 20 € spent, not 50 €
    assert await wallet(db, caisse.id, member) == 5000
    await assert_ledger_balanced(db, caisse.id)
