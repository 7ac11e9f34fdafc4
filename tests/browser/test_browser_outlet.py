"""An outlet takes payments on a phone: one accepted, one refused (wrong PIN), each on its own
screen; then the demo member logs in and finds the accepted payment in their history.

Both journeys are in this module because the second reads what the first did (pytest runs a
module's tests in order). The amount is unusual, so no other journey's payment can be mistaken
for it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from caisse.demo.build import DEMO_OUTLET_EMAIL, DEMO_USERS
from caisse.demo.spending import DEMO_PIN
from tests.browser.browser_checks import assert_accessible, follow, screenshot
from tests.browser.browser_demo import PASSWORD, SLUG

pytestmark = pytest.mark.browser

MEMBER_EMAIL = next(email for email, _name, role in DEMO_USERS if role.value == "member")
MEMBER_CODE = "DM-000001"  # the demo member's household, whose PIN is DEMO_PIN
AMOUNT = "3,17"
WRONG_PIN = "1397" if DEMO_PIN != "1397" else "1496"


def _log_in(page: Any, email: str) -> None:
    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Se connecter"))
    page.wait_for_url(re.compile(rf"/c/{SLUG}/espace$"))


def _fill_payment(page: Any, code: str, amount: str, pin: str) -> None:
    page.get_by_label("Code membre").fill(code)
    page.get_by_label("Montant en euros").fill(amount)
    page.get_by_label("Code secret (saisi par le foyer)").fill(pin)
    follow(page, page.get_by_role("button", name="Encaisser", exact=True))


def test_outlet_takes_a_payment_and_a_refused_one_on_a_phone(phone: Any) -> None:
    _log_in(phone, DEMO_OUTLET_EMAIL)
    follow(phone, phone.get_by_role("link", name="Encaisser un paiement"))
    phone.wait_for_url(re.compile(rf"/c/{SLUG}/mon-lieu$"))
    # Phone first: the form fits the screen and the button is a large touch target.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.get_by_role("button", name="Encaisser", exact=True).bounding_box()["height"] >= 44
    assert_accessible(phone)
    screenshot(phone, "lieu-encaisser")

    _fill_payment(phone, MEMBER_CODE.lower(), AMOUNT, DEMO_PIN)
    phone.wait_for_url(re.compile(rf"/c/{SLUG}/mon-lieu/paiements/\d+\?nouveau=1$"))
    main = phone.locator("main").inner_text()
    assert "Paiement accepté" in main and f"{AMOUNT}\u00a0€" in main
    assert "DM-•••001" in main  # the code, partly hidden from people standing by
    assert_accessible(phone)
    screenshot(phone, "lieu-paiement-accepte")

    # Reloading the success screen reads the payment again; it does not pay twice.
    phone.reload()
    assert "Paiement accepté" in phone.locator("main").inner_text()

    follow(phone, phone.get_by_role("link", name="Nouveau paiement"))
    _fill_payment(phone, MEMBER_CODE, "1", WRONG_PIN)
    main = phone.locator("main").inner_text()
    assert "Paiement refusé" in main and "Code membre ou code secret non reconnu" in main
    assert "Rien n'a été débité." in main
    # The retry form keeps the code and the amount, never the PIN.
    assert phone.get_by_label("Code membre").input_value() == MEMBER_CODE
    assert phone.get_by_label("Code secret (saisi par le foyer)").input_value() == ""
    assert_accessible(phone)
    screenshot(phone, "lieu-paiement-refuse")

    phone.goto(f"/c/{SLUG}/mon-lieu/paiements")
    assert f"{AMOUNT}\u00a0€" in phone.locator("main").inner_text()
    assert_accessible(phone)


def test_member_finds_the_payment_in_their_history(page: Any) -> None:
    _log_in(page, MEMBER_EMAIL)
    follow(page, page.get_by_role("link", name="Mon crédit alimentaire"))
    page.wait_for_url(re.compile(rf"/c/{SLUG}/mon-compte$"))
    main = page.locator("main").inner_text()
    assert "Crédit disponible maintenant" in main and MEMBER_CODE in main
    assert_accessible(page)
    screenshot(page, "membre-credit")

    follow(page, page.get_by_role("link", name="Historique", exact=True))
    history = page.locator("main").inner_text()
    assert re.search(rf"Paiement à .+\n.*\n?.*−\u202f?{AMOUNT}\u00a0€", history) or (
        "Paiement à" in history and f"{AMOUNT}\u00a0€" in history
    )
    assert_accessible(page)

    follow(page, page.get_by_role("link", name="Cotisation", exact=True))
    assert "Comment elle est calculée" in page.locator("main").inner_text()
    assert_accessible(page)

    follow(page, page.get_by_role("link", name="Relevé annuel"))
    assert "Relevé annuel" in page.locator("h1").inner_text()
    assert_accessible(page)
    # Printed, the statement is the year alone, on one A4 page: no menus, no year picker.
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible() and not page.get_by_label("Année").is_visible()
    pdf = page.pdf(format="A4", print_background=False)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
    screenshot(page, "membre-releve-imprime")
