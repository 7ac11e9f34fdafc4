"""Staff approve or reject requests; a request is decided once, also when two people decide at once."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from caisse.db.engine import make_sessionmaker
from caisse.errors import Conflict, NotFound, ValidationFailed
from caisse.ledger.posting import reverse_entry
from caisse.redemptions.approval import approve_redemption, reject_redemption
from caisse.redemptions.changes import history_of
from caisse.redemptions.models import Redemption, RedemptionEvent, RedemptionStatus
from caisse.redemptions.requests import cancel_redemption, request_redemption
from tests.integration.redemptions.payout_helpers import PayoutWorld, caisse_of, pay_outlet
from tests.ledger_checks import assert_ledger_ok


async def _ask(db: AsyncSession, pw: PayoutWorld, outlet: str, cents: int) -> int:
    caisse = await caisse_of(db, pw.caisse_id)
    result = await request_redemption(db, caisse, outlet_id=pw.outlets[outlet], amount_cents=cents)
    await db.commit()
    return result.record.id


async def test_approval_is_recorded_with_who_and_when(db: AsyncSession, payouts: PayoutWorld) -> None:
    rid = await _ask(db, payouts, "ferme", 2_000)
    approved = await approve_redemption(db, payouts.caisse_id, rid, by_user_id=None)
    await db.commit()
    assert approved.status is RedemptionStatus.APPROVED
    events = (await history_of(db, [rid]))[rid]
    assert [(e.from_status, e.to_status) for e in events] == [
        (None, RedemptionStatus.REQUESTED),
        (RedemptionStatus.REQUESTED, RedemptionStatus.APPROVED),
    ]
    assert events[1].at >= events[0].at and events[1].by_user_id is None


async def test_a_decided_request_cannot_be_decided_again(db: AsyncSession, payouts: PayoutWorld) -> None:
    rid = await _ask(db, payouts, "ferme", 2_000)
    await approve_redemption(db, payouts.caisse_id, rid, by_user_id=None)
    await db.commit()
    with pytest.raises(
        Conflict, match=f"Redemption {rid} is approved, not requested: it will be paid in the next"
    ):
        await approve_redemption(db, payouts.caisse_id, rid, by_user_id=None)
    await db.rollback()
    with pytest.raises(Conflict, match="is approved, not requested"):
        await reject_redemption(db, payouts.caisse_id, rid, reason="trop tard", by_user_id=None)
    await db.rollback()
    with pytest.raises(Conflict, match="is approved, not requested"):
        await cancel_redemption(db, payouts.caisse_id, rid, by_user_id=None)


async def test_rejection_needs_a_reason_that_the_history_keeps(
    db: AsyncSession, payouts: PayoutWorld
) -> None:
    rid = await _ask(db, payouts, "ferme", 2_000)
    with pytest.raises(ValidationFailed, match="Say why the request is rejected"):
        await reject_redemption(db, payouts.caisse_id, rid, reason="   ", by_user_id=None)
    rejected = await reject_redemption(
        db, payouts.caisse_id, rid, reason="Justificatifs de ventes manquants", by_user_id=None
    )
    await db.commit()
    assert rejected.status is RedemptionStatus.REJECTED
    assert (await history_of(db, [rid]))[rid][-1].reason == "Justificatifs de ventes manquants"
    # Rejected credit is available again.
    assert await _ask(db, payouts, "ferme", 4_000)


async def test_a_cancelled_request_cannot_be_approved(db: AsyncSession, payouts: PayoutWorld) -> None:
    rid = await _ask(db, payouts, "ferme", 2_000)
    await cancel_redemption(db, payouts.caisse_id, rid, by_user_id=None)
    await db.commit()
    with pytest.raises(Conflict, match="is cancelled, not requested: the outlet cancelled it"):
        await approve_redemption(db, payouts.caisse_id, rid, by_user_id=None)


async def test_unknown_or_foreign_redemptions_are_not_found(db: AsyncSession, payouts: PayoutWorld) -> None:
    rid = await _ask(db, payouts, "ferme", 2_000)
    with pytest.raises(NotFound, match="No redemption 999 in this caisse"):
        await approve_redemption(db, payouts.caisse_id, 999, by_user_id=None)
    with pytest.raises(NotFound, match=f"No redemption {rid} in this caisse"):
        await approve_redemption(db, payouts.mw.other_caisse_id, rid, by_user_id=None)


async def test_approval_is_refused_when_a_refund_left_the_outlet_short(
    db: AsyncSession, payouts: PayoutWorld
) -> None:
    """A refund at the till (a reversal of the payment) lowers what the outlet holds below its request."""
    extra = await pay_outlet(
        db, payouts.caisse_id, payouts.mw.members["SA-1"], payouts.outlets["ferme"], 1_000
    )
    rid = await _ask(db, payouts, "ferme", 5_000)
    await reverse_entry(
        db, caisse_id=payouts.caisse_id, entry_id=extra, occurred_on=date(2026, 3, 11), memo="refund"
    )
    await db.commit()
    with pytest.raises(
        Conflict, match=r"holds 40\.00 €, of which 0\.00 € already approved: it cannot cover 50\.00 €"
    ):
        await approve_redemption(db, payouts.caisse_id, rid, by_user_id=None)
    await db.rollback()
    assert (await db.get(Redemption, rid, populate_existing=True)).status is RedemptionStatus.REQUESTED  # type: ignore[union-attr]
    await assert_ledger_ok(db)


async def _approve_in_own_session(engine: AsyncEngine, caisse_id: int, rid: int) -> str:
    async with make_sessionmaker(engine)() as session, session.begin():
        try:
            await approve_redemption(session, caisse_id, rid, by_user_id=None)
        except Conflict:
            return "refused"
        return "approved"


async def test_concurrent_approvals_of_one_request_approve_it_once(
    backend: str, engine: AsyncEngine, db: AsyncSession, payouts: PayoutWorld
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers: concurrent sessions only race on PostgreSQL")
    rid = await _ask(db, payouts, "ferme", 2_000)
    outcomes = await asyncio.gather(
        *(_approve_in_own_session(engine, payouts.caisse_id, rid) for _ in range(6))
    )
    assert sorted(outcomes) == ["approved"] + ["refused"] * 5
    approvals = await db.scalar(
        select(func.count())
        .select_from(RedemptionEvent)
        .where(RedemptionEvent.redemption_id == rid, RedemptionEvent.to_status == RedemptionStatus.APPROVED)
    )
    assert approvals == 1


async def test_concurrent_approvals_of_requests_that_together_exceed_the_balance_approve_what_fits(
    backend: str, engine: AsyncEngine, db: AsyncSession, payouts: PayoutWorld
) -> None:
    """Two requests made, then a refund: the outlet can now cover one of them, never both."""
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers: concurrent sessions only race on PostgreSQL")
    extra = await pay_outlet(
        db, payouts.caisse_id, payouts.mw.members["SA-1"], payouts.outlets["ferme"], 2_000
    )
    first, second = await _ask(db, payouts, "ferme", 3_000), await _ask(db, payouts, "ferme", 3_000)
    await reverse_entry(
        db, caisse_id=payouts.caisse_id, entry_id=extra, occurred_on=date(2026, 3, 11), memo="refund"
    )
    await db.commit()
    outcomes = await asyncio.gather(
        _approve_in_own_session(engine, payouts.caisse_id, first),
        _approve_in_own_session(engine, payouts.caisse_id, second),
    )
    assert sorted(outcomes) == ["approved", "refused"]
