"""A household's yearly statement and its over-contribution (receiptable for tax, 66 %)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import service as auth
from caisse.auth.models import AuditEvent, Role
from caisse.caisses.models import Caisse
from caisse.cycle.models import WithheldAllocation
from caisse.errors import ValidationFailed
from caisse.ledger.corrections import correct_by_reversal
from caisse.members.models import Member
from caisse.money import record_contribution_payment
from caisse.reports import statement
from caisse.settings import Settings
from tests.ledger_checks import (
    MoneyWorld,
    assert_ledger_ok,
    build_money_world,
    invoke_cli,
    post_allocations,
    post_dues,
    post_expiry,
)

Client = AsyncTestClient[Litestar]
TODAY = date(2026, 11, 23)
MONTHS = ("2026-01", "2026-02", "2026-03")


async def build_quarter(db: AsyncSession, mw: MoneyWorld) -> int:
    """SA-1 owes and pays 150 €/month for 100 € of credit (Dieulefit's example); SA-2 owes and pays
    30 € for 100 €, and 10 € of its credit expires in March. Returns SA-1's February payment entry."""
    caisse = await db.get(Caisse, mw.caisse_id)
    assert caisse is not None
    sa1, sa2 = mw.members["SA-1"], mw.members["SA-2"]
    february_payment = 0
    for n, month in enumerate(MONTHS, start=1):
        await post_dues(db, mw.caisse_id, month, {sa1: 15000, sa2: 3000})
        await post_allocations(db, mw.caisse_id, month, {sa1: 10000, sa2: 10000})
        for code, cents in (("SA-1", 15000), ("SA-2", 3000)):
            paid = await record_contribution_payment(
                db,
                caisse,
                member=code,
                amount_cents=cents,
                method="direct_debit",
                received_on=date(2026, n, 5),
                today=TODAY,
            )
            if code == "SA-1" and n == 2:
                february_payment = paid.record.entry_id
    await post_expiry(db, mw.caisse_id, "2026-03", {sa2: 1000})
    await db.commit()
    return february_payment


async def _statement(db: AsyncSession, mw: MoneyWorld, code: str, year: int = 2026):  # type: ignore[no-untyped-def]
    caisse = await db.get(Caisse, mw.caisse_id)
    member = await db.scalar(select(Member).where(Member.code == code))
    assert caisse is not None and member is not None
    return await statement(db, caisse, member, year)


async def test_over_contribution_is_what_was_paid_beyond_the_credit(
    db: AsyncSession, money_caisse: MoneyWorld
) -> None:
    await build_quarter(db, money_caisse)
    s = await _statement(db, money_caisse, "SA-1")
    assert (s.contributions_due_cents, s.contributions_paid_cents, s.allocations_received_cents) == (
        45000,
        45000,
        30000,
    )
    assert s.over_contribution_cents == 15000
    assert s.tax_reduction_cents == 9900  # 66 % of 150 €
    assert "150.00 €" in s.over_contribution_note and "66 %" in s.over_contribution_note
    assert "Dieulefit" in s.over_contribution_note
    assert [m.month for m in s.months] == [f"2026-{m:02d}" for m in range(1, 13)]
    assert (s.months[1].contributions_paid_cents, s.months[1].allocations_received_cents) == (15000, 10000)
    assert s.months[5].contributions_due_cents == 0


async def test_no_over_contribution_when_the_credit_exceeds_what_was_paid(
    db: AsyncSession, money_caisse: MoneyWorld
) -> None:
    await build_quarter(db, money_caisse)
    s = await _statement(db, money_caisse, "SA-2")
    assert (s.contributions_paid_cents, s.allocations_received_cents) == (9000, 30000)
    assert (s.over_contribution_cents, s.tax_reduction_cents) == (0, 0)
    assert s.over_contribution_note.startswith("No over-contribution")
    assert s.expired_cents == 1000 and s.months[2].expired_cents == 1000
    empty = await _statement(db, money_caisse, "SA-2", 2027)
    assert empty.contributions_due_cents == 0 and empty.over_contribution_cents == 0


async def test_a_reversed_payment_is_not_receipted(db: AsyncSession, money_caisse: MoneyWorld) -> None:
    february = await build_quarter(db, money_caisse)
    await correct_by_reversal(
        db,
        caisse_id=money_caisse.caisse_id,
        entry_id=february,
        reason="direct debit rejected",
        occurred_on=date(2026, 2, 12),
        today=TODAY,
    )
    await db.commit()
    s = await _statement(db, money_caisse, "SA-1")
    assert s.contributions_paid_cents == 30000 and s.months[1].contributions_paid_cents == 0
    assert s.over_contribution_cents == 0
    await assert_ledger_ok(db)


async def test_a_payment_in_advance_is_not_a_gift(db: AsyncSession, money_caisse: MoneyWorld) -> None:
    # 500 € paid in December with nothing due that year pays next year's contributions: no receipt.
    caisse = await db.get(Caisse, money_caisse.caisse_id)
    assert caisse is not None
    await record_contribution_payment(
        db,
        caisse,
        member="SA-1",
        amount_cents=50000,
        method="transfer",
        received_on=date(2026, 12, 15),
        today=date(2026, 12, 20),
    )
    await db.commit()
    s = await _statement(db, money_caisse, "SA-1")
    assert (s.contributions_paid_cents, s.contributions_due_cents, s.months[11].contributions_paid_cents) == (
        50000,
        0,
        50000,
    )
    assert (s.over_contribution_cents, s.tax_reduction_cents) == (0, 0)
    assert "cash basis" in s.over_contribution_note and "advance" in s.over_contribution_note


async def test_payments_count_in_the_year_they_are_received(
    db: AsyncSession, money_caisse: MoneyWorld
) -> None:
    # December 2026 and January 2027 each: 150 € due, 100 € of credit; paid on Dec 31 and on Jan 1.
    mw = money_caisse
    caisse = await db.get(Caisse, mw.caisse_id)
    assert caisse is not None
    sa1 = mw.members["SA-1"]
    for month, day in (("2026-12", date(2026, 12, 31)), ("2027-01", date(2027, 1, 1))):
        await post_dues(db, mw.caisse_id, month, {sa1: 15000})
        await post_allocations(db, mw.caisse_id, month, {sa1: 10000})
        await record_contribution_payment(
            db,
            caisse,
            member="SA-1",
            amount_cents=15000,
            method="cheque",
            received_on=day,
            today=date(2027, 1, 2),
        )
    await db.commit()
    for year, index in ((2026, 11), (2027, 0)):
        s = await _statement(db, mw, "SA-1", year)
        assert (s.contributions_paid_cents, s.months[index].contributions_paid_cents) == (15000, 15000)
        assert (s.contributions_due_cents, s.allocations_received_cents) == (15000, 10000)
        assert (s.over_contribution_cents, s.tax_reduction_cents) == (5000, 3300)


async def test_an_allocation_withheld_in_december_and_released_in_january_counts_in_january(
    db: AsyncSession,
) -> None:
    mw = await build_money_world(db, credit_requires_payment=True)
    caisse = await db.get(Caisse, mw.caisse_id)
    assert caisse is not None
    sa1 = mw.members["SA-1"]
    # November: 150 € due and paid, 100 € credited. December: 150 € due, unpaid at the close, so
    # its 100 € are withheld until the payment of January 10th releases them.
    await post_dues(db, mw.caisse_id, "2026-11", {sa1: 15000})
    await post_allocations(db, mw.caisse_id, "2026-11", {sa1: 10000})
    await record_contribution_payment(
        db,
        caisse,
        member="SA-1",
        amount_cents=15000,
        method="cash",
        received_on=date(2026, 11, 5),
        today=TODAY,
    )
    await post_dues(db, mw.caisse_id, "2026-12", {sa1: 15000})
    db.add(WithheldAllocation(caisse_id=mw.caisse_id, member_id=sa1, month="2026-12", amount_cents=10000))
    await db.commit()
    await record_contribution_payment(
        db,
        caisse,
        member="SA-1",
        amount_cents=15000,
        method="cash",
        received_on=date(2027, 1, 10),
        today=date(2027, 1, 11),
    )
    await db.commit()

    y2026 = await _statement(db, mw, "SA-1", 2026)
    assert (y2026.contributions_due_cents, y2026.contributions_paid_cents) == (30000, 15000)
    assert y2026.allocations_received_cents == 10000 and y2026.months[11].allocations_received_cents == 0
    assert y2026.over_contribution_cents == 5000  # min(150 €, 300 €) paid − 100 € received
    y2027 = await _statement(db, mw, "SA-1", 2027)
    assert y2027.months[0].allocations_received_cents == 10000
    assert (y2027.contributions_paid_cents, y2027.contributions_due_cents) == (15000, 0)
    assert y2027.over_contribution_cents == 0  # December's arrears are no gift of 2027
    await assert_ledger_ok(db)


async def test_a_year_before_the_caisse_is_refused(db: AsyncSession, money_caisse: MoneyWorld) -> None:
    with pytest.raises(ValidationFailed, match="2026"):
        await _statement(db, money_caisse, "SA-1", 2025)


def _url(code: str, year: int | str = 2026) -> str:
    return f"/api/v1/caisses/ssa/members/{code}/statements/{year}"


async def _audits(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).where(AuditEvent.action == "member.statement")) or 0)


