"""The payment path reads "may this outlet take payments on this day?" in its own first query; it must
answer exactly as `caisse.outlets.conventioning.outlet_can_take_payments` does."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from caisse.outlets.conventioning import outlet_can_take_payments, record_decision
from caisse.spending import booking
from tests.integration.spending.spend_helpers import CONVENED_ON, SLUG, TODAY, SpendWorld, caisse_of


async def test_the_payment_path_and_the_outlets_rule_agree_on_every_day(
    db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    caisse = await caisse_of(db, sw)
    # Outlet b: suspended ten days after it was convened, then renewed five days later.
    await record_decision(
        db, caisse, sw.outlets["b"], decision="suspend", effective_on=CONVENED_ON + timedelta(10)
    )
    await record_decision(
        db, caisse, sw.outlets["b"], decision="renew", effective_on=CONVENED_ON + timedelta(15)
    )
    await db.commit()
    db_connection = await db.connection()
    days = [TODAY + timedelta(days=d) for d in range(-460, 400, 1)]
    disagreements = []
    seen = set()
    for name, outlet_id in sw.outlets.items():
        for day in days:
            theirs = await outlet_can_take_payments(db, outlet_id, day)
            found = await booking.outlet_account(db_connection, SLUG, outlet_id, "any-key-000", day)
            assert found is not None
            seen.add(theirs)
            if found.conventioned != theirs:
                disagreements.append((name, day, theirs))
    assert disagreements == []
    assert seen == {True, False}
