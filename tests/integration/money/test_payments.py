"""Contribution payments: Dr fund / Cr receivable, idempotent, validated, safe under concurrency."""

from __future__ import annotations

import asyncio
import json
from datetime import date

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from caisse.auth.models import AuditEvent
from caisse.caisses.models import Caisse
from caisse.cycle.models import WithheldAllocation
from caisse.db.engine import make_sessionmaker
from caisse.errors import Conflict, NotFound, ValidationFailed
from caisse.ledger import AccountKind, JournalEntry, balances_by_kind, member_account_ids
from caisse.money import list_arrears, list_payments, record_contribution_payment
from caisse.money.models import ContributionPayment
from caisse.settings import Settings
from tests.ledger_checks import MoneyWorld, assert_ledger_ok, build_money_world, invoke_cli, post_dues

Client = AsyncTestClient[Litestar]
URL = "/api/v1/caisses/ssa/payments"
TODAY = date(2026, 11, 23)


async def _caisse(db: AsyncSession, caisse_id: int) -> Caisse:
    found = await db.get(Caisse, caisse_id)
    assert found is not None
    return found


async def _count(db: AsyncSession, model: type[object]) -> int:
    return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def _receivable(db: AsyncSession, mw: MoneyWorld, code: str) -> int:
    """Natural balance: > 0 owed, < 0 paid in advance."""
    member_id = mw.members[code]
    account = (await member_account_ids(db, mw.caisse_id, AccountKind.RECEIVABLE, [member_id]))[member_id]
    return (await balances_by_kind(db, mw.caisse_id, AccountKind.RECEIVABLE)).get(account, 0)


# --- the service -----------------------------------------------------------------------------------


async def test_payment_settles_the_receivable_and_fills_the_fund(
    db: AsyncSession, money_caisse: MoneyWorld
) -> None:
    mw = money_caisse
    await post_dues(db, mw.caisse_id, "2026-03", {mw.members["SA-1"]: 4500})
    caisse = await _caisse(db, mw.caisse_id)
    result = await record_contribution_payment(
        db,
        caisse,
        member="sa-1",
        amount_cents=4500,
        method="direct_debit",
        received_on=date(2026, 3, 5),
        reference="SEPA 123",
        today=TODAY,
    )
    await db.commit()
    assert result.created and result.record.amount_cents == 4500 and result.record.reference == "SEPA 123"
    assert await _receivable(db, mw, "SA-1") == 0
    assert sum((await balances_by_kind(db, mw.caisse_id, AccountKind.FUND)).values()) == 4500
    await assert_ledger_ok(db)


async def test_same_idempotency_key_posts_once(db: AsyncSession, money_caisse: MoneyWorld) -> None:
    caisse = await _caisse(db, money_caisse.caisse_id)
    args = {
        "member": "SA-1",
        "amount_cents": 3000,
        "method": "cash",
        "received_on": date(2026, 3, 5),
        "today": TODAY,
    }
    first = await record_contribution_payment(db, caisse, idempotency_key="receipt-7", **args)  # type: ignore[arg-type]
    again = await record_contribution_payment(db, caisse, idempotency_key="receipt-7", **args)  # type: ignore[arg-type]
    await db.commit()
    assert (first.created, again.created) == (True, False)
    assert again.record.id == first.record.id
    assert await _count(db, JournalEntry) == 1 and await _count(db, ContributionPayment) == 1
    with pytest.raises(Conflict, match="different payment"):
        await record_contribution_payment(
            db,
            caisse,
            idempotency_key="receipt-7",
            **{**args, "amount_cents": 3100},  # type: ignore[arg-type]
        )
    await db.rollback()
    await assert_ledger_ok(db)


