"""PINs: who sets them, which are refused, and the lockout after repeated wrong PINs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import AuditEvent
from caisse.db.base import utcnow
from caisse.spending import MAX_FAILED_PINS, MemberPin
from caisse.spending.pins import pin_matches
from tests.integration.spending.spend_helpers import CREDIT, SLUG, SpendWorld, payment, wallet_credit
from tests.ledger_checks import add_member

Client = AsyncTestClient[Litestar]


def pin_url(code: str) -> str:
    return f"/api/v1/caisses/{SLUG}/members/{code}/pin"


async def _pin_row(db: AsyncSession, sw: SpendWorld, code: str) -> MemberPin:
    db.expire_all()
    row = await db.scalar(select(MemberPin).where(MemberPin.member_id == sw.members[code]))
    assert row is not None
    return row


async def test_five_wrong_pins_lock_the_pin_and_then_even_the_right_one_is_refused(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    for attempt in range(1, MAX_FAILED_PINS + 1):
        wrong = await client.post(
            sw.pay_url("a"), json=payment("SA-1", pin="9999"), headers=sw.headers["till_a"]
        )
        assert wrong.status_code == 403 and wrong.json()["error"] == "pin_refused"
        # Each failure is committed although the request itself was refused.
        assert (await _pin_row(db, sw, "SA-1")).failed_attempts == attempt
    right = await client.post(sw.pay_url("a"), json=payment("SA-1"), headers=sw.headers["till_a"])
    assert right.status_code == 423
    assert right.json()["error"] == "pin_locked"
    assert "until" in right.json()["detail"] and "in 30 minutes" in right.json()["detail"]
    row = await _pin_row(db, sw, "SA-1")
    assert row.locked_until is not None and row.locked_until > utcnow() + timedelta(minutes=29)
    assert await wallet_credit(db, sw, "SA-1") == CREDIT
    # The lock is the household's, not the outlet's: another outlet is refused too.
    other = await client.post(sw.pay_url("b"), json=payment("SA-1"), headers=sw.headers["till_b"])
    assert other.status_code == 423


async def test_a_right_pin_resets_the_count_of_wrong_ones(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    for _ in range(MAX_FAILED_PINS - 1):
        await client.post(sw.pay_url("a"), json=payment("SA-1", pin="9999"), headers=sw.headers["till_a"])
    assert (
        await client.post(sw.pay_url("a"), json=payment("SA-1"), headers=sw.headers["till_a"])
    ).status_code == 201
    assert (await _pin_row(db, sw, "SA-1")).failed_attempts == 0
    await client.post(sw.pay_url("a"), json=payment("SA-1", pin="9999"), headers=sw.headers["till_a"])
    assert (
        await client.post(sw.pay_url("a"), json=payment("SA-1"), headers=sw.headers["till_a"])
    ).status_code == 201


async def test_a_right_pin_resets_the_count_even_when_the_payment_is_refused(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    await client.post(sw.pay_url("a"), json=payment("SA-1", pin="9999"), headers=sw.headers["till_a"])
    too_much = await client.post(
        sw.pay_url("a"), json=payment("SA-1", CREDIT + 1), headers=sw.headers["till_a"]
    )
    assert too_much.status_code == 409
    assert (await _pin_row(db, sw, "SA-1")).failed_attempts == 0


async def test_after_a_lock_expires_one_more_wrong_pin_locks_again(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    await db.execute(
        update(MemberPin)
        .where(MemberPin.member_id == sw.members["SA-1"])
        .values(failed_attempts=MAX_FAILED_PINS, locked_until=utcnow() - timedelta(seconds=1))
    )
    await db.commit()
    wrong = await client.post(sw.pay_url("a"), json=payment("SA-1", pin="9999"), headers=sw.headers["till_a"])
    assert wrong.status_code == 403
    locked = await client.post(sw.pay_url("a"), json=payment("SA-1"), headers=sw.headers["till_a"])
    assert locked.status_code == 423


async def test_an_expired_lock_lets_the_right_pin_pay(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    await db.execute(
        update(MemberPin)
        .where(MemberPin.member_id == sw.members["SA-1"])
        .values(failed_attempts=MAX_FAILED_PINS, locked_until=utcnow() - timedelta(seconds=1))
    )
    await db.commit()
    assert (
        await client.post(sw.pay_url("a"), json=payment("SA-1"), headers=sw.headers["till_a"])
    ).status_code == 201
    row = await _pin_row(db, sw, "SA-1")
    assert (row.failed_attempts, row.locked_until) == (0, None)


async def test_staff_setting_a_new_pin_unlocks_it(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    for _ in range(MAX_FAILED_PINS):
        await client.post(sw.pay_url("a"), json=payment("SA-1", pin="9999"), headers=sw.headers["till_a"])
    state = await client.get(pin_url("SA-1"), headers=sw.headers["staff"])
    assert state.json()["locked_until"] is not None and state.json()["failed_attempts"] == MAX_FAILED_PINS

    response = await client.put(pin_url("SA-1"), json={"pin": "7391"}, headers=sw.headers["staff"])

    assert response.status_code == 200, response.text
    assert response.json() | {"set_at": None} == {
        "member_code": "SA-1", "is_set": True, "set_at": None, "failed_attempts": 0, "locked_until": None,
    }  # fmt: skip
    paid = await client.post(sw.pay_url("a"), json=payment("SA-1", pin="7391"), headers=sw.headers["till_a"])
    assert paid.status_code == 201
    old = await client.post(sw.pay_url("a"), json=payment("SA-1", pin="2580"), headers=sw.headers["till_a"])
    assert old.status_code == 403
    row = await _pin_row(db, sw, "SA-1")
    assert row.set_by_user_id == sw.user_ids["staff"] and pin_matches(row.salt, row.pin_hash, "7391")
    audited = await db.scalar(
        select(func.count()).where(
            AuditEvent.action == "member.pin.set",
            AuditEvent.subject_id == str(row.member_id),
            AuditEvent.actor_user_id == sw.user_ids["staff"],
        )
    )
    assert audited == 1


async def test_a_household_sets_its_own_pin_but_not_anothers(client: Client, spend_world: SpendWorld) -> None:
    sw = spend_world
    own = await client.put(pin_url("sa-1"), json={"pin": "4826"}, headers=sw.headers["member"])
    assert own.status_code == 200 and own.json()["member_code"] == "SA-1"
    assert (await client.get(pin_url("SA-1"), headers=sw.headers["member"])).json()["is_set"] is True
    other = await client.put(pin_url("SA-2"), json={"pin": "4826"}, headers=sw.headers["member"])
    assert other.status_code == 404  # as for an unknown code: no probing
    for who in ("till_a", "committee", "official", "outsider"):
        refused = await client.put(pin_url("SA-2"), json={"pin": "4826"}, headers=sw.headers[who])
        assert refused.status_code == 403, who


async def test_a_household_without_a_pin_shows_as_not_set(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    await add_member(db, spend_world.caisse_id, "SA-6")
    await db.commit()
    state = await client.get(pin_url("SA-6"), headers=spend_world.headers["staff"])
    assert state.json() == {
        "member_code": "SA-6", "is_set": False, "set_at": None, "failed_attempts": 0, "locked_until": None,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("pin", "status"),
    [
        ("0000", 422), ("7777", 422), ("1234", 422), ("4321", 422), ("0123", 422), ("98765", 422),
        ("123456", 422), ("654321", 422), ("123", 400), ("1234567", 400), ("12 4", 400), ("١٢٣٤", 400),
    ],
)  # fmt: skip
async def test_trivial_or_malformed_pins_are_refused(
    client: Client, db: AsyncSession, spend_world: SpendWorld, pin: str, status: int
) -> None:
    sw = spend_world
    response = await client.put(pin_url("SA-2"), json={"pin": pin}, headers=sw.headers["staff"])
    assert response.status_code == status, response.text
    assert "pin" in response.json()["detail"]
    row = await _pin_row(db, sw, "SA-2")
    assert pin_matches(row.salt, row.pin_hash, "1357")


async def test_a_household_that_left_gets_no_pin(client: Client, spend_world: SpendWorld) -> None:
    response = await client.put(pin_url("SA-4"), json={"pin": "4826"}, headers=spend_world.headers["staff"])
    assert response.status_code == 409 and "left" in response.json()["detail"]


async def test_the_same_pin_hashes_differently_for_two_households(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    for code in ("SA-1", "SA-2"):
        assert (await client.put(pin_url(code), json={"pin": "4826"}, headers=sw.headers["staff"])).is_success
    stored = []
    for code in ("SA-1", "SA-2"):
        row = await _pin_row(db, sw, code)
        stored.append((row.salt, row.pin_hash))
    one, two = stored
    assert one[0] != two[0] and one[1] != two[1]
    assert "4826" not in one[0] + one[1]
