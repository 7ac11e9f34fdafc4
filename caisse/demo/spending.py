"""The demo's households spend their credit at the conventioned outlets, which are paid back.

Every household gets a PIN (the demo member's is `DEMO_PIN`, printed in the README). Through each
closed month, from the day its convention starts, households pay at the outlets a few times,
spending most of their credit; a few payments are refunded the next day. Early in the following
month each outlet asks to redeem what it took, staff approve, and a SEPA payout batch leaves the
caisse's fund. The last month's requests are left for staff to approve in the demo.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.caisses.service import update_settings
from caisse.demo.conventioning import french_iban
from caisse.errors import Conflict
from caisse.ledger.balances import balances_by_kind, natural
from caisse.ledger.models import AccountKind, LedgerAccount
from caisse.members.models import Member, MemberStatus
from caisse.outlets.conventioning import outlet_can_take_payments
from caisse.outlets.models import Outlet
from caisse.periods import first_day, next_month
from caisse.redemptions.approval import approve_redemption
from caisse.redemptions.batches import create_payout_batch
from caisse.redemptions.requests import request_redemption
from caisse.spending.payments import record_outlet_payment
from caisse.spending.pins import set_pin
from caisse.spending.refunds import refund_outlet_payment

DEMO_PIN = "2580"
SPEND_THROUGH = (8.0, 2.0)  # Beta parameters of the share of its credit a household spends (mean 0.8)
REFUND_RATE = 0.01


async def give_pins(
    session: AsyncSession, caisse: Caisse, members: list[Member], rng: np.random.Generator
) -> dict[int, str]:
    """member id -> PIN, set through the service (which refuses trivial PINs: draw again)."""
    pins: dict[int, str] = {}
    for k, member in enumerate(members):
        pin = DEMO_PIN if k == 0 else ""
        while not pin:
            candidate = f"{int(rng.integers(0, 10_000)):04d}"
            if len(set(candidate)) > 1 and candidate not in "0123456789" and candidate not in "9876543210":
                pin = candidate
        await set_pin(session, caisse, member, pin, actor=None)
        pins[member.id] = pin
    return pins


async def _wallets(session: AsyncSession, caisse: Caisse) -> dict[int, int]:
    """member id -> credit in the wallet (cents)."""
    raw = await balances_by_kind(session, caisse.id, AccountKind.WALLET)
    accounts = await session.execute(
        LedgerAccount.__table__.select().where(
            LedgerAccount.caisse_id == caisse.id, LedgerAccount.kind == AccountKind.WALLET
        )
    )
    return {row.member_id: natural(AccountKind.WALLET, raw.get(row.id, 0)) for row in accounts}


async def _spend_month(
    session: AsyncSession, caisse: Caisse, month: str, members: list[Member], outlets: list[Outlet],
    pins: dict[int, str], rng: np.random.Generator, today: date,
) -> None:  # fmt: skip
    start = first_day(month)
    days = [start + timedelta(days=d) for d in range(1, 28) if start + timedelta(days=d) < today]
    wallets = await _wallets(session, caisse)
    weights = np.array(
        [3.0 if o.kind.value in ("epicerie_solidaire", "market", "cooperative") else 1.0 for o in outlets]
    )
    for member in members:
        await session.refresh(member, ["status"])
        credit = wallets.get(member.id, 0)
        if member.status is not MemberStatus.ACTIVE or credit < 500:
            continue
        budget = int(credit * rng.beta(*SPEND_THROUGH))
        visits = int(min(5, 1 + rng.poisson(2)))
        shares = rng.dirichlet(np.ones(visits))
        for v, share in enumerate(shares):
            outlet = outlets[int(rng.choice(len(outlets), p=weights / weights.sum()))]
            day = days[int(rng.integers(0, len(days)))] if days else None
            cents = int(budget * share)
            if day is None or cents < 100 or not await outlet_can_take_payments(session, outlet.id, day):
                continue
            paid = await record_outlet_payment(
                session, caisse, outlet_id=outlet.id, member_code=member.code, pin=pins[member.id],
                amount_cents=cents, idempotency_key=f"demo-{month}-{member.id}-{v}", today=day,
            )  # fmt: skip
            if rng.random() < REFUND_RATE and day + timedelta(days=1) < today:
                await refund_outlet_payment(
                    session, caisse, outlet_id=outlet.id, payment_id=paid.record.id,
                    reason="Article rendu (produit abîmé)", today=day + timedelta(days=1),
                )  # fmt: skip


async def _redeem(
    session: AsyncSession, caisse: Caisse, outlets: list[Outlet], month: str, today: date, staff_id: int
) -> None:
    """Outlets ask for what they took; staff approve and pay by a batch, unless it is still today."""
    asked_on = first_day(month) + timedelta(days=2)
    if asked_on > today:
        return
    requested = []
    for outlet in outlets:
        try:
            done = await request_redemption(
                session,
                caisse,
                outlet_id=outlet.id,
                all_available=True,
                idempotency_key=f"demo-{month}-{outlet.id}",
            )
        except Conflict:  # nothing to redeem this month
            continue
        requested.append(done.record.id)
    if month == _current(today) or not requested:
        return  # this month's requests are left for staff to approve in the demo
    for redemption_id in requested:
        await approve_redemption(session, caisse.id, redemption_id, by_user_id=staff_id)
    await create_payout_batch(
        session, caisse, execution_date=asked_on + timedelta(days=3), redemption_ids=requested,
        idempotency_key=f"demo-batch-{month}", by_user_id=staff_id, today=asked_on + timedelta(days=1),
    )  # fmt: skip


def _current(today: date) -> str:
    return f"{today.year:04d}-{today.month:02d}"


async def open_bank_account(session: AsyncSession, caisse: Caisse) -> None:
    account = {"bank_account_name": "Caisse commune de demonstration", "bank_bic": "CCOPFRPP"}
    await update_settings(session, caisse, {**account, "bank_iban": french_iban(77)})


async def spend_and_redeem(
    session: AsyncSession, caisse: Caisse, month: str, members: list[Member], outlets: list[Outlet],
    pins: dict[int, str], rng: np.random.Generator, today: date, staff_id: int,
) -> None:  # fmt: skip
    """One closed month of spending, then the next month's redemption run."""
    await _spend_month(session, caisse, month, members, outlets, pins, rng, today)
    await _redeem(session, caisse, outlets, next_month(month), today, staff_id)