async def test_overpayment_is_a_contribution_paid_in_advance(
    db: AsyncSession, money_caisse: MoneyWorld
) -> None:
    mw = money_caisse
    await post_dues(db, mw.caisse_id, "2026-03", {mw.members["SA-1"]: 3000})
    caisse = await _caisse(db, mw.caisse_id)
    await record_contribution_payment(
        db,
        caisse,
        member="SA-1",
        amount_cents=9000,
        method="transfer",
        received_on=date(2026, 3, 5),
        today=TODAY,
    )
    await db.commit()
    assert await _receivable(db, mw, "SA-1") == -6000
    assert await list_arrears(db, mw.caisse_id, actor=None) == []
    await post_dues(db, mw.caisse_id, "2026-04", {mw.members["SA-1"]: 3000})
    await db.commit()
    assert await _receivable(db, mw, "SA-1") == -3000
    await assert_ledger_ok(db)


async def test_a_household_that_left_may_still_pay_its_arrears(
    db: AsyncSession, money_caisse: MoneyWorld
) -> None:
    mw = money_caisse
    await post_dues(db, mw.caisse_id, "2026-05", {mw.members["SA-4"]: 2000})
    caisse = await _caisse(db, mw.caisse_id)
    result = await record_contribution_payment(
        db,
        caisse,
        member="SA-4",
        amount_cents=2000,
        method="cheque",
        received_on=date(2026, 9, 1),
        today=TODAY,
    )
    await db.commit()
    assert result.created and await _receivable(db, mw, "SA-4") == 0


@pytest.mark.parametrize(
    ("changes", "error", "words"),
    [
        ({"member": "SA-3"}, Conflict, "applicant"),
        ({"member": "SA-99"}, NotFound, "SA-99"),
        ({"member": "AU-1"}, NotFound, "AU-1"),
        ({"amount_cents": 0}, ValidationFailed, "more than 0"),
        ({"amount_cents": -500}, ValidationFailed, "more than 0"),
        ({"method": "bitcoin"}, ValidationFailed, "cash"),
        ({"received_on": date(2026, 11, 24)}, ValidationFailed, "future"),
        ({"received_on": date(2025, 12, 31)}, ValidationFailed, "first month"),
        ({"idempotency_key": "has space"}, ValidationFailed, "idempotency key"),
    ],
)
async def test_bad_payments_are_refused_and_write_nothing(
    db: AsyncSession, money_caisse: MoneyWorld, changes: dict[str, object], error: type[Exception], words: str
) -> None:
    caisse = await _caisse(db, money_caisse.caisse_id)
    args: dict[str, object] = {
        "member": "SA-1",
        "amount_cents": 3000,
        "method": "cash",
        "received_on": date(2026, 3, 5),
        "today": TODAY,
    }
    with pytest.raises(error, match=words):
        await record_contribution_payment(db, caisse, **{**args, **changes})  # type: ignore[arg-type]
    await db.rollback()
    assert await _count(db, JournalEntry) == 0 and await _count(db, ContributionPayment) == 0


async def test_payment_releases_allocations_withheld_until_paid(db: AsyncSession) -> None:
    mw = await build_money_world(db, credit_requires_payment=True)
    sa1 = mw.members["SA-1"]
    await post_dues(db, mw.caisse_id, "2026-02", {sa1: 3000})
    db.add(WithheldAllocation(caisse_id=mw.caisse_id, member_id=sa1, month="2026-02", amount_cents=10000))
    await db.commit()
    caisse = await _caisse(db, mw.caisse_id)
    await record_contribution_payment(
        db,
        caisse,
        member="SA-1",
        amount_cents=3000,
        method="cash",
        received_on=date(2026, 2, 20),
        today=TODAY,
    )
    await db.commit()
    wallet = (await member_account_ids(db, mw.caisse_id, AccountKind.WALLET, [sa1]))[sa1]
    assert (await balances_by_kind(db, mw.caisse_id, AccountKind.WALLET))[wallet] == -10000  # 100 € credited
    await assert_ledger_ok(db)


# --- over HTTP -------------------------------------------------------------------------------------