async def test_staff_and_the_household_itself_read_the_statement(
    client: Client, db: AsyncSession, money_world: MoneyWorld
) -> None:
    await build_quarter(db, money_world)
    await auth.grant_role(
        db,
        user_id=money_world.user_ids["member"],
        caisse_id=money_world.caisse_id,
        role=Role.MEMBER,
        member_id=money_world.members["SA-1"],
    )
    await db.commit()
    by_staff = await client.get(_url("SA-1"), headers=money_world.headers["staff"])
    assert by_staff.status_code == 200, by_staff.text
    assert by_staff.json()["over_contribution_cents"] == 15000
    by_self = await client.get(_url("sa-1"), headers=money_world.headers["member"])
    assert by_self.status_code == 200 and by_self.json() == by_staff.json()
    assert await _audits(db) == 2
    # Another household's statement does not exist for this member, like an unknown code.
    other = await client.get(_url("SA-2"), headers=money_world.headers["member"])
    unknown = await client.get(_url("SA-99"), headers=money_world.headers["member"])
    assert (other.status_code, unknown.status_code) == (404, 404)
    assert other.json()["detail"].replace("SA-2", "X") == unknown.json()["detail"].replace("SA-99", "X")
    assert (await client.get(_url("SA-1", 2025), headers=money_world.headers["staff"])).status_code == 422
    assert (await client.get(_url("SA-1", "last"), headers=money_world.headers["staff"])).status_code in (
        400,
        404,
    )
    assert await _audits(db) == 2


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), ("official", 403), ("committee", 403), ("outsider", 403), ("member", 403)],
)
async def test_who_may_not_read_statements(
    client: Client, money_world: MoneyWorld, who: str | None, status: int
) -> None:
    # The member user has no household in "ssa" here: it holds no role there.
    headers = {} if who is None else money_world.headers[who]
    assert (await client.get(_url("SA-1"), headers=headers)).status_code == status


async def test_cli_statement(db: AsyncSession, settings: Settings, money_caisse: MoneyWorld) -> None:
    await build_quarter(db, money_caisse)
    as_json = await invoke_cli(
        settings, "report", "statement", "--caisse", "ssa", "--member", "SA-1", "--year", "2026", "--json"
    )
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout)["tax_reduction_cents"] == 9900
    text = await invoke_cli(
        settings, "report", "statement", "--caisse", "ssa", "--member", "SA-1", "--year", "2026"
    )
    assert "Over-contribution: 150.00 €" in text.output and "2026-03" in text.output
    unknown = await invoke_cli(
        settings, "report", "statement", "--caisse", "ssa", "--member", "SA-9", "--year", "2026"
    )
    assert unknown.exit_code == 1 and "SA-9" in unknown.output
    assert await _audits(db) == 2
