"""Payments at outlets over HTTP: the ledger effect, idempotent retries, every refusal, route guards."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.ledger import EntryKind, JournalEntry, JournalLine
from caisse.spending import MAX_PAYMENT_CENTS, MemberPin, OutletPayment
from tests.integration.spending.spend_helpers import (
    CREDIT,
    TODAY,
    SpendWorld,
    outlet_credit,
    payment,
    wallet_credit,
)

Client = AsyncTestClient[Litestar]


async def _count(db: AsyncSession, model: Any) -> int:
    return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def _failures(db: AsyncSession, sw: SpendWorld, code: str) -> int:
    db.expire_all()
    return int(
        await db.scalar(select(MemberPin.failed_attempts).where(MemberPin.member_id == sw.members[code])) or 0
    )


async def test_payment_moves_credit_from_the_wallet_to_the_outlet(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    body = payment("sa-1", 1250, note="panier")
    response = await client.post(sw.pay_url("a"), json=body, headers=sw.headers["till_a"])
    assert response.status_code == 201, response.text
    view = response.json()
    assert (view["member_code"], view["amount_cents"], view["paid_on"], view["note"]) == (
        "SA-1", 1250, TODAY.isoformat(), "panier",
    )  # fmt: skip
    assert (view["outlet_id"], view["outlet_name"], view["refunded"]) == (
        sw.outlets["a"],
        "Épicerie A",
        False,
    )
    assert "reference_person" not in view and "name" not in view
    assert await wallet_credit(db, sw, "SA-1") == CREDIT - 1250
    assert await outlet_credit(db, sw, "a") == 1250
    entry = await db.get(JournalEntry, view["entry_id"])
    assert entry is not None and entry.kind is EntryKind.PAYMENT and entry.occurred_on == TODAY
    assert entry.idempotency_key == f"pay:{sw.outlets['a']}:{body['idempotency_key']}"
    assert entry.created_by_user_id == sw.user_ids["till_a"]
    lines = (await db.execute(select(JournalLine.amount_cents).where(JournalLine.entry_id == entry.id))).all()
    assert sorted(a for (a,) in lines) == [-1250, 1250]


async def test_resending_the_same_payment_returns_it_and_debits_once(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    body = payment("SA-2", 3000)
    first = await client.post(sw.pay_url("a"), json=body, headers=sw.headers["till_a"])
    again = await client.post(sw.pay_url("a"), json=body, headers=sw.headers["till_a"])
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert await wallet_credit(db, sw, "SA-2") == CREDIT - 3000
    assert await _count(db, OutletPayment) == 1


async def test_reusing_a_key_for_another_payment_is_a_conflict(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    body = payment("SA-1", 1000)
    assert (await client.post(sw.pay_url("a"), json=body, headers=sw.headers["till_a"])).status_code == 201
    for changed in ({"amount_cents": 1001}, {"member_code": "SA-2", "pin": "1357"}, {"note": "autre"}):
        response = await client.post(sw.pay_url("a"), json={**body, **changed}, headers=sw.headers["till_a"])
        assert response.status_code == 409 and response.json()["error"] == "idempotency_key_reused", changed
    assert await wallet_credit(db, sw, "SA-1") == CREDIT - 1000
    assert await wallet_credit(db, sw, "SA-2") == CREDIT


async def test_the_same_key_at_two_outlets_is_two_payments(client: Client, spend_world: SpendWorld) -> None:
    sw = spend_world
    body = payment("SA-1", 500)
    assert (await client.post(sw.pay_url("a"), json=body, headers=sw.headers["till_a"])).status_code == 201
    assert (await client.post(sw.pay_url("b"), json=body, headers=sw.headers["till_b"])).status_code == 201


@pytest.mark.parametrize(
    ("outlet", "reason"),
    [
        ("suspended", f"suspended from {TODAY.isoformat()}"),
        ("expired", "expired on"),
        ("applicant", "no convention in force (the outlet is applicant)"),
    ],
)
async def test_an_outlet_without_an_active_convention_is_refused(
    client: Client, db: AsyncSession, spend_world: SpendWorld, outlet: str, reason: str
) -> None:
    sw = spend_world
    response = await client.post(sw.pay_url(outlet), json=payment(pin="0000"), headers=sw.headers["staff"])
    assert response.status_code == 409
    problem = response.json()
    assert problem["error"] == "convention_not_active"
    assert "convention is not active" in problem["detail"] and reason in problem["detail"]
    # Checked before the PIN: the wrong PIN sent was not counted.
    assert await _failures(db, sw, "SA-1") == 0


async def test_unknown_code_wrong_pin_and_no_pin_get_one_answer(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    answers = [
        await client.post(sw.pay_url("a"), json=payment(code, pin=pin), headers=sw.headers["till_a"])
        for code, pin in (("SA-999999", "2580"), ("SA-1", "2581"), ("SA-4", "2580"), ("OTHER-1", "2580"))
    ]
    assert {a.status_code for a in answers} == {403}
    assert len({(a.json()["error"], a.json()["detail"]) for a in answers}) == 1
    assert answers[0].json()["error"] == "pin_refused"
    assert await _failures(db, sw, "SA-1") == 1
    assert await wallet_credit(db, sw, "SA-1") == CREDIT


@pytest.mark.parametrize(("code", "status"), [("SA-3", "applicant"), ("SA-5", "suspended")])
async def test_a_household_that_is_not_active_cannot_pay(
    client: Client, db: AsyncSession, spend_world: SpendWorld, code: str, status: str
) -> None:
    sw = spend_world
    response = await client.post(sw.pay_url("a"), json=payment(code, 100), headers=sw.headers["till_a"])
    assert response.status_code == 409
    assert response.json()["error"] == "member_not_active" and status in response.json()["detail"]
    assert await wallet_credit(db, sw, code) == CREDIT


async def test_insufficient_credit_states_what_is_available(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    assert (
        await client.post(sw.pay_url("a"), json=payment("SA-1", 9000), headers=sw.headers["till_a"])
    ).is_success
    response = await client.post(sw.pay_url("a"), json=payment("SA-1", 1001), headers=sw.headers["till_a"])
    assert response.status_code == 409
    assert response.json() == {
        "error": "insufficient_credit",
        "detail": "Insufficient credit: 10.00 € available, 10.01 € asked.",
    }
    exact = await client.post(sw.pay_url("a"), json=payment("SA-1", 1000), headers=sw.headers["till_a"])
    assert exact.status_code == 201
    assert await wallet_credit(db, sw, "SA-1") == 0


async def test_staff_take_a_payment_on_an_outlets_behalf(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    for role in ("staff", "admin", "superuser"):
        response = await client.post(sw.pay_url("b"), json=payment("SA-2", 100), headers=sw.headers[role])
        assert response.status_code == 201, (role, response.text)
    assert await outlet_credit(db, sw, "b") == 300


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("till_b", 403),  # another outlet's till
        ("outlet", 403),  # an outlet user whose grant names no outlet
        ("member", 403),  # a household cannot record payments, not even its own
        ("committee", 403),
        ("official", 403),
        ("outsider", 403),  # staff of another caisse
        ("nobody", 403),
        (None, 401),
    ],
)
async def test_only_the_outlet_itself_or_staff_record_its_payments(
    client: Client, db: AsyncSession, spend_world: SpendWorld, who: str | None, status: int
) -> None:
    sw = spend_world
    headers = {} if who is None else sw.headers[who]
    response = await client.post(sw.pay_url("a"), json=payment("SA-1"), headers=headers)
    assert response.status_code == status, response.text
    assert await wallet_credit(db, sw, "SA-1") == CREDIT


async def test_an_unknown_outlet_is_not_found(client: Client, spend_world: SpendWorld) -> None:
    response = await client.post(
        "/api/v1/caisses/ssa/outlets/999999/payments", json=payment(), headers=spend_world.headers["staff"]
    )
    assert response.status_code == 404 and "No outlet 999999" in response.json()["detail"]


@pytest.mark.parametrize(
    "change",
    [
        {"amount_cents": 0},
        {"amount_cents": -5},
        {"amount_cents": MAX_PAYMENT_CENTS + 1},
        {"amount_cents": 12.5},
        {"amount_cents": "12.50"},
        {"amount_cents": 2**70},
        {"pin": "123"},
        {"pin": "1234567"},
        {"pin": "12a4"},
        {"pin": 2580},
        {"idempotency_key": "short"},
        {"idempotency_key": "x" * 101},
        {"idempotency_key": "with space in it"},
        {"idempotency_key": "clé-accentuée-1"},
        {"member_code": ""},
        {"member_code": "X" * 21},
        {"note": "n" * 201},
        {"extra": 1},
    ],
)
async def test_bad_input_is_a_4xx_naming_the_field_and_books_nothing(
    client: Client, db: AsyncSession, spend_world: SpendWorld, change: dict[str, Any]
) -> None:
    sw = spend_world
    response = await client.post(
        sw.pay_url("a"), json={**payment("SA-1"), **change}, headers=sw.headers["till_a"]
    )
    assert response.status_code in (400, 422), response.text
    assert response.json()["error"] == "invalid"
    assert next(iter(change)) in response.json()["detail"]
    assert await _count(db, OutletPayment) == 0


async def test_a_missing_field_or_a_broken_body_is_a_4xx(client: Client, spend_world: SpendWorld) -> None:
    sw = spend_world
    body = payment()
    del body["idempotency_key"]
    missing = await client.post(sw.pay_url("a"), json=body, headers=sw.headers["till_a"])
    broken = await client.post(
        sw.pay_url("a"),
        content=b"{not json",
        headers={**sw.headers["till_a"], "Content-Type": "application/json"},
    )
    huge_id = await client.post(
        f"/api/v1/caisses/ssa/outlets/{2**64}/payments", json=payment(), headers=sw.headers["staff"]
    )
    assert (missing.status_code, broken.status_code, huge_id.status_code) == (400, 400, 400)


async def test_an_unknown_caisse_is_not_found_even_for_a_superuser(
    client: Client, spend_world: SpendWorld
) -> None:
    response = await client.post(
        "/api/v1/caisses/nowhere/outlets/1/payments", json=payment(), headers=spend_world.headers["superuser"]
    )
    assert response.status_code == 404 and response.json()["detail"] == "No caisse 'nowhere'."