async def test_post_payment_then_retry_with_the_same_key(
    client: Client, db: AsyncSession, money_world: MoneyWorld
) -> None:
    headers = {**money_world.headers["staff"], "Idempotency-Key": "9b1d-42"}
    body = {"member_code": "SA-1", "amount_cents": 2550, "method": "transfer", "received_on": "2026-03-05"}
    first = await client.post(URL, json=body, headers=headers)
    second = await client.post(URL, json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200), first.text
    assert first.json() == second.json()
    assert first.json()["member_code"] == "SA-1" and first.json()["amount_cents"] == 2550
    assert await _count(db, JournalEntry) == 1
    other = await client.post(URL, json={**body, "amount_cents": 2600}, headers=headers)
    assert other.status_code == 409
    listed = (
        await client.get(URL, params={"member_code": "SA-1"}, headers=money_world.headers["admin"])
    ).json()
    assert listed["total"] == 1 and listed["items"][0]["reversed_by_entry_id"] is None
    await assert_ledger_ok(db)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"amount_cents": -100}, 400),
        ({"amount_cents": 0}, 400),
        ({"amount_cents": 12.345}, 400),
        ({"amount_cents": "12.50"}, 400),
        ({"member_code": "SA-99"}, 404),
        ({"member_code": "SA-3"}, 409),
        ({"member_code": None, "member_id": None}, 422),
        ({"member_id": 1}, 422),  # both given
        ({"member_code": None, "member_id": 10**30}, 400),  # beyond BIGINT: refused, not a 500
        ({"member_code": None, "member_id": 0}, 400),
        ({"received_on": "2099-01-01"}, 422),
        ({"received_on": "2026-02-30"}, 400),
        ({"method": "bitcoin"}, 400),
        ({"surprise": True}, 400),
    ],
)
async def test_bad_payment_requests_get_4xx_and_write_nothing(
    client: Client, db: AsyncSession, money_world: MoneyWorld, body: dict[str, object], status: int
) -> None:
    valid = {"member_code": "SA-1", "amount_cents": 2550, "method": "cash", "received_on": "2026-03-05"}
    response = await client.post(URL, json={**valid, **body}, headers=money_world.headers["staff"])
    assert response.status_code == status, response.text
    assert response.json()["detail"]
    assert await _count(db, JournalEntry) == 0


async def test_malformed_json_is_a_400(client: Client, db: AsyncSession, money_world: MoneyWorld) -> None:
    headers = {**money_world.headers["staff"], "Content-Type": "application/json"}
    response = await client.post(URL, content=b'{"member_code": "SA-1", "amount_cents": ', headers=headers)
    assert response.status_code == 400 and response.json()["error"]
    assert await _count(db, JournalEntry) == 0


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), ("nobody", 403), ("official", 403), ("committee", 403), ("outsider", 403)],
)
async def test_only_staff_record_and_list_payments(
    client: Client, money_world: MoneyWorld, who: str | None, status: int
) -> None:
    headers = {} if who is None else money_world.headers[who]
    body = {"member_code": "SA-1", "amount_cents": 100, "method": "cash", "received_on": "2026-03-05"}
    assert (await client.post(URL, json=body, headers=headers)).status_code == status
    assert (await client.get(URL, headers=headers)).status_code == status


async def _payment_reads(db: AsyncSession) -> list[tuple[int | None, str, str]]:
    rows = await db.execute(
        select(AuditEvent.actor_user_id, AuditEvent.subject_id, AuditEvent.detail)
        .where(AuditEvent.action == "member.payments")
        .order_by(AuditEvent.id)
    )
    return [(actor, subject, detail) for actor, subject, detail in rows]


