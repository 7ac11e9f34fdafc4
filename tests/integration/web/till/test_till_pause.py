"""The till page when the outlet's payments are paused after too many wrong PINs across households:
its own refusal screen, in plain words, with what to do and when payments start again."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from caisse.spending import MAX_WRONG_PINS
from tests.integration.spending.spend_helpers import CREDIT, SpendWorld, wallet_credit
from tests.integration.web.till.till_helpers import pay
from tests.integration.web.web_fixtures import Client


async def test_a_paused_outlet_sees_its_own_refusal_screen_in_plain_words(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    till = spend_world.headers["till_a"]
    codes = ["SA-1", "SA-2", "SA-3", "SA-5", "SA-98"] * 2  # across households, none locked
    assert len(codes) == MAX_WRONG_PINS
    for code in codes:
        wrong = await pay(client, till, code=code, pin="1111", amount="5")
        assert wrong.status_code == 403

    paused = await pay(client, till, code="SA-2", pin="1357", amount="5")

    assert paused.status_code == 429
    assert "Paiement refusé" in paused.text and "Rien n'a été débité." in paused.text
    assert "Les paiements de votre lieu sont suspendus" in paused.text
    assert "10 codes secrets faux ont été saisis dans votre lieu en moins de 60 minutes" in paused.text
    assert "Appelez la caisse" in paused.text
    assert "Les paiements de votre lieu reprennent à partir de" in paused.text
    assert "1357" not in paused.text

    english = await pay(client, {**till, "Accept-Language": "en"}, code="SA-2", pin="1357", amount="5")
    assert english.status_code == 429
    assert "Payments at your outlet are paused" in english.text
    assert "Call the caisse" in english.text and "Payments at your outlet start again from:" in english.text
    assert await wallet_credit(db, spend_world, "SA-2") == CREDIT


async def test_an_unknown_code_locks_on_the_till_page_as_a_household_does(
    client: Client, spend_world: SpendWorld
) -> None:
    till = spend_world.headers["till_a"]
    for _ in range(5):
        assert (await pay(client, till, code="SA-97", pin="1111", amount="5")).status_code == 403
    locked = await pay(client, till, code="SA-97", pin="1111", amount="5")
    assert locked.status_code == 423
    assert "Le code secret de ce foyer est bloqué" in locked.text
    assert "Le foyer peut réessayer à partir de" in locked.text
