"""The brake on guessing PINs across households: an outlet's wrong PINs are counted and recorded
(outlet, user, member code, never the PIN); past MAX_WRONG_PINS in the window every payment it
sends is refused until the window passes or staff lift the pause; an unknown code is refused and
locked exactly as a known one."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from caisse.auth.models import AuditEvent
from caisse.caisses.models import Caisse
from caisse.db.engine import make_engine, make_sessionmaker
from caisse.errors import DomainError
from caisse.settings import Settings
from caisse.spending import (
    MAX_FAILED_PINS,
    MAX_WRONG_PINS,
    PAUSE_WINDOW,
    PIN_LOCK,
    OutletPinFailure,
    record_outlet_payment,
)
from caisse.spending import pauses as pauses_module
from caisse.spending.errors import PinRefused, TillPaused
from tests.integration.spending.spend_helpers import CREDIT, PINS, SLUG, SpendWorld, payment, wallet_credit
from tests.ledger_checks import add_member

Client = AsyncTestClient[Litestar]

# Wrong PINs spread over households, none typed often enough to lock one: only the outlet's count
# can stop them. "SA-98" and "SA-99" are codes no household has.
SPREAD = ["SA-1", "SA-2", "SA-3", "SA-5", "SA-98", "SA-1", "SA-2", "SA-3", "SA-5", "SA-99"]


def pause_url(sw: SpendWorld, outlet: str = "a") -> str:
    return f"{sw.pay_url(outlet)}/pause"


async def _guess(client: Client, sw: SpendWorld, code: str, *, outlet: str = "a", pin: str = "9999") -> int:
    answer = await client.post(
        sw.pay_url(outlet), json=payment(code, pin=pin), headers=sw.headers[f"till_{outlet}"]
    )
    return answer.status_code


async def _failures(db: AsyncSession) -> list[OutletPinFailure]:
    db.expire_all()
    return list(await db.scalars(select(OutletPinFailure).order_by(OutletPinFailure.id)))


async def _move_back(db: AsyncSession, by: timedelta, *, code: str | None = None) -> None:
    """Time passes for the recorded wrong PINs (of one member code, or all)."""
    for row in await _failures(db):
        if code is None or row.member_code == code:
            row.at -= by
            row.paused_until = None if row.paused_until is None else row.paused_until - by
    await db.commit()


async def _events(db: AsyncSession, action: str) -> list[AuditEvent]:
    return list(await db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


async def test_wrong_pins_across_households_pause_the_outlet_even_for_a_right_pin(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    assert len(SPREAD) == MAX_WRONG_PINS
    for code in SPREAD[:5]:
        assert await _guess(client, sw, code) == 403
    # A right PIN between guesses (a household the guesser knows) does not lower the outlet's count.
    known = await client.post(sw.pay_url("a"), json=payment("SA-1"), headers=sw.headers["till_a"])
    assert known.status_code == 201
    for code in SPREAD[5:]:
        assert await _guess(client, sw, code) == 403

    refused = await client.post(sw.pay_url("a"), json=payment("SA-2"), headers=sw.headers["till_a"])

    assert refused.status_code == 429, refused.text
    body = refused.json()
    assert body["error"] == "till_paused"
    assert "Call the caisse" in body["detail"] and "in 60 minutes" in body["detail"]
    assert await wallet_credit(db, sw, "SA-2") == CREDIT
    # Staff paying on the outlet's behalf are refused too: the pause is the outlet's.
    on_behalf = await client.post(sw.pay_url("a"), json=payment("SA-2"), headers=sw.headers["staff"])
    assert on_behalf.status_code == 429
    # Another outlet is not paused, and the households' PINs are not locked.
    other = await client.post(sw.pay_url("b"), json=payment("SA-2"), headers=sw.headers["till_b"])
    assert other.status_code == 201, other.text
    # Paused, the outlet checks no PIN, so it counts no more wrong ones.
    assert await _guess(client, sw, "SA-2") == 429
    assert len(await _failures(db)) == MAX_WRONG_PINS

    state = await client.get(pause_url(sw), headers=sw.headers["till_a"])
    assert state.status_code == 200
    assert state.json() | {"paused_until": None} == {
        "outlet_id": sw.outlets["a"], "paused": True, "paused_until": None,
        "wrong_pins_in_window": MAX_WRONG_PINS, "max_wrong_pins": MAX_WRONG_PINS, "window_minutes": 60,
    }  # fmt: skip
    assert (await client.get(pause_url(sw, "b"), headers=sw.headers["till_b"])).json()["paused"] is False
    assert (await client.get(pause_url(sw, "b"), headers=sw.headers["till_a"])).status_code == 403


async def test_every_wrong_pin_is_recorded_with_its_outlet_and_user_never_the_pin(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    for code in SPREAD:
        await _guess(client, sw, code, pin="8642")

    rows = await _failures(db)
    assert [r.member_code for r in rows] == SPREAD
    assert {(r.outlet_id, r.user_id, r.caisse_id) for r in rows} == {
        (sw.outlets["a"], sw.user_ids["till_a"], sw.caisse_id)
    }
    assert [r.member_id for r in rows] == [sw.members.get(code) for code in SPREAD]
    assert [r.paused_until is not None for r in rows] == [False] * (MAX_WRONG_PINS - 1) + [True]
    assert rows[-1].paused_until == rows[-1].at + PAUSE_WINDOW

    wrong = await _events(db, "outlet.pin.wrong")
    assert len(wrong) == MAX_WRONG_PINS
    assert {(e.subject_type, e.subject_id, e.actor_user_id) for e in wrong} == {
        ("outlet", str(sw.outlets["a"]), sw.user_ids["till_a"])
    }
    assert sorted(e.detail for e in wrong) == sorted(
        f'{{"fields": [], "note": "member code {c}"}}' for c in SPREAD
    )
    assert len(await _events(db, "outlet.till.paused")) == 1
    stored = " ".join(str(vars(r)) for r in rows) + " ".join(e.detail for e in wrong)
    assert "8642" not in stored


async def test_the_pause_lifts_when_the_window_has_passed(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    for code in SPREAD:
        await _guess(client, sw, code)
    assert (
        await client.post(sw.pay_url("a"), json=payment(), headers=sw.headers["till_a"])
    ).status_code == 429
    # An hour and a second later (the rows' times moved back, as the PIN tests move a lock's end).
    await _move_back(db, PAUSE_WINDOW + timedelta(seconds=1))

    paid = await client.post(sw.pay_url("a"), json=payment(), headers=sw.headers["till_a"])

    assert paid.status_code == 201, paid.text
    # The old wrong PINs no longer count: one more is refused as a wrong PIN, not a pause.
    assert await _guess(client, sw, "SA-2") == 403
    assert (await client.post(sw.pay_url("a"), json=payment("SA-2"), headers=sw.headers["till_a"])).is_success


async def test_one_short_of_the_threshold_the_outlet_still_takes_payments(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    for code in SPREAD[:-1]:
        await _guess(client, sw, code)
    paid = await client.post(sw.pay_url("a"), json=payment("SA-2"), headers=sw.headers["till_a"])
    assert paid.status_code == 201, paid.text


async def test_staff_lift_the_pause_and_the_wrong_pins_stay_on_record(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    for code in SPREAD:
        await _guess(client, sw, code)
    own = await client.delete(pause_url(sw), headers=sw.headers["till_a"])
    assert own.status_code == 403  # the outlet cannot lift its own pause

    lifted = await client.delete(pause_url(sw), headers=sw.headers["staff"])

    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["paused"] is False and lifted.json()["wrong_pins_in_window"] == 0
    paid = await client.post(sw.pay_url("a"), json=payment("SA-2"), headers=sw.headers["till_a"])
    assert paid.status_code == 201, paid.text
    rows = await _failures(db)
    assert len(rows) == MAX_WRONG_PINS
    assert {(r.cleared_at is not None, r.cleared_by_user_id) for r in rows} == {(True, sw.user_ids["staff"])}
    resumed = await _events(db, "outlet.till.resumed")
    assert [(e.subject_id, e.actor_user_id) for e in resumed] == [
        (str(sw.outlets["a"]), sw.user_ids["staff"])
    ]
    # The count starts again from zero.
    for code in SPREAD[:-1]:
        assert await _guess(client, sw, code) == 403
    assert (
        await client.post(sw.pay_url("a"), json=payment(), headers=sw.headers["till_a"])
    ).status_code == 201
    missing = await client.delete(
        f"/api/v1/caisses/{SLUG}/outlets/999999/payments/pause", headers=sw.headers["staff"]
    )
    assert missing.status_code == 404


def _without_times(detail: str) -> str:
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC \(in \d+ minutes?\)", "<when>", detail)


async def test_an_unknown_code_or_a_household_without_pin_is_refused_and_locked_as_a_known_one(
    client: Client, db: AsyncSession, spend_world: SpendWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    sw = spend_world
    await add_member(db, sw.caisse_id, "SA-6")  # a household without a PIN
    await db.commit()
    monkeypatch.setattr(pauses_module, "MAX_WRONG_PINS", 100)  # this test is about the codes' own lock
    answers: dict[str, list[tuple[int, str, str]]] = {}
    for code in ("SA-1", "SA-97", "SA-6"):
        answers[code] = []
        for _ in range(MAX_FAILED_PINS + 1):
            answer = await client.post(
                sw.pay_url("a"), json=payment(code, pin="9999"), headers=sw.headers["till_a"]
            )
            body = answer.json()
            answers[code].append((answer.status_code, body["error"], _without_times(body["detail"])))

    assert answers["SA-97"] == answers["SA-1"] == answers["SA-6"]
    assert [status for status, _, _ in answers["SA-1"]] == [403] * MAX_FAILED_PINS + [423]
    # The lock ends PIN_LOCK after the last wrong PIN, then one more wrong PIN locks it again, for
    # an unknown code as for a household's PIN (test_spending_pins).
    await _move_back(db, PIN_LOCK + timedelta(seconds=1), code="SA-97")
    assert await _guess(client, sw, "SA-97") == 403
    assert await _guess(client, sw, "SA-97") == 423


async def test_a_replayed_payment_is_still_answered_while_the_outlet_is_paused(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    """A till that lost the answer to a payment it took must learn it was recorded."""
    sw = spend_world
    body = payment("SA-1")
    assert (await client.post(sw.pay_url("a"), json=body, headers=sw.headers["till_a"])).status_code == 201
    for code in SPREAD:
        await _guess(client, sw, code)
    again = await client.post(sw.pay_url("a"), json=body, headers=sw.headers["till_a"])
    assert again.status_code == 200
    assert await wallet_credit(db, sw, "SA-1") == CREDIT - body["amount_cents"]


RACERS = 30


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


async def _guess_alone(engine: AsyncEngine, sw: SpendWorld, code: str, pin: str) -> DomainError | None:
    async with make_sessionmaker(engine)() as session:
        caisse = await session.get(Caisse, sw.caisse_id)
        assert caisse is not None
        try:
            await record_outlet_payment(
                session, caisse, outlet_id=sw.outlets["a"], member_code=code, pin=pin, amount_cents=100,
                idempotency_key=f"guess-{code}-{pin}",
            )  # fmt: skip
            await session.commit()
            return None
        except DomainError as exc:
            await session.rollback()
            return exc


async def test_wrong_pins_sent_at_once_still_pause_the_outlet(
    db: AsyncSession, wide_engine: AsyncEngine, spend_world: SpendWorld
) -> None:
    sw = spend_world
    codes = [f"SA-{n}" for n in range(70, 80)]  # unknown codes, 3 guesses each: none locks
    outcomes = await asyncio.gather(
        *(_guess_alone(wide_engine, sw, code, f"{1000 + i * 7}") for i, code in enumerate(codes * 3))
    )
    kinds = Counter(type(o) for o in outcomes)
    assert set(kinds) <= {PinRefused, TillPaused}
    assert kinds[PinRefused] >= MAX_WRONG_PINS
    # Counted one at a time: the MAX_WRONG_PINS-th paused the outlet, and each after it too.
    rows = await _failures(db)
    assert len(rows) == kinds[PinRefused]
    assert [r.paused_until is not None for r in rows] == [False] * (MAX_WRONG_PINS - 1) + [True] * (
        len(rows) - MAX_WRONG_PINS + 1
    )
    assert isinstance(await _guess_alone(wide_engine, sw, "SA-1", PINS["SA-1"]), TillPaused)