async def test_listing_payments_audits_each_household_shown_once(
    client: Client, db: AsyncSession, money_world: MoneyWorld
) -> None:
    mw = money_world
    caisse = await _caisse(db, mw.caisse_id)
    for code in ("SA-1", "SA-2"):
        await record_contribution_payment(
            db,
            caisse,
            member=code,
            amount_cents=1000,
            method="cash",
            received_on=date(2026, 3, 5),
            today=TODAY,
        )
    await db.commit()
    sa1, sa2 = str(mw.members["SA-1"]), str(mw.members["SA-2"])
    staff = mw.user_ids["staff"]

    one = await client.get(URL, params={"member_code": "SA-1"}, headers=mw.headers["staff"])
    assert one.status_code == 200 and one.json()["total"] == 1
    reads = await _payment_reads(db)
    assert [(a, s) for a, s, _ in reads] == [(staff, sa1)] and "SA-1" in reads[0][2]

    every = await client.get(URL, headers=mw.headers["staff"])
    assert every.json()["total"] == 2
    assert sorted((a, s) for a, s, _ in (await _payment_reads(db))[1:]) == [(staff, sa1), (staff, sa2)]

    rows, total = await list_payments(db, mw.caisse_id, actor=None, member="SA-2")
    assert total == 1 and [r.member_code for r in rows] == ["SA-2"]
    assert [(a, s) for a, s, _ in (await _payment_reads(db))[3:]] == [(None, sa2)]


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"offset": 2**40}, {"limit": 10**30}]
)
async def test_out_of_range_windows_are_400(
    client: Client, money_world: MoneyWorld, params: dict[str, int]
) -> None:
    response = await client.get(URL, params=params, headers=money_world.headers["staff"])
    assert response.status_code == 400, response.text
    assert next(iter(params)) in response.json()["detail"]


# --- the command line ------------------------------------------------------------------------------


async def test_cli_pay_takes_euros_exactly(
    db: AsyncSession, settings: Settings, money_caisse: MoneyWorld
) -> None:
    args = ["money", "pay", "--caisse", "ssa", "--member", "SA-2", "--method", "cash", "--date", "2026-03-05"]
    ok = await invoke_cli(settings, *args, "--amount", "12,30", "--json", "--key", "k1")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["amount_cents"] == 1230
    again = await invoke_cli(settings, *args, "--amount", "12.30", "--key", "k1")
    assert again.exit_code == 0 and "already recorded" in again.output
    # Full-width or Arabic-Indic digits are digits to Python, not euros anyone typed.
    for bad in ("12.345", "-5", "0", "douze", "1e3", "１２", "٣"):
        refused = await invoke_cli(settings, *args, "--amount", bad)
        assert refused.exit_code == 1, (bad, refused.output)
        assert refused.output.startswith("Error: ")
    future = await invoke_cli(settings, *args[:-2], "--date", "2099-01-01", "--amount", "5")
    assert future.exit_code == 1 and "future" in future.output
    assert await _count(db, JournalEntry) == 1
    await assert_ledger_ok(db)


# --- concurrency (PostgreSQL) ----------------------------------------------------------------------


async def _pay_in_own_session(
    engine: AsyncEngine, caisse_id: int, code: str, key: str | None, cents: int
) -> int:
    async with make_sessionmaker(engine)() as session, session.begin():
        caisse = await session.get(Caisse, caisse_id)
        assert caisse is not None
        result = await record_contribution_payment(
            session,
            caisse,
            member=code,
            amount_cents=cents,
            method="transfer",
            received_on=date(2026, 3, 5),
            idempotency_key=key,
            today=TODAY,
        )
        return result.record.id


async def test_twenty_concurrent_payments_with_one_key_post_once(
    backend: str, engine: AsyncEngine, db: AsyncSession, money_caisse: MoneyWorld
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers: concurrent sessions only race on PostgreSQL")
    ids = await asyncio.gather(
        *(_pay_in_own_session(engine, money_caisse.caisse_id, "SA-1", "same-key", 1500) for _ in range(20))
    )
    assert len(set(ids)) == 1
    assert await _count(db, JournalEntry) == 1 and await _count(db, ContributionPayment) == 1
    await assert_ledger_ok(db)


async def test_twenty_concurrent_different_payments_all_post(
    backend: str, engine: AsyncEngine, db: AsyncSession, money_caisse: MoneyWorld
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers: concurrent sessions only race on PostgreSQL")
    ids = await asyncio.gather(
        *(
            _pay_in_own_session(engine, money_caisse.caisse_id, ("SA-1", "SA-2")[i % 2], f"key-{i}", 100 + i)
            for i in range(20)
        )
    )
    assert len(set(ids)) == 20
    assert await _count(db, JournalEntry) == 20
    fund = sum((await balances_by_kind(db, money_caisse.caisse_id, AccountKind.FUND)).values())
    assert fund == sum(100 + i for i in range(20))
    await assert_ledger_ok(db)
