"""The demo's households spend their credit at the conventioned outlets, which are paid back.

Every household gets a PIN (the demo member's is `DEMO_PIN`, printed in the README). In each
closed month every active household with at least `MIN_CREDIT_CENTS` of credit draws a budget,
credit × Beta(`SPEND_THROUGH`) (mean 0.8), and spends exactly that, in 1 to `MAX_VISITS` payments
of at least 1 € each, at outlets that can take payments that day (weighted by `OUTLET_WEIGHTS`),
on days when at least one can. A payment is refunded the next day with probability `REFUND_RATE`.
Early in the following month each outlet asks to redeem what it took, staff approve, and a SEPA
payout batch leaves the caisse's fund. The last month's requests are left for staff to approve.

These constants are the demo's known spending behaviour, which calibration should recover. The
realised share of credit spent (net of refunds) differs from the draw only by: the budget rounded
down to the cent (< 1 cent); the refunds, which give back about `REFUND_RATE` of what was spent
(the realised mean is about 0.8 × (1 − 0.01) ≈ 0.792); and a budget under 1 €, not spent at all
(only a household with very little credit). The first month counts too: its outlets are
conventioned only from the ballot's close (about the 9th), and households spend on the days after.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.caisses.service import update_settings
from caisse.demo.conventioning import french_iban
from caisse.errors import Conflict
from caisse.ledger.balances import balances_by_kind, natural
from caisse.ledger.models import AccountKind, LedgerAccount
from caisse.members.models import Member, MemberStatus
from caisse.outlets.conventioning import convention_covers
from caisse.outlets.models import Convention, Outlet
from caisse.periods import first_day, next_month
from caisse.redemptions.approval import approve_redemption
from caisse.redemptions.batches import create_payout_batch
from caisse.redemptions.requests import request_redemption
from caisse.spending.payments import MAX_PAYMENT_CENTS, record_outlet_payment
from caisse.spending.pins import set_pin
from caisse.spending.refunds import refund_outlet_payment

DEMO_PIN = "2580"
# The demo's spending behaviour [assumptions: no caisse has published them].
SPEND_THROUGH = (8.0, 2.0)  # Beta(a, b) of the share of its credit a household spends in a month (mean 0.8)
REFUND_RATE = 0.01  # probability that a payment is refunded the next day
MIN_CREDIT_CENTS = 500  # a household with less credit does not shop that month
MAX_VISITS = 5  # payments per household and month: min(MAX_VISITS, 1 + Poisson(2))
MIN_PAYMENT_CENTS = 100
# Relative chance of shopping at an outlet, by kind (everyday places more often); others 1.
OUTLET_WEIGHTS = {"epicerie_solidaire": 3.0, "market": 3.0, "cooperative": 3.0}


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


def split_budget(budget_cents: int, shares: np.ndarray) -> list[int]:
    """`budget_cents` split by `shares` (summing to 1) into payments of at least 1 € that sum to
    it exactly (a piece under 1 € joins the largest one), none above the payment limit; [] when
    the budget is under 1 €."""
    if budget_cents < MIN_PAYMENT_CENTS:
        return []
    pieces = [int(budget_cents * share) for share in shares]
    pieces = [p for p in pieces if p >= MIN_PAYMENT_CENTS] or [0]
    largest = pieces.index(max(pieces))
    pieces[largest] += budget_cents - sum(pieces)
    while max(pieces) > MAX_PAYMENT_CENTS:  # a very large budget: one more visit
        largest = pieces.index(max(pieces))
        half = pieces[largest] // 2
        pieces[largest] -= half
        pieces.append(half)
    return pieces


async def _open_outlets_by_day(
    session: AsyncSession, outlets: list[Outlet], month: str, today: date
) -> list[tuple[date, list[Outlet]]]:
    """The days of `month` before today on which some outlet can take payments, with those outlets
    (those with a convention covering the day, as `outlet_can_take_payments` asks, in one query)."""
    start = first_day(month)
    days = [start + timedelta(days=d) for d in range(1, 28) if start + timedelta(days=d) < today]
    by_id = {o.id: o for o in outlets}
    open_days = []
    for day in days:
        covered = await session.scalars(
            select(Convention.outlet_id).where(Convention.outlet_id.in_(by_id), convention_covers(day))
        )
        can = [by_id[i] for i in sorted(set(covered))]
        if can:
            open_days.append((day, can))
    return open_days


async def _spend_month(
    session: AsyncSession, caisse: Caisse, month: str, members: list[Member], outlets: list[Outlet],
    pins: dict[int, str], rng: np.random.Generator, today: date,
) -> None:  # fmt: skip
    open_days = await _open_outlets_by_day(session, outlets, month, today)
    if not open_days:
        return
    wallets = await _wallets(session, caisse)
    for member in members:
        credit = wallets.get(member.id, 0)
        if member.status is not MemberStatus.ACTIVE or credit < MIN_CREDIT_CENTS:
            continue
        budget = int(credit * rng.beta(*SPEND_THROUGH))
        visits = int(min(MAX_VISITS, 1 + rng.poisson(2)))
        for v, cents in enumerate(split_budget(budget, rng.dirichlet(np.ones(visits)))):
            day, can = open_days[int(rng.integers(0, len(open_days)))]
            weights = np.array([OUTLET_WEIGHTS.get(o.kind.value, 1.0) for o in can])
            outlet = can[int(rng.choice(len(can), p=weights / weights.sum()))]
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
