"""Payments at once, each in its own transaction and connection: never an overdraft, never a double
debit, never more wrong PINs than the lockout allows. PostgreSQL really runs them in parallel;
SQLite serialises them, and must give the same outcome."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from caisse.caisses.models import Caisse
from caisse.db.engine import make_engine, make_sessionmaker
from caisse.errors import DomainError, InsufficientCredit
from caisse.ledger import AccountKind, member_account_ids
from caisse.money.booking import Recorded
from caisse.settings import Settings
from caisse.spending import MAX_FAILED_PINS, OutletPayment, record_outlet_payment, refund_outlet_payment
from caisse.spending.errors import PinLocked, PinRefused
from caisse.spending.queries import PaymentRow
from tests.integration.spending.spend_helpers import CREDIT, PINS, SpendWorld, wallet_credit
from tests.ledger_checks import assert_ledger_ok

RACERS = 50

Outcome = Recorded[PaymentRow] | DomainError


@pytest.fixture
async def wide_engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """An engine with a connection per racer on PostgreSQL (SQLite: its default pool)."""
    engine = (
        make_engine(settings)
        if settings.is_sqlite
        else make_engine(settings, pool_size=RACERS, max_overflow=0)
    )
    yield engine
    await engine.dispose()


async def pay_alone(
    engine: AsyncEngine, sw: SpendWorld, *, code: str, cents: int, key: str, pin: str | None = None
) -> Outcome:
    async with make_sessionmaker(engine)() as session:
        caisse = await session.get(Caisse, sw.caisse_id)
        assert caisse is not None
        try:
            recorded = await record_outlet_payment(
                session, caisse, outlet_id=sw.outlets["a"], member_code=code,
                pin=PINS[code] if pin is None else pin, amount_cents=cents, idempotency_key=key,
            )  # fmt: skip
            await session.commit()
            return recorded
        except DomainError as exc:
            await session.rollback()
            return exc


async def test_fifty_payments_at_once_on_one_wallet_never_overdraw_it(
    db: AsyncSession, wide_engine: AsyncEngine, spend_world: SpendWorld
) -> None:
    sw = spend_world
    cents = 700  # the 100 € of credit pay for 14 of them
    outcomes = await asyncio.gather(
        *(pay_alone(wide_engine, sw, code="SA-1", cents=cents, key=f"racer-{i:04d}") for i in range(RACERS))
    )
    paid = [o for o in outcomes if isinstance(o, Recorded)]
    refused = [o for o in outcomes if not isinstance(o, Recorded)]
    assert len(paid) == CREDIT // cents
    assert all(isinstance(o, InsufficientCredit) for o in refused), {type(o) for o in refused}
    assert len({p.record.id for p in paid}) == len(paid)
    assert await wallet_credit(db, sw, "SA-1") == CREDIT - len(paid) * cents >= 0
    await assert_ledger_ok(db)


async def test_the_same_payment_sent_many_times_at_once_debits_once(
    db: AsyncSession, wide_engine: AsyncEngine, spend_world: SpendWorld
) -> None:
    sw = spend_world
    outcomes = await asyncio.gather(
        *(pay_alone(wide_engine, sw, code="SA-2", cents=6000, key="same-key-everywhere") for _ in range(20))
    )
    assert all(isinstance(o, Recorded) for o in outcomes), outcomes
    assert Counter(o.created for o in outcomes if isinstance(o, Recorded)) == {True: 1, False: 19}
    assert len({o.record.id for o in outcomes if isinstance(o, Recorded)}) == 1
    assert await db.scalar(select(func.count()).select_from(OutletPayment)) == 1
    assert await wallet_credit(db, sw, "SA-2") == CREDIT - 6000


async def test_wrong_pins_sent_at_once_are_counted_one_by_one(
    db: AsyncSession, wide_engine: AsyncEngine, spend_world: SpendWorld
) -> None:
    sw = spend_world
    outcomes = await asyncio.gather(
        *(
            pay_alone(wide_engine, sw, code="SA-1", cents=100, key=f"guess-{i:04d}", pin=f"{i:04d}")
            for i in range(20)
        )
    )
    kinds = Counter(type(o) for o in outcomes)
    # Guesses 0000..0019 do not include the right PIN: five are tried, the rest find the PIN locked.
    assert kinds == {PinRefused: MAX_FAILED_PINS, PinLocked: 20 - MAX_FAILED_PINS}
    assert await wallet_credit(db, sw, "SA-1") == CREDIT


async def test_a_locked_wallet_does_not_hold_up_another_households_payment(
    backend: str, db: AsyncSession, wide_engine: AsyncEngine, spend_world: SpendWorld
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: payments are serialised by design")
    sw = spend_world
    wallet = (await member_account_ids(db, sw.caisse_id, AccountKind.WALLET, [sw.members["SA-1"]]))[
        sw.members["SA-1"]
    ]
    async with wide_engine.connect() as holder:
        transaction = await holder.begin()
        await holder.execute(text("SELECT id FROM ledger_account WHERE id = :id FOR UPDATE"), {"id": wallet})
        other = await pay_alone(wide_engine, sw, code="SA-2", cents=500, key="other-household")
        assert isinstance(other, Recorded) and other.created
        blocked = asyncio.create_task(
            pay_alone(wide_engine, sw, code="SA-1", cents=500, key="held-household")
        )
        await asyncio.sleep(0.3)
        assert not blocked.done()  # waits for the wallet's lock
        await transaction.rollback()
        assert isinstance(await blocked, Recorded)
    assert await wallet_credit(db, sw, "SA-1") == CREDIT - 500


async def refund_alone(engine: AsyncEngine, sw: SpendWorld, payment_id: int) -> PaymentRow | DomainError:
    async with make_sessionmaker(engine)() as session:
        caisse = await session.get(Caisse, sw.caisse_id)
        assert caisse is not None
        try:
            row = await refund_outlet_payment(
                session, caisse, outlet_id=sw.outlets["a"], payment_id=payment_id
            )
            await session.commit()
            return row
        except DomainError as exc:
            await session.rollback()
            return exc


async def test_a_payment_refunded_many_times_at_once_is_refunded_once(
    db: AsyncSession, wide_engine: AsyncEngine, spend_world: SpendWorld
) -> None:
    sw = spend_world
    paid = await pay_alone(wide_engine, sw, code="SA-1", cents=2500, key="to-be-refunded")
    assert isinstance(paid, Recorded)
    outcomes = await asyncio.gather(*(refund_alone(wide_engine, sw, paid.record.id) for _ in range(10)))
    assert Counter(type(o).__name__ for o in outcomes) == {"PaymentRow": 1, "AlreadyRefunded": 9}
    assert await wallet_credit(db, sw, "SA-1") == CREDIT
