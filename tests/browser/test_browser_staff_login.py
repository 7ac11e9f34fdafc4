"""A staff member logs in through the login form (after a mistake), reaches the caisse's space,
and logs out; the space is then closed to them again."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.browser_checks import assert_accessible, follow, screenshot
from tests.browser.browser_demo import PASSWORD, SLUG, STAFF_EMAIL

pytestmark = pytest.mark.browser


def test_staff_member_logs_in_after_a_mistake_and_logs_out(page: Any) -> None:
    page.goto(f"/c/{SLUG}/espace")
    page.wait_for_url(re.compile(r"/connexion\?next=%2Fc%2Fdemo%2Fespace|/connexion\?next=/c/demo/espace"))
    assert_accessible(page)
    screenshot(page, "connexion")

    page.get_by_label("Adresse e-mail").fill(STAFF_EMAIL)
    follow(page, page.get_by_role("button", name="Se connecter"))
    alert = page.get_by_role("alert")
    assert "Saisissez votre mot de passe." in alert.inner_text()
    assert page.get_by_label("Adresse e-mail").input_value() == STAFF_EMAIL
    assert page.get_by_label("Mot de passe").get_attribute("aria-invalid") == "true"
    assert_accessible(page)

    page.get_by_label("Mot de passe").fill("not the password")
    follow(page, page.get_by_role("button", name="Se connecter"))
    assert "Adresse e-mail ou mot de passe incorrect." in page.get_by_role("alert").inner_text()

    page.get_by_label("Mot de passe").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Se connecter"))
    page.wait_for_url(re.compile(rf"/c/{SLUG}/espace$"))
    assert "Équipe salariée ou bénévole" in page.locator("main").inner_text()
    assert_accessible(page)
    screenshot(page, "espace")

    follow(page, page.get_by_role("button", name="Se déconnecter"))
    page.wait_for_url(re.compile(r"/$"))
    assert page.get_by_role("link", name="Se connecter").is_visible()
    page.goto(f"/c/{SLUG}/espace")
    page.wait_for_url(re.compile(r"/connexion"))
