"""Taking back a payment that released withheld credit (credit_requires_payment): the release is
reversed first (while the wallet still holds the credit), the allocation is withheld again, and a
later payment releases it again."""

from __future__ import annotations

from datetime import date

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import service as auth
from caisse.auth.models import Role
from caisse.caisses.models import Caisse
from caisse.cycle.close import close_month
from caisse.cycle.models import WithheldAllocation
from caisse.errors import Conflict, InsufficientCredit
from caisse.ledger import (
    AccountKind,
    EntryKind,
    JournalEntry,
    LedgerAccount,
    Line,
    account_balance,
    member_account_ids,
    natural,
    post_entry,
    reverse_entry,
)
from caisse.ledger.corrections import correct_by_reversal
from caisse.ledger.verify import verify_ledger
from caisse.money import record_contribution_payment
from tests.conftest import World
from tests.ledger_checks import MoneyWorld, assert_ledger_ok, build_money_world

Client = AsyncTestClient[Litestar]
TODAY = date(2026, 11, 23)


async def _balance(db: AsyncSession, mw: MoneyWorld, kind: AccountKind, code: str = "SA-1") -> int:
    member_id = mw.members[code]
    account = (await member_account_ids(db, mw.caisse_id, kind, [member_id]))[member_id]
    return natural(kind, await account_balance(db, account))


async def _withheld(db: AsyncSession, mw: MoneyWorld, code: str = "SA-1") -> WithheldAllocation:
    row = await db.scalar(select(WithheldAllocation).where(WithheldAllocation.member_id == mw.members[code]))
    assert row is not None
    await db.refresh(row)
    return row


async def _pay(db: AsyncSession, mw: MoneyWorld, cents: int, day: date) -> int:
    caisse = await db.get(Caisse, mw.caisse_id)
    assert caisse is not None
    paid = await record_contribution_payment(
        db, caisse, member="SA-1", amount_cents=cents, method="transfer", received_on=day, today=TODAY
    )
    await db.commit()
    return paid.record.entry_id


async def _reverse(db: AsyncSession, mw: MoneyWorld, entry_id: int, day: date) -> int:
    posted = await correct_by_reversal(
        db, caisse_id=mw.caisse_id, entry_id=entry_id, reason="cheque bounced", occurred_on=day, today=TODAY
    )
    await db.commit()
    return posted.entry.id


async def withheld_then_released(db: AsyncSession) -> tuple[MoneyWorld, int, int, int]:
    """The reviewer's case: January closes with SA-1's allocation withheld (its contribution is
    unpaid), then SA-1 pays and the allocation is released. Returns the world, the cents
    withheld, the payment's entry and the release's entry."""
    mw = await build_money_world(db, credit_requires_payment=True)
    caisse = await db.get(Caisse, mw.caisse_id)
    assert caisse is not None
    await close_month(db, caisse, "2026-01", today=TODAY)
    await db.commit()
    row = await _withheld(db, mw)
    due = await _balance(db, mw, AccountKind.RECEIVABLE)
    assert row.released_entry_id is None and row.amount_cents > 0 and due > 0
    payment = await _pay(db, mw, due, date(2026, 1, 10))
    row = await _withheld(db, mw)
    assert row.released_entry_id is not None
    assert await _balance(db, mw, AccountKind.WALLET) == row.amount_cents
    return mw, row.amount_cents, payment, row.released_entry_id


async def _entries(db: AsyncSession) -> int:
    return len((await db.scalars(select(JournalEntry.id))).all())


async def test_a_payment_that_released_withheld_credit_cannot_be_reversed_first(db: AsyncSession) -> None:
    mw, _, payment, release = await withheld_then_released(db)
    before = await _entries(db)
    refusal = rf"released after it \(entry {release}\).*Reverse those releases first"
    with pytest.raises(Conflict, match=refusal):
        await _reverse(db, mw, payment, date(2026, 1, 15))
    await db.rollback()
    assert await _entries(db) == before
    await assert_ledger_ok(db)


