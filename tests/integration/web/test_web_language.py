"""Pages speak French by default and English on request; money and dates are written French style
on French pages; every message shown on a French page is in the French catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from babel.core import Locale

from tests.conftest import World
from tests.integration.web.web_fixtures import Client, form_token
from web.formatting import Formatter
from web.i18n import negotiate, translations


async def test_pages_are_french_without_any_preference(world: World, client: Client) -> None:
    response = await client.get("/c/test/transparence")
    assert '<html lang="fr">' in response.text
    assert "Transparence\u00a0: les comptes mois par mois" in response.text


async def test_browser_language_english_gives_english_pages(world: World, client: Client) -> None:
    response = await client.get(
        "/c/test/transparence", headers={"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"}
    )
    assert '<html lang="en">' in response.text
    assert "Transparency: the accounts month by month" in response.text


async def test_language_switch_sets_a_cookie_that_wins_over_the_browser(world: World, client: Client) -> None:
    token = await form_token(client, "/c/test/lieux")
    response = await client.post(
        "/langue", data={"lang": "en", "next": "/c/test/lieux?type=market", "_csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"] == "/c/test/lieux?type=market"
    page = await client.get("/c/test/lieux", headers={"Accept-Language": "fr"})
    assert '<html lang="en">' in page.text and "Conventioned outlets" in page.text
    token = await form_token(client, "/c/test/lieux")
    await client.post("/langue", data={"lang": "fr", "next": "/", "_csrf_token": token})
    assert "Lieux conventionnés" in (await client.get("/c/test/lieux")).text


async def test_language_switch_refuses_foreign_targets_and_unknown_languages(
    world: World, client: Client
) -> None:
    token = await form_token(client)
    away = await client.post(
        "/langue",
        data={"lang": "en", "next": "https://evil.example/", "_csrf_token": token},
        follow_redirects=False,
    )
    assert away.headers["location"] == "/"
    unknown = await client.post("/langue", data={"lang": "xx", "next": "/", "_csrf_token": token})
    assert unknown.status_code == 422 and unknown.headers["content-type"].startswith("text/html")


async def test_language_switch_without_csrf_token_is_refused(world: World, client: Client) -> None:
    await client.get("/")
    response = await client.post("/langue", data={"lang": "en", "next": "/"}, follow_redirects=False)
    assert response.status_code == 403
    assert "lang" not in response.cookies


def test_accept_language_is_read_by_quality() -> None:
    assert negotiate(None, None) == "fr"
    assert negotiate(None, "de-DE, en;q=0.8, fr;q=0.7") == "en"
    assert negotiate(None, "fr;q=0.2, en;q=0") == "fr"
    assert negotiate(None, "es, de") == "fr"
    assert negotiate("en", "fr") == "en"
    assert negotiate("klingon", "en") == "en"


def test_money_is_written_french_style() -> None:
    french = Formatter(Locale.parse("fr_FR"))
    assert french.money(123456) == "1\u202f234,56\u00a0€"
    assert french.money(-5) == "-0,05\u00a0€"
    assert french.money(100_000_000) == "1\u202f000\u202f000,00\u00a0€"
    assert french.percent(0.4567) == "45,7\u00a0%"
    assert french.month("2027-03") == "mars 2027"
    assert Formatter(Locale.parse("en_GB")).money(123456) == "€1,234.56"


async def test_transparency_page_shows_amounts_french_style(world: World, client: Client, db: Any) -> None:
    from datetime import date

    from caisse.caisses.service import get_caisse
    from caisse.money.reserve import record_opening_reserve

    caisse = await get_caisse(db, "test")
    await record_opening_reserve(
        db, caisse, amount_cents=1_234_56, received_on=date(2027, 1, 1), today=date(2027, 1, 1)
    )
    await db.commit()
    response = await client.get("/c/test/transparence", params={"mois": "2027-01"})
    assert response.status_code == 200
    assert "1\u202f234,56\u00a0€" in response.text


@pytest.fixture
def untranslated(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Records every message looked up in the French catalogue and missing from it."""
    catalogue = translations("fr")
    known = catalogue._catalog  # type: ignore[attr-defined]
    missing: list[str] = []
    gettext, ngettext = catalogue.gettext, catalogue.ngettext

    def checked_gettext(message: str) -> str:
        if message not in known:
            missing.append(message)
        return gettext(message)

    def checked_ngettext(singular: str, plural: str, n: int) -> str:
        if (singular, 0) not in known:
            missing.append(singular)
        return ngettext(singular, plural, n)

    monkeypatch.setattr(catalogue, "gettext", checked_gettext)
    monkeypatch.setattr(catalogue, "ngettext", checked_ngettext)
    yield missing


async def test_every_message_of_the_french_pages_is_translated(
    world: World, client: Client, untranslated: list[str]
) -> None:
    paths = ["/", "/c/test", "/c/test/lieux", "/c/test/lieux?type=bad", "/c/test/transparence",
             "/c/test/transparence?mois=bad", "/c/test/decisions", "/connexion", "/nowhere"]  # fmt: skip
    for path in paths:
        await client.get(path)
    for role in ("staff", "nobody", "outsider"):
        await client.get("/c/test/espace", headers=world.headers[role])
        await client.get("/espace", headers=world.headers[role])
    await client.post("/connexion", data={"email": "x"})
    assert untranslated == []
