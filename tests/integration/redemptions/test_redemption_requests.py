"""Outlets ask to redeem their credit: what they may ask for, every refusal with its message, cancelling."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from caisse.db.engine import make_sessionmaker
from caisse.errors import Conflict, InsufficientCredit, NotFound, ValidationFailed
from caisse.outlets.conventioning import record_decision
from caisse.redemptions.changes import history_of
from caisse.redemptions.models import Redemption, RedemptionEvent, RedemptionStatus
from caisse.redemptions.position import outlet_position
from caisse.redemptions.requests import cancel_redemption, list_redemptions, request_redemption
from tests.integration.redemptions.payout_helpers import PayoutWorld, add_outlet, caisse_of, pay_outlet
from tests.ledger_checks import assert_ledger_ok


async def _ask(
    db: AsyncSession, pw: PayoutWorld, outlet: str, cents: int | None = None, **kw: object
) -> Redemption:
    caisse = await caisse_of(db, pw.caisse_id)
    result = await request_redemption(
        db, caisse, outlet_id=pw.outlets[outlet], amount_cents=cents, all_available=cents is None, **kw
    )  # type: ignore[arg-type]
    await db.commit()
    return result.record


async def _count(db: AsyncSession, model: type[object]) -> int:
    return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def test_request_for_an_amount_is_recorded_with_its_history(
    db: AsyncSession, payouts: PayoutWorld
) -> None:
    redemption = await _ask(db, payouts, "ferme", 1_500, note="ventes de mars")
    assert (redemption.amount_cents, redemption.status, redemption.note) == (
        1_500,
        RedemptionStatus.REQUESTED,
        "ventes de mars",
    )
    history = (await history_of(db, [redemption.id]))[redemption.id]
    assert [(e.from_status, e.to_status) for e in history] == [(None, RedemptionStatus.REQUESTED)]
    position = await outlet_position(db, payouts.caisse_id, payouts.outlets["ferme"])
    assert (position.balance_cents, position.requested_cents, position.available_cents) == (
        4_000,
        1_500,
        2_500,
    )


async def test_all_available_asks_for_the_balance_minus_what_is_pending(
    db: AsyncSession, payouts: PayoutWorld
) -> None:
    await _ask(db, payouts, "ferme", 1_000)
    rest = await _ask(db, payouts, "ferme")
    assert rest.amount_cents == 3_000
    position = await outlet_position(db, payouts.caisse_id, payouts.outlets["ferme"])
    assert position.available_cents == 0 and position.pending_cents == 4_000


async def test_more_than_available_is_refused_saying_how_much_is(
    db: AsyncSession, payouts: PayoutWorld
) -> None:
    await _ask(db, payouts, "ferme", 3_000)
    with pytest.raises(
        InsufficientCredit, match=r"at most 10\.00 € \(30\.00 € of its 40\.00 € already requested"
    ):
        await _ask(db, payouts, "ferme", 1_001)
    await db.rollback()
    assert await _count(db, Redemption) == 1


async def test_nothing_to_redeem_is_refused(db: AsyncSession, payouts: PayoutWorld) -> None:
    empty = await add_outlet(
        db, payouts.caisse_id, "Boulangerie vide", ("FR4430004000030000012345678", "BNPAFRPP")
    )
    caisse = await caisse_of(db, payouts.caisse_id)
    with pytest.raises(InsufficientCredit, match="has no credit to redeem"):
        await request_redemption(db, caisse, outlet_id=empty.id, all_available=True)
    await db.rollback()
    await _ask(db, payouts, "ferme")
    with pytest.raises(InsufficientCredit, match=r"no credit to redeem \(40\.00 € of its 40\.00 € already"):
        await _ask(db, payouts, "ferme")


async def test_an_outlet_without_bank_details_is_told_to_add_them_first(
    db: AsyncSession, payouts: PayoutWorld
) -> None:
    with pytest.raises(
        Conflict, match=r"Marché de Foix has no IBAN or BIC on file: add the outlet's bank details"
    ):
        await _ask(db, payouts, "sans_iban", 500)
    await db.rollback()
    assert await _count(db, Redemption) == 0 and await _count(db, RedemptionEvent) == 0


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"amount_cents": 0, "all_available": False}, "more than 0"),
        ({"amount_cents": -5, "all_available": False}, "more than 0"),
        ({"amount_cents": None, "all_available": False}, "either an amount"),
        ({"amount_cents": 100, "all_available": True}, "either an amount"),
        ({"amount_cents": 100, "all_available": False, "note": "x" * 301}, "300 characters"),
        ({"amount_cents": 100, "all_available": False, "idempotency_key": "a b"}, "idempotency key"),
    ],
)
async def test_bad_requests_are_refused_and_write_nothing(
    db: AsyncSession, payouts: PayoutWorld, kw: dict[str, object], message: str
) -> None:
    caisse = await caisse_of(db, payouts.caisse_id)
    with pytest.raises(ValidationFailed, match=message):
        await request_redemption(db, caisse, outlet_id=payouts.outlets["ferme"], **kw)  # type: ignore[arg-type]
    await db.rollback()
    assert await _count(db, Redemption) == 0


async def test_an_outlet_of_another_caisse_is_not_found(db: AsyncSession, payouts: PayoutWorld) -> None:
    foreign = await add_outlet(
        db, payouts.mw.other_caisse_id, "Ferme voisine", ("FR4430004000030000012345678", "BNPAFRPP")
    )
    caisse = await caisse_of(db, payouts.caisse_id)
    with pytest.raises(NotFound, match=f"No outlet {foreign.id} in this caisse"):
        await request_redemption(db, caisse, outlet_id=foreign.id, amount_cents=100)


async def test_a_suspended_outlet_may_still_redeem_what_it_took(
    db: AsyncSession, payouts: PayoutWorld
) -> None:
    caisse = await caisse_of(db, payouts.caisse_id)
    outlet_id = payouts.outlets["ferme"]
    await record_decision(db, caisse, outlet_id, decision="convene", effective_on=date(2026, 1, 10))
    await record_decision(
        db, caisse, outlet_id, decision="suspend", effective_on=date(2026, 4, 1), reason="contrôle"
    )
    await db.commit()
    assert (await _ask(db, payouts, "ferme")).amount_cents == 4_000


async def test_same_key_records_the_request_once(db: AsyncSession, payouts: PayoutWorld) -> None:
    first = await _ask(db, payouts, "ferme", 1_000, idempotency_key="req-1")
    again = await _ask(db, payouts, "ferme", 1_000, idempotency_key="req-1")
    assert again.id == first.id and await _count(db, Redemption) == 1
    with pytest.raises(Conflict, match="already recorded a different redemption request"):
        await _ask(db, payouts, "ferme", 2_000, idempotency_key="req-1")


async def test_the_outlet_cancels_a_request_and_may_ask_again(db: AsyncSession, payouts: PayoutWorld) -> None:
    rid = (await _ask(db, payouts, "ferme")).id
    cancelled = await cancel_redemption(db, payouts.caisse_id, rid, by_user_id=None)
    await db.commit()
    assert cancelled.status is RedemptionStatus.CANCELLED
    with pytest.raises(Conflict, match=f"Redemption {rid} is cancelled, not requested"):
        await cancel_redemption(db, payouts.caisse_id, rid, by_user_id=None)
    await db.rollback()
    assert (await _ask(db, payouts, "ferme")).amount_cents == 4_000
    history = (await history_of(db, [rid]))[rid]
    assert [e.to_status for e in history] == [RedemptionStatus.REQUESTED, RedemptionStatus.CANCELLED]


async def test_list_filters_by_status_and_outlet(db: AsyncSession, payouts: PayoutWorld) -> None:
    await _ask(db, payouts, "ferme", 1_000)
    await _ask(db, payouts, "epicerie", 500)
    cancelled = await _ask(db, payouts, "ferme", 700)
    await cancel_redemption(db, payouts.caisse_id, cancelled.id, by_user_id=None)
    await db.commit()
    rows, total = await list_redemptions(db, payouts.caisse_id, outlet_id=payouts.outlets["ferme"])
    assert total == 2 and {r.outlet_name for r in rows} == {"Ferme du Couserans"}
    rows, total = await list_redemptions(db, payouts.caisse_id, status="requested")
    assert total == 2 and sorted(r.redemption.amount_cents for r in rows) == [500, 1_000]
    with pytest.raises(ValidationFailed, match="Unknown redemption status 'sent'"):
        await list_redemptions(db, payouts.caisse_id, status="sent")


async def _ask_in_own_session(engine: AsyncEngine, caisse_id: int, outlet_id: int, cents: int) -> int | None:
    async with make_sessionmaker(engine)() as session, session.begin():
        caisse = await caisse_of(session, caisse_id)
        try:
            result = await request_redemption(session, caisse, outlet_id=outlet_id, amount_cents=cents)
        except InsufficientCredit:
            return None
        return result.record.id


async def test_concurrent_requests_never_ask_for_more_than_the_outlet_holds(
    backend: str, engine: AsyncEngine, db: AsyncSession, payouts: PayoutWorld
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers: concurrent sessions only race on PostgreSQL")
    ids = await asyncio.gather(
        *(_ask_in_own_session(engine, payouts.caisse_id, payouts.outlets["ferme"], 1_000) for _ in range(8))
    )
    assert sum(i is not None for i in ids) == 4  # 40 € held, 10 € each
    position = await outlet_position(db, payouts.caisse_id, payouts.outlets["ferme"])
    assert position.requested_cents == 4_000 and position.available_cents == 0


async def test_credit_taken_later_can_be_asked_for(db: AsyncSession, payouts: PayoutWorld) -> None:
    await _ask(db, payouts, "epicerie")
    await pay_outlet(db, payouts.caisse_id, payouts.mw.members["SA-1"], payouts.outlets["epicerie"], 600)
    assert (await _ask(db, payouts, "epicerie")).amount_cents == 600
    await assert_ledger_ok(db)
