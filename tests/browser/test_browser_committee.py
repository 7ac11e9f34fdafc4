"""A committee member assesses an applicant outlet, casts the last vote on the ballot to convention
it, keeps the receipt, closes the ballot, checks the receipt, and finds the outlet in the public
directory: the vote bound. On the way, a ballot form sent with a mistake is answered next to its
field. (The demo prepared the ballot with every other member's vote: see browser_demo.)"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.browser_checks import assert_accessible, follow, screenshot
from tests.browser.browser_demo import COMMITTEE_EMAIL, JOURNEY_OUTLET, PASSWORD, SLUG

pytestmark = pytest.mark.browser


def _log_in(page: Any, email: str) -> None:
    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Se connecter"))
    page.wait_for_url(re.compile(rf"/c/{SLUG}/espace$"))


def test_a_committee_member_votes_and_the_outlet_becomes_conventioned(page: Any) -> None:
    _log_in(page, COMMITTEE_EMAIL)
    follow(page, page.get_by_role("link", name="Lieux à évaluer"))
    main = page.locator("main").inner_text()
    assert JOURNEY_OUTLET in main
    assert_accessible(page)

    # The outlet's file: assess a criterion of the grid.
    follow(page, page.get_by_role("link", name=JOURNEY_OUTLET))
    page.wait_for_url(re.compile(rf"/c/{SLUG}/comite/lieux/\d+$"))
    assert "Grille de critères" in page.locator("main").inner_text()
    # A yes/no criterion of the demo's grid (every default grid has some).
    first = page.locator("article.grid-line").filter(has=page.locator("input[type=radio][value=yes]")).first
    first.locator("summary").click()
    first.get_by_label("oui", exact=True).check()
    first.get_by_label("Éléments (ce que vous avez constaté, un document…)").fill("Visite sur place")
    follow(page, first.get_by_role("button", name="Enregistrer mon évaluation"))
    assert "Visite sur place" in page.locator("main").inner_text()
    assert_accessible(page)
    screenshot(page, "comite-fiche-lieu")

    # A ballot form sent without its title is answered next to the field, keeping the rest.
    follow(page, page.get_by_role("link", name="Ouvrir un scrutin", exact=True))
    page.get_by_label("Décision", exact=True).select_option("motion")
    follow(page, page.get_by_role("button", name="Ouvrir le scrutin"))
    assert "Donnez un titre au scrutin" in page.locator("#error-title").inner_text()
    assert page.get_by_label("Décision", exact=True).input_value() == "motion"
    assert_accessible(page)

    # The ballot awaiting this member's vote.
    follow(page, page.get_by_role("link", name="Scrutins", exact=True))
    ballot = page.get_by_role("listitem").filter(has_text=JOURNEY_OUTLET)
    assert "Votre vote est attendu." in ballot.inner_text()
    screenshot(page, "comite-scrutins")
    follow(page, ballot.get_by_role("link"))
    assert_accessible(page)
    page.get_by_label("Pour").check()
    follow(page, page.get_by_role("button", name="Envoyer mon vote"))
    assert "Votre vote est compté" in page.locator("main").inner_text()
    receipt = page.locator(".receipt-code code").inner_text().strip()
    assert len(receipt) >= 20
    assert_accessible(page)
    screenshot(page, "comite-recu")

    follow(page, page.get_by_role("link", name="Retour au scrutin"))
    assert "Vous avez voté à ce scrutin." in page.locator("main").inner_text()
    follow(page, page.get_by_role("button", name="Clore et publier le résultat"))
    main = page.locator("main").inner_text()
    assert "Le scrutin est clos et son résultat appliqué." in main and "Adopté" in main
    page.get_by_label("Code de reçu").fill(receipt)
    follow(page, page.get_by_role("button", name="Vérifier"))
    assert "Ce reçu a été compté dans le résultat." in page.locator("main").inner_text()
    assert_accessible(page)
    screenshot(page, "comite-resultat")

    # The result binds: the outlet is in the public directory from today.
    page.goto(f"/c/{SLUG}/lieux")
    assert JOURNEY_OUTLET in page.locator("main").inner_text()
