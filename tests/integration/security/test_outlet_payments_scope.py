"""An outlet's payments are listed only under the outlet's own caisse: under another caisse the outlet
is not found, as a single payment of it is (the authorisation matrix found the list answering 200)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from tests.conftest import World
from tests.integration.web.web_fixtures import Client, conventioned_outlet


async def test_an_outlets_payments_under_another_caisse_are_not_found(
    world: World, client: Client, db: AsyncSession
) -> None:
    other = await db.get(Caisse, world.other_caisse_id)
    assert other is not None
    outlet = await conventioned_outlet(db, other, "Ferme d'ailleurs")
    await db.commit()
    under_test = await client.get(
        f"/api/v1/caisses/test/outlets/{outlet.id}/payments", headers=world.headers["staff"]
    )
    assert under_test.status_code == 404, under_test.text
    assert under_test.json()["error"] == "not_found"
    under_its_own = await client.get(
        f"/api/v1/caisses/other/outlets/{outlet.id}/payments", headers=world.headers["outsider"]
    )
    assert under_its_own.status_code == 200, under_its_own.text
    assert under_its_own.json()["total"] == 0
