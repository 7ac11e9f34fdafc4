"""A visitor, without an account, reads the caisse's public pages in a real browser.

What the pages must show is read from the public JSON API of the same server, so the journeys
check that the pages and the API agree, whatever outlets and ballots the demo holds."""

from __future__ import annotations

import json
import re
import urllib.request
from collections import Counter
from typing import Any

import pytest

from tests.browser.browser_checks import assert_accessible, follow, screenshot
from tests.browser.browser_demo import SLUG

pytestmark = pytest.mark.browser

# French money: thousands separated by a narrow no-break space, comma before the cents.
FRENCH_MONEY = re.compile(r"-?\d{1,3}(?:\u202f\d{3})*,\d{2}\u00a0€")
OUTCOMES = {
    "passed": "Adopté",
    "rejected": "Rejeté",
    "no_quorum": "Quorum non atteint",
    "cancelled": "Annulé",
}


def _public(base_url: str, path: str) -> Any:
    with urllib.request.urlopen(f"{base_url}/api/v1/public/caisses/{SLUG}/{path}", timeout=10) as answer:
        return json.load(answer)


def _names(page: Any) -> list[str]:
    return sorted(page.locator("main .card h3").all_inner_texts())


def test_visitor_reads_the_transparency_page_and_picks_another_month(page: Any) -> None:
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert_accessible(page)
    screenshot(page, "accueil")
    follow(page, page.get_by_role("link", name="Caisse commune de démonstration", exact=True))
    assert "Comment adhérer" in page.locator("main").inner_text()
    assert_accessible(page)
    screenshot(page, "caisse")
    caisse_menu = page.get_by_role("navigation", name=re.compile("Pages de"))
    follow(page, caisse_menu.get_by_role("link", name="Transparence"))
    assert (
        page.get_by_role("heading", level=1).inner_text() == "Transparence\u00a0: les comptes mois par mois"
    )
    # Four charts, each named and described, each next to a table with the same figures.
    charts = page.locator("svg[role=img]")
    assert charts.count() == 4
    for index in range(4):
        assert charts.nth(index).locator("title").text_content()
        assert charts.nth(index).locator("desc").text_content()
    assert page.locator("table").count() >= 5
    assert FRENCH_MONEY.search(page.locator("main").inner_text())
    assert_accessible(page)
    screenshot(page, "transparence")

    months = page.get_by_label("Mois", exact=True)
    values = [o.get_attribute("value") for o in months.locator("option").all()]
    assert len(values) >= 3 and values == sorted(values, reverse=True)
    months.select_option(values[-1])
    follow(page, page.get_by_role("button", name="Afficher ce mois"))
    assert f"mois={values[-1]}" in page.url
    assert page.get_by_label("Mois", exact=True).input_value() == values[-1]
    # The demo caisse received its opening reserve in its first month.
    assert "Réserve de départ" in page.locator("main").inner_text()


def test_visitor_filters_the_directory_and_reads_the_decision_log(page: Any, base_url: str) -> None:
    listed = _public(base_url, "outlets")
    assert listed, "the demo has conventioned outlets"
    page.goto(f"/c/{SLUG}/lieux")
    assert _names(page) == sorted(o["name"] for o in listed)
    assert_accessible(page)
    screenshot(page, "lieux")

    commune = Counter(o["commune"] for o in listed).most_common(1)[0][0]
    page.get_by_label("Commune", exact=True).select_option(commune)
    follow(page, page.get_by_role("button", name="Afficher les lieux"))
    assert _names(page) == sorted(o["name"] for o in listed if o["commune"] == commune)

    product = listed[0]["product_categories"][0]
    page.get_by_label("Commune", exact=True).select_option("")
    page.get_by_label("Produit", exact=True).select_option(product)
    follow(page, page.get_by_role("button", name="Afficher les lieux"))
    expected = sorted(o["name"] for o in listed if product in o["product_categories"])
    assert _names(page) == expected
    assert page.get_by_role("status").inner_text().startswith(f"{len(expected)} lieu")
    follow(page, page.get_by_role("link", name="Effacer les filtres"))
    assert len(_names(page)) == len(listed)

    first = sorted(o["name"] for o in listed)[0]
    follow(page, page.locator("main .card h3").get_by_role("link", name=first, exact=True))
    assert page.get_by_role("heading", level=1).inner_text() == first
    assert_accessible(page)

    decisions = _public(base_url, "decisions")["items"]
    follow(page, page.get_by_role("link", name="Décisions"))
    if decisions:
        entry = page.locator("main .decision").first
        assert decisions[0]["title"] in entry.inner_text()
        assert OUTCOMES[decisions[0]["outcome"]] in entry.inner_text()
    assert_accessible(page)
    screenshot(page, "decisions")


def test_visitor_switches_to_english_and_back(page: Any) -> None:
    page.goto(f"/c/{SLUG}/transparence")
    follow(page, page.get_by_role("button", name="English"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Transparency: the accounts month by month"
    assert page.url.endswith(f"/c/{SLUG}/transparence")
    assert_accessible(page)
    follow(page, page.get_by_role("button", name="Français"))
    assert (
        page.get_by_role("heading", level=1).inner_text() == "Transparence\u00a0: les comptes mois par mois"
    )


def test_keyboard_user_skips_straight_to_the_content(page: Any) -> None:
    page.goto(f"/c/{SLUG}/lieux")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    assert skip.evaluate("element => element === document.activeElement")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"


def test_visitor_on_a_phone_finds_an_outlet_and_the_accounts(phone: Any, base_url: str) -> None:
    listed = _public(base_url, "outlets")
    kind = listed[0]["kind"]
    phone.goto("/")
    follow(phone, phone.get_by_role("link", name="Caisse commune de démonstration", exact=True))
    assert_accessible(phone)
    follow(
        phone, phone.get_by_role("navigation", name=re.compile("Pages de")).get_by_role("link", name="Lieux")
    )
    phone.get_by_label("Type de lieu", exact=True).select_option(kind)
    follow(phone, phone.get_by_role("button", name="Afficher les lieux"))
    assert _names(phone) == sorted(o["name"] for o in listed if o["kind"] == kind)
    assert_accessible(phone)
    screenshot(phone, "telephone-lieux")
    follow(phone, phone.get_by_role("link", name="Transparence"))
    # Nothing wider than the screen: tables scroll inside their own box, charts shrink.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(phone)
    screenshot(phone, "telephone-transparence")
