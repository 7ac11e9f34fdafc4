"""Review findings on payouts, each kept fixed: a batch's entry is never reversed (the outlet would be
paid twice), one idempotency key for two outlets' requests at once is a 409 naming it (never a 500),
a batch retried with its key on a later day is found, and text with NUL is a 422 on both backends."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from caisse.db.engine import make_sessionmaker
from caisse.errors import Conflict, ValidationFailed
from caisse.ledger import EntryKind, JournalEntry
from caisse.ledger.corrections import correct_by_reversal
from caisse.ledger.posting import reverse_entry
from caisse.ledger.verify import verify_ledger
from caisse.redemptions import batches
from caisse.redemptions.approval import approve_redemption
from caisse.redemptions.models import PayoutBatch, Redemption
from caisse.redemptions.position import outlet_position
from caisse.redemptions.requests import request_redemption
from tests.integration.redemptions.payout_helpers import PayoutWorld, caisse_of
from tests.ledger_checks import assert_ledger_ok

TODAY = date(2026, 11, 23)
Client = AsyncTestClient[Litestar]


async def _paid_batch(db: AsyncSession, pw: PayoutWorld, **kw: Any) -> PayoutBatch:
    caisse = await caisse_of(db, pw.caisse_id)
    asked = await request_redemption(db, caisse, outlet_id=pw.outlets["ferme"], all_available=True)
    await approve_redemption(db, pw.caisse_id, asked.record.id, by_user_id=None)
    await db.commit()
    made = await batches.create_payout_batch(db, caisse, execution_date=TODAY, today=TODAY, **kw)
    await db.commit()
    return made.record


async def test_reversing_a_payout_batch_entry_is_refused_so_the_outlet_is_never_paid_twice(
    db: AsyncSession, payouts: PayoutWorld
) -> None:
    """The review's reproduction: the reversal gave Ferme its 40 € back, which a second batch paid."""
    batch = await _paid_batch(db, payouts)
    with pytest.raises(Conflict, match="a transfer sent to the bank cannot be reversed in the ledger"):
        await correct_by_reversal(
            db, caisse_id=payouts.caisse_id, entry_id=batch.entry_id, reason="oops",
            occurred_on=TODAY, today=TODAY,
        )  # fmt: skip
    await db.rollback()
    reversals = select(func.count()).where(JournalEntry.kind == EntryKind.REVERSAL)
    assert await db.scalar(reversals) == 0
    position = await outlet_position(db, payouts.caisse_id, payouts.outlets["ferme"])
    assert position.balance_cents == 0 and position.available_cents == 0
    await assert_ledger_ok(db)


async def test_the_reversal_route_answers_409_for_a_payout_entry(
    client: Client, db: AsyncSession, payouts_http: PayoutWorld
) -> None:
    batch = await _paid_batch(db, payouts_http)
    response = await client.post(
        f"/api/v1/caisses/{payouts_http.mw.slug}/ledger/entries/{batch.entry_id}/reverse",
        json={"reason": "oops", "occurred_on": TODAY.isoformat()},
        headers=payouts_http.headers["admin"],
    )
    assert response.status_code == 409 and batch.reference in response.json()["detail"]


async def test_ledger_verify_reports_a_reversed_redemption_entry(
    db: AsyncSession, payouts: PayoutWorld
) -> None:
    """A reversal posted behind the service's back is caught by `caisse ledger verify`."""
    batch = await _paid_batch(db, payouts)
    await reverse_entry(
        db, caisse_id=payouts.caisse_id, entry_id=batch.entry_id, occurred_on=TODAY, memo="by hand"
    )
    await db.commit()
    report = await verify_ledger(db, payouts.caisse_id)
    assert [p.code for p in report.problems if p.code == "reversal_of_redemption"] == [
        "reversal_of_redemption"
    ]
    assert not report.ok


async def test_a_batch_retried_with_its_key_on_a_later_day_is_the_one_already_made(
    db: AsyncSession, payouts: PayoutWorld
) -> None:
    """The execution day has passed by then: the key is looked up before the date is checked."""
    batch = await _paid_batch(db, payouts, idempotency_key="lot-novembre")
    caisse = await caisse_of(db, payouts.caisse_id)
    again = await batches.create_payout_batch(
        db, caisse, execution_date=TODAY, idempotency_key="lot-novembre", today=TODAY + timedelta(days=1)
    )
    assert again.created is False and again.record.id == batch.id
    with pytest.raises(ValidationFailed, match="in the past"):
        await batches.create_payout_batch(
            db, caisse, execution_date=TODAY, idempotency_key="lot-decembre", today=TODAY + timedelta(days=1)
        )


async def _ask_in_own_session(
    engine: AsyncEngine, pw: PayoutWorld, outlet: str, key: str
) -> Redemption | str:
    async with make_sessionmaker(engine)() as session, session.begin():
        caisse = await caisse_of(session, pw.caisse_id)
        try:
            done = await request_redemption(
                session, caisse, outlet_id=pw.outlets[outlet], amount_cents=1_000, idempotency_key=key
            )
        except Conflict as exc:
            return exc.detail
        return done.record


async def test_one_key_for_two_outlets_at_the_same_moment_is_a_409_naming_the_key(
    engine: AsyncEngine, db: AsyncSession, payouts: PayoutWorld
) -> None:
    """Each request holds its own outlet's lock, so neither sees the other's key: the unique key
    stops the second, which used to surface as a 500."""
    async with make_sessionmaker(engine)() as first, first.begin():
        caisse = await caisse_of(first, payouts.caisse_id)
        await request_redemption(
            first, caisse, outlet_id=payouts.outlets["ferme"], amount_cents=1_000, idempotency_key="k1"
        )
        # The second request runs until it needs what the first holds (on PostgreSQL the unique
        # key, on SQLite the write lock), then waits for the first to commit.
        second = asyncio.create_task(_ask_in_own_session(engine, payouts, "epicerie", "k1"))
        await asyncio.sleep(0.5)
    outcome = await second
    assert outcome == (
        "The idempotency key 'k1' already recorded a different redemption request; "
        "use a new key for a new request."
    )
    assert await db.scalar(select(func.count()).select_from(Redemption)) == 1


@pytest.mark.parametrize(
    ("path", "body"),
    [("", {"amount_cents": 100, "note": "ventes\x00de mars"}), ("/{id}/reject", {"reason": "pas\x00ok"})],
)
async def test_nul_in_a_note_or_a_rejection_reason_is_a_422_not_a_500(
    client: Client, db: AsyncSession, payouts_http: PayoutWorld, path: str, body: dict[str, Any]
) -> None:
    base = f"/api/v1/caisses/{payouts_http.mw.slug}/redemptions"
    asked = await client.post(f"{base}/", json={"amount_cents": 100}, headers=payouts_http.headers["ferme"])
    assert asked.status_code == 201, asked.text
    headers = payouts_http.headers["ferme" if not path else "staff"]
    url = f"{base}{path.format(id=asked.json()['id'])}" if path else f"{base}/"
    response = await client.post(url, json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert "control character" in response.json()["detail"]
