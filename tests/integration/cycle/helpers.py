"""Arranging caisses and households for cycle tests, and checking the ledger after each close."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.caisses.service import create_caisse_with_preset
from caisse.cycle.close import close_month
from caisse.cycle.models import PeriodClose
from caisse.cycle.schemas import CloseResult
from caisse.cycle.withheld import release_paid_allocations
from caisse.ledger import (
    AccountKind,
    EntryKind,
    JournalEntry,
    JournalLine,
    LedgerAccount,
    Line,
    account_balance,
    caisse_account_id,
    member_account_ids,
    natural,
    open_member_accounts,
    post_entry,
)
from caisse.members.models import Member, MemberStatus
from caisse.money.models import ContributionPayment, PaymentMethod


async def new_caisse(
    db: AsyncSession,
    *,
    slug: str = "cycle",
    preset: str = "ariege-ccampa",
    first_month: str = "2027-01",
    credit_lifetime_months: int | None = None,
    credit_requires_payment: bool = False,
) -> Caisse:
    caisse = await create_caisse_with_preset(
        db,
        slug=slug,
        name=f"Caisse {slug}",
        first_month=first_month,
        preset=preset,
        credit_lifetime_months=credit_lifetime_months,
        credit_requires_payment=credit_requires_payment,
    )
    await db.commit()
    return caisse


@dataclass
class Household:
    income_eur: float = 1500.0
    adults: int = 1
    others_14_plus: int = 0
    children_under_14: int = 0
    chosen_eur: float | None = None
    status: MemberStatus = MemberStatus.ACTIVE
    activated_on: date | None = date(2026, 12, 1)
    suspended_on: date | None = None
    left_on: date | None = None


async def add_households(db: AsyncSession, caisse: Caisse, households: list[Household]) -> list[int]:
    """Insert the households in bulk with their wallet and receivable; commit; ids in order."""
    start = int(
        await db.scalar(select(func.count()).select_from(Member).where(Member.caisse_id == caisse.id)) or 0
    )
    rows: list[dict[str, Any]] = [
        {
            "caisse_id": caisse.id,
            "code": f"H-{start + i:06d}",
            "reference_person": f"Foyer {start + i}",
            "adults": h.adults,
            "others_14_plus": h.others_14_plus,
            "children_under_14": h.children_under_14,
            "monthly_income_cents": round(h.income_eur * 100),
            "income_declared_on": date(2026, 11, 1),
            "chosen_contribution_cents": None if h.chosen_eur is None else round(h.chosen_eur * 100),
            "status": h.status,
            "applied_on": date(2026, 11, 1),
            "activated_on": h.activated_on,
            "suspended_on": h.suspended_on,
            "left_on": h.left_on,
        }
        for i, h in enumerate(households)
    ]
    await db.execute(insert(Member), rows)
    ids = list(
        await db.scalars(
            select(Member.id).where(Member.caisse_id == caisse.id).order_by(Member.id).offset(start)
        )
    )
    await open_member_accounts(db, caisse.id, ids)
    await db.commit()
    return ids


async def close(db: AsyncSession, caisse: Caisse, month: str, **options: Any) -> CloseResult:
    """Close a month as the API does (in a transaction the caller commits); check the ledger."""
    options.setdefault("allow_future", True)
    result = await close_month(db, caisse, month, **options)
    await db.commit()
    await assert_ledger_balanced(db, caisse.id)
    return result


async def wallet(db: AsyncSession, caisse_id: int, member_id: int) -> int:
    """Credit in the member's wallet, cents."""
    account = (await member_account_ids(db, caisse_id, AccountKind.WALLET, [member_id]))[member_id]
    return natural(AccountKind.WALLET, await account_balance(db, account))


async def owed(db: AsyncSession, caisse_id: int, member_id: int) -> int:
    """What the member owes on contributions, cents (negative: paid in advance)."""
    account = (await member_account_ids(db, caisse_id, AccountKind.RECEIVABLE, [member_id]))[member_id]
    return natural(AccountKind.RECEIVABLE, await account_balance(db, account))


async def spend(db: AsyncSession, caisse_id: int, member_id: int, cents: int, on: date) -> None:
    """Simulate a purchase at an outlet: Dr wallet, Cr outlet (created on first use)."""
    outlet = await db.scalar(
        select(LedgerAccount.id).where(
            LedgerAccount.caisse_id == caisse_id, LedgerAccount.code == "outlet:test"
        )
    )
    if outlet is None:
        row = LedgerAccount(
            caisse_id=caisse_id, kind=AccountKind.OUTLET, code="outlet:test", name="Épicerie test"
        )
        db.add(row)
        await db.flush()
        outlet = row.id
    account = (await member_account_ids(db, caisse_id, AccountKind.WALLET, [member_id]))[member_id]
    await post_entry(
        db,
        caisse_id=caisse_id,
        kind=EntryKind.PAYMENT,
        occurred_on=on,
        lines=[Line(account, cents), Line(outlet, -cents)],
        memo="achat test",
    )
    await db.commit()


async def pay(db: AsyncSession, caisse: Caisse, member_id: int, cents: int, on: date) -> int:
    """Record a contribution payment (Dr fund, Cr receivable) as the payments service will,
    then release withheld allocations; returns the cents released."""
    receivable = (await member_account_ids(db, caisse.id, AccountKind.RECEIVABLE, [member_id]))[member_id]
    fund = await caisse_account_id(db, caisse.id, AccountKind.FUND)
    posted = await post_entry(
        db,
        caisse_id=caisse.id,
        kind=EntryKind.CONTRIBUTION_PAID,
        occurred_on=on,
        lines=[Line(fund, cents), Line(receivable, -cents)],
        memo="paiement test",
    )
    db.add(
        ContributionPayment(
            caisse_id=caisse.id,
            member_id=member_id,
            amount_cents=cents,
            method=PaymentMethod.TRANSFER,
            received_on=on,
            entry_id=posted.entry.id,
        )
    )
    await db.flush()
    released = await release_paid_allocations(db, caisse=caisse, member_id=member_id, occurred_on=on)
    await db.commit()
    return released


async def entry_count(db: AsyncSession, caisse_id: int) -> int:
    return int(await db.scalar(select(func.count()).where(JournalEntry.caisse_id == caisse_id)) or 0)


async def closed_months(db: AsyncSession, caisse_id: int) -> list[str]:
    return list(
        await db.scalars(
            select(PeriodClose.month).where(PeriodClose.caisse_id == caisse_id).order_by(PeriodClose.month)
        )
    )


async def assert_ledger_balanced(db: AsyncSession, caisse_id: int) -> None:
    """Every entry's lines sum to zero (and the payments engineer's full check, when present)."""
    unbalanced = (
        await db.execute(
            select(JournalLine.entry_id, func.sum(JournalLine.amount_cents))
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(JournalEntry.caisse_id == caisse_id)
            .group_by(JournalLine.entry_id)
            .having(func.sum(JournalLine.amount_cents) != 0)
        )
    ).all()
    assert unbalanced == []
    try:
        verify = importlib.import_module("caisse.ledger.verify")
    except ModuleNotFoundError:
        return
    report = await verify.verify_ledger(db, caisse_id)
    ok = getattr(report, "ok", None)
    assert ok is None or ok, report


async def rollback(db: AsyncSession, caisse: Caisse) -> None:
    """Roll back what the caller's transaction held, and reload the caisse it expired."""
    await db.rollback()
    await db.refresh(caisse)