async def test_reversing_the_release_then_the_payment_withholds_the_credit_again(db: AsyncSession) -> None:
    mw, withheld, payment, release = await withheld_then_released(db)
    assert await _balance(db, mw, AccountKind.RECEIVABLE) == 0

    # The release belongs to a closed month (January), but it is not part of the close's totals.
    await _reverse(db, mw, release, date(2026, 1, 15))
    assert (await _withheld(db, mw)).released_entry_id is None
    assert await _balance(db, mw, AccountKind.WALLET) == 0
    await assert_ledger_ok(db)

    await _reverse(db, mw, payment, date(2026, 1, 15))
    owed = await _balance(db, mw, AccountKind.RECEIVABLE)
    assert owed > 0 and await _balance(db, mw, AccountKind.WALLET) == 0
    await assert_ledger_ok(db)

    # Paying again releases the allocation again, by a new entry.
    await _pay(db, mw, owed, date(2026, 1, 20))
    again = (await _withheld(db, mw)).released_entry_id
    assert again is not None and again != release
    assert await _balance(db, mw, AccountKind.WALLET) == withheld
    await _pay(db, mw, 100, date(2026, 1, 21))  # nothing left to release: credited once
    assert await _balance(db, mw, AccountKind.WALLET) == withheld
    await assert_ledger_ok(db)


async def test_a_release_whose_credit_was_spent_cannot_be_reversed(db: AsyncSession) -> None:
    mw, withheld, payment, release = await withheld_then_released(db)
    outlet = LedgerAccount(caisse_id=mw.caisse_id, kind=AccountKind.OUTLET, code="outlet:1", name="Épicerie")
    db.add(outlet)
    await db.flush()
    wallet = (await member_account_ids(db, mw.caisse_id, AccountKind.WALLET, [mw.members["SA-1"]]))[
        mw.members["SA-1"]
    ]
    await post_entry(
        db,
        caisse_id=mw.caisse_id,
        kind=EntryKind.PAYMENT,
        occurred_on=date(2026, 1, 12),
        lines=[Line(wallet, withheld), Line(outlet.id, -withheld)],
    )
    await db.commit()
    with pytest.raises(InsufficientCredit):
        await _reverse(db, mw, release, date(2026, 1, 15))
    await db.rollback()
    with pytest.raises(Conflict):
        await _reverse(db, mw, payment, date(2026, 1, 15))
    await db.rollback()
    assert (await _withheld(db, mw)).released_entry_id == release
    await assert_ledger_ok(db)


async def test_a_payment_booked_after_the_release_can_be_reversed(db: AsyncSession) -> None:
    mw, withheld, _, release = await withheld_then_released(db)
    extra = await _pay(db, mw, 2000, date(2026, 1, 12))  # paid in advance: releases nothing
    await _reverse(db, mw, extra, date(2026, 1, 15))
    assert (await _withheld(db, mw)).released_entry_id == release
    assert await _balance(db, mw, AccountKind.WALLET) == withheld
    await assert_ledger_ok(db)


async def test_verify_names_an_allocation_still_released_by_a_reversed_entry(db: AsyncSession) -> None:
    mw, _, _, release = await withheld_then_released(db)
    # Bypassing the corrections service leaves the row pointing at a reversed release.
    await reverse_entry(
        db, caisse_id=mw.caisse_id, entry_id=release, occurred_on=date(2026, 1, 15), memo="raw"
    )
    await db.commit()
    report = await verify_ledger(db, mw.caisse_id)
    problems = [p for p in report.problems if p.code == "withheld_release_mismatch"]
    assert len(problems) == 1 and problems[0].entry_id == release
    assert "withheld again" in problems[0].message


async def test_reversing_such_a_payment_over_http_is_a_409_naming_the_way_out(
    client: Client, db: AsyncSession, world: World
) -> None:
    mw, _, payment, release = await withheld_then_released(db)
    await auth.grant_role(db, user_id=world.user_ids["admin"], caisse_id=mw.caisse_id, role=Role.ADMIN)
    await db.commit()
    base = "/api/v1/caisses/ssa/ledger/entries"
    body = {"reason": "cheque bounced", "occurred_on": "2026-01-15"}
    refused = await client.post(f"{base}/{payment}/reverse", json=body, headers=world.headers["admin"])
    assert refused.status_code == 409 and refused.json()["error"] == "conflict"
    assert f"entry {release}" in refused.json()["detail"]
    first = await client.post(f"{base}/{release}/reverse", json=body, headers=world.headers["admin"])
    then = await client.post(f"{base}/{payment}/reverse", json=body, headers=world.headers["admin"])
    assert (first.status_code, then.status_code) == (201, 201), (first.text, then.text)
    await assert_ledger_ok(db)
