"""The ledger over HTTP: verification, balances and entries (staff), corrections (admin)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import AuditEvent
from caisse.caisses.models import Caisse, RuleSet
from caisse.cycle.models import PeriodClose
from caisse.ledger import EntryKind, JournalEntry
from caisse.money import record_contribution_payment
from caisse.settings import Settings
from tests.ledger_checks import (
    MoneyWorld,
    assert_ledger_ok,
    invoke_cli,
    post_allocations,
    post_dues,
    post_expiry,
)

Client = AsyncTestClient[Litestar]
BASE = "/api/v1/caisses/ssa/ledger"


async def _pay(db: AsyncSession, mw: MoneyWorld, cents: int = 3000, day: date = date(2026, 3, 5)) -> int:
    caisse = await db.get(Caisse, mw.caisse_id)
    assert caisse is not None
    result = await record_contribution_payment(
        db,
        caisse,
        member="SA-1",
        amount_cents=cents,
        method="transfer",
        received_on=day,
        today=date(2026, 11, 1),
    )
    await db.commit()
    return result.record.entry_id


async def _entries(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(JournalEntry)) or 0)


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), ("nobody", 403), ("official", 403), ("committee", 403), ("outsider", 403), ("staff", 200)],
)
async def test_only_staff_read_the_ledger(
    client: Client, money_world: MoneyWorld, who: str | None, status: int
) -> None:
    headers = {} if who is None else money_world.headers[who]
    for path in ("/verify", "/accounts", "/entries"):
        response = await client.get(BASE + path, headers=headers)
        assert response.status_code == status, (path, response.text)


async def test_verify_reports_a_healthy_caisse(
    client: Client, db: AsyncSession, money_world: MoneyWorld
) -> None:
    await _pay(db, money_world)
    body = (await client.get(BASE + "/verify", headers=money_world.headers["admin"])).json()
    assert body["ok"] is True and body["problems"] == []
    assert body["caisses"] == 1 and body["entries"] == 1 and body["lines"] == 2


async def test_accounts_show_natural_balances(
    client: Client, db: AsyncSession, money_world: MoneyWorld
) -> None:
    mw = money_world
    sa1 = mw.members["SA-1"]
    await post_dues(db, mw.caisse_id, "2026-03", {sa1: 5000})
    await post_allocations(db, mw.caisse_id, "2026-03", {sa1: 10000})
    await db.commit()
    await _pay(db, mw, 3000)
    headers = mw.headers["staff"]
    page = (await client.get(BASE + "/accounts", params={"limit": 500}, headers=headers)).json()
    by_code = {a["code"]: a["balance_cents"] for a in page["items"]}
    assert by_code["fund"] == 3000
    assert by_code["contributions"] == 5000
    assert by_code["allocations"] == 10000
    assert by_code[f"receivable:{sa1}"] == 2000  # still owed
    assert by_code[f"wallet:{sa1}"] == 10000  # credit held, positive
    wallets = (await client.get(BASE + "/accounts", params={"kind": "wallet"}, headers=headers)).json()
    assert wallets["total"] == 4 and {a["kind"] for a in wallets["items"]} == {"wallet"}
    bad = await client.get(BASE + "/accounts", params={"kind": "piggy-bank"}, headers=headers)
    assert bad.status_code == 400
    assert (await client.get(BASE + "/accounts", params={"limit": 0}, headers=headers)).status_code == 400


async def test_entries_filter_by_period_and_kind(
    client: Client, db: AsyncSession, money_world: MoneyWorld
) -> None:
    mw = money_world
    await post_dues(db, mw.caisse_id, "2026-03", {mw.members["SA-1"]: 5000, mw.members["SA-2"]: 3000})
    await post_allocations(db, mw.caisse_id, "2026-04", {mw.members["SA-1"]: 10000})
    await db.commit()
    payment_entry = await _pay(db, mw)
    headers = mw.headers["staff"]
    march = (await client.get(BASE + "/entries", params={"period": "2026-03"}, headers=headers)).json()
    assert [e["kind"] for e in march["items"]] == ["contribution_due"]
    assert march["items"][0]["line_count"] == 3 and march["items"][0]["debits_cents"] == 8000
    paid = (await client.get(BASE + "/entries", params={"kind": "contribution_paid"}, headers=headers)).json()
    assert [e["id"] for e in paid["items"]] == [payment_entry]
    everything = (await client.get(BASE + "/entries", params={"limit": 2}, headers=headers)).json()
    assert everything["total"] == 3 and len(everything["items"]) == 2
    detail = (await client.get(f"{BASE}/entries/{payment_entry}", headers=headers)).json()
    assert sorted(line["amount_cents"] for line in detail["lines"]) == [-3000, 3000]
    assert (
        await client.get(BASE + "/entries", params={"period": "June"}, headers=headers)
    ).status_code == 422
    assert (await client.get(BASE + "/entries", params={"offset": -1}, headers=headers)).status_code in (
        400,
        422,
    )


async def test_another_caisses_entry_is_not_found(
    client: Client, db: AsyncSession, money_world: MoneyWorld
) -> None:
    entry_id = await _pay(db, money_world)
    response = await client.get(
        f"/api/v1/caisses/test/ledger/entries/{entry_id}", headers=money_world.headers["staff"]
    )
    assert response.status_code == 404


async def test_admin_reverses_an_entry_with_its_mirror(
    client: Client, db: AsyncSession, money_world: MoneyWorld
) -> None:
    entry_id = await _pay(db, money_world)
    url = f"{BASE}/entries/{entry_id}/reverse"
    body = {"reason": "cheque refused by the bank", "occurred_on": "2026-03-10"}
    assert (await client.post(url, json=body, headers=money_world.headers["staff"])).status_code == 403
    response = await client.post(url, json=body, headers=money_world.headers["admin"])
    assert response.status_code == 201, response.text
    reversal = response.json()
    assert reversal["kind"] == "reversal" and reversal["reverses_entry_id"] == entry_id
    assert sorted(line["amount_cents"] for line in reversal["lines"]) == [-3000, 3000]
    assert "cheque refused" in reversal["memo"]
    again = await client.post(url, json=body, headers=money_world.headers["admin"])
    assert again.status_code == 409 and again.json()["error"] == "conflict"
    of_reversal = await client.post(
        f"{BASE}/entries/{reversal['id']}/reverse", json=body, headers=money_world.headers["admin"]
    )
    assert of_reversal.status_code == 409
    original = (await client.get(f"{BASE}/entries/{entry_id}", headers=money_world.headers["staff"])).json()
    assert original["reversed_by_entry_id"] == reversal["id"]
    await assert_ledger_ok(db)


async def test_reversal_retried_with_its_key_answers_the_same_reversal(
    client: Client, db: AsyncSession, money_world: MoneyWorld
) -> None:
    entry_id = await _pay(db, money_world)
    url = f"{BASE}/entries/{entry_id}/reverse"
    body = {"reason": "duplicate", "occurred_on": "2026-03-10"}
    headers = {**money_world.headers["admin"], "Idempotency-Key": "fix-42"}
    first = await client.post(url, json=body, headers=headers)
    second = await client.post(url, json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert await _entries(db) == 2


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"reason": "", "occurred_on": "2026-03-10"}, 400),
        ({"reason": "   ", "occurred_on": "2026-03-10"}, 422),
        ({"reason": "typo", "occurred_on": "2026-03-01"}, 422),  # before the payment
        ({"reason": "typo", "occurred_on": "2999-01-01"}, 422),  # in the future
        ({"reason": "typo", "occurred_on": "10/03/2026"}, 400),
        ({"reason": "typo"}, 400),
        ({"reason": "typo", "occurred_on": "2026-03-10", "extra": 1}, 400),
    ],
)
async def test_bad_reversal_requests_change_nothing(
    client: Client, db: AsyncSession, money_world: MoneyWorld, body: dict[str, object], status: int
) -> None:
    entry_id = await _pay(db, money_world)
    response = await client.post(
        f"{BASE}/entries/{entry_id}/reverse", json=body, headers=money_world.headers["admin"]
    )
    assert response.status_code == status, response.text
    assert set(response.json()) >= {"error", "detail"}
    assert await _entries(db) == 1


async def test_unknown_entry_cannot_be_reversed(client: Client, money_world: MoneyWorld) -> None:
    response = await client.post(
        f"{BASE}/entries/999999/reverse",
        json={"reason": "x", "occurred_on": "2026-03-10"},
        headers=money_world.headers["admin"],
    )
    assert response.status_code == 404


async def test_a_closed_months_close_entries_cannot_be_reversed(
    client: Client, db: AsyncSession, money_world: MoneyWorld
) -> None:
    mw = money_world
    await post_dues(db, mw.caisse_id, "2026-01", {mw.members["SA-1"]: 5000})
    rule_set_id = await db.scalar(select(RuleSet.id).where(RuleSet.caisse_id == mw.caisse_id))
    db.add(
        PeriodClose(
            caisse_id=mw.caisse_id,
            month="2026-01",
            rule_set_id=rule_set_id,
            households=1,
            contributions_due_cents=5000,
            allocations_cents=0,
            withheld_cents=0,
            expired_cents=0,
        )
    )
    await db.commit()
    due_entry = await db.scalar(
        select(JournalEntry.id).where(JournalEntry.kind == EntryKind.CONTRIBUTION_DUE)
    )
    response = await client.post(
        f"{BASE}/entries/{due_entry}/reverse",
        json={"reason": "wrong grid", "occurred_on": "2026-02-01"},
        headers=mw.headers["admin"],
    )
    assert response.status_code == 409 and response.json()["error"] == "period_closed"
    await assert_ledger_ok(db)


async def test_credit_already_spent_cannot_be_taken_back(
    client: Client, db: AsyncSession, money_world: MoneyWorld
) -> None:
    mw = money_world
    sa1 = mw.members["SA-1"]
    await post_allocations(db, mw.caisse_id, "2026-02", {sa1: 10000})
    await post_expiry(db, mw.caisse_id, "2026-03", {sa1: 6000})  # the wallet now holds 40 €
    await db.commit()
    allocation = await db.scalar(select(JournalEntry.id).where(JournalEntry.kind == EntryKind.ALLOCATION))
    response = await client.post(
        f"{BASE}/entries/{allocation}/reverse",
        json={"reason": "oops", "occurred_on": "2026-03-10"},
        headers=mw.headers["admin"],
    )
    assert response.status_code == 409 and response.json()["error"] == "insufficient_credit"
    await assert_ledger_ok(db)


@pytest.mark.parametrize("entry_id", [10**30, 2**63, 0])
async def test_entry_ids_out_of_range_are_400_not_500(
    client: Client, db: AsyncSession, money_world: MoneyWorld, entry_id: int
) -> None:
    await _pay(db, money_world)
    headers = money_world.headers["admin"]
    read = await client.get(f"{BASE}/entries/{entry_id}", headers=headers)
    assert read.status_code == 400 and "entry_id" in read.json()["detail"], read.text
    body = {"reason": "typo", "occurred_on": "2026-03-10"}
    reverse = await client.post(f"{BASE}/entries/{entry_id}/reverse", json=body, headers=headers)
    assert reverse.status_code == 400 and "entry_id" in reverse.json()["detail"], reverse.text
    assert await _entries(db) == 1


async def _ledger_reads(db: AsyncSession) -> list[tuple[str, str]]:
    """(subject member id, note) of each `ledger.read` audit event, in order."""
    rows = await db.execute(
        select(AuditEvent.subject_id, AuditEvent.detail)
        .where(AuditEvent.action == "ledger.read")
        .order_by(AuditEvent.id)
    )
    return [(subject, json.loads(detail).get("note", "")) for subject, detail in rows]


async def test_reads_showing_a_households_amounts_are_audited_once(
    client: Client, db: AsyncSession, money_world: MoneyWorld
) -> None:
    mw = money_world
    sa1, sa2 = str(mw.members["SA-1"]), str(mw.members["SA-2"])
    await post_dues(db, mw.caisse_id, "2026-03", {mw.members["SA-1"]: 5000, mw.members["SA-2"]: 3000})
    await db.commit()
    payment = await _pay(db, mw)
    headers = mw.headers["staff"]

    # Caisse-wide accounts only: nobody's amount is shown.
    funds = await client.get(BASE + "/accounts", params={"kind": "fund"}, headers=headers)
    assert funds.status_code == 200 and await _ledger_reads(db) == []
    # Only SA-1's and SA-2's wallets fit on a page of two.
    await client.get(BASE + "/accounts", params={"kind": "wallet", "limit": 2}, headers=headers)
    assert await _ledger_reads(db) == [(sa1, "accounts"), (sa2, "accounts")]

    # The payment's size is SA-1's amount; the dues entry is a total over two households.
    listed = await client.get(BASE + "/entries", headers=headers)
    assert listed.json()["total"] == 2
    assert (await _ledger_reads(db))[2:] == [(sa1, "entries")]

    # An entry's lines name every household in it.
    dues = listed.json()["items"][1]["id"]
    await client.get(f"{BASE}/entries/{dues}", headers=headers)
    await client.get(f"{BASE}/entries/{payment}", headers=headers)
    assert (await _ledger_reads(db))[3:] == [
        (sa1, f"entry {dues}"),
        (sa2, f"entry {dues}"),
        (sa1, f"entry {payment}"),
    ]
    actors = set(await db.scalars(select(AuditEvent.actor_user_id).where(AuditEvent.action == "ledger.read")))
    assert actors == {mw.user_ids["staff"]}


async def test_cli_reverse_refuses_an_id_out_of_range_in_one_line(
    db: AsyncSession, settings: Settings, money_world: MoneyWorld
) -> None:
    entry_id = await _pay(db, money_world)
    args = ("ledger", "reverse", "--caisse", "ssa", "--reason", "typo", "--date", "2026-03-10")
    for bad in (str(10**30), "0", "douze"):
        refused = await invoke_cli(settings, *args[:2], bad, *args[2:])
        assert refused.exit_code == 1, (bad, refused.output)
        assert refused.output.startswith("Error: ") and len(refused.output.strip().splitlines()) == 1
    assert await _entries(db) == 1
    done = await invoke_cli(settings, *args[:2], str(entry_id), *args[2:])
    assert done.exit_code == 0, done.output
    assert f"entry {entry_id} reversed by entry" in done.output
    await assert_ledger_ok(db)
