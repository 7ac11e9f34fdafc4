""" "The caisse as it stands" starts from its free reserve: the cash in the bank minus the credit it
has already promised (members' wallets and what outlets are owed), and the form says both."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.service import get_caisse
from caisse.money.reserve import record_opening_reserve
from caisse.simulations.scenarios import caisse_document
from tests.conftest import World
from tests.integration.web.web_fixtures import Client, log_in
from tests.ledger_checks import add_member, post_allocations


async def test_the_forecast_starts_from_the_cash_less_the_credit_promised(
    db: AsyncSession, world: World, client: Client
) -> None:
    caisse = await get_caisse(db, "test")
    await record_opening_reserve(
        db, caisse, amount_cents=10_000_00, received_on=date(2027, 1, 1), today=date(2027, 1, 1)
    )
    first = await add_member(db, world.caisse_id, "T-1")
    second = await add_member(db, world.caisse_id, "T-2")
    await post_allocations(db, world.caisse_id, "2027-01", {first.id: 300_00, second.id: 200_00})
    await db.commit()

    document = await caisse_document(db, caisse)
    assert document["funding"]["initial_reserve"] == 9_500.0

    assert (await log_in(client, "official@example.org")).status_code == 303
    form = await client.get("/c/test/simulations/nouvelle")
    assert form.status_code == 200
    assert 'value="9500"' in form.text
    assert (
        "10\u202f000,00\u00a0€" in form.text
        and "500,00\u00a0€" in form.text
        and "9\u202f500,00\u00a0€" in form.text
    )
