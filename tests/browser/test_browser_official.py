"""An elected official logs in, runs a forecast of the demo caisse as it stands (fewer months and
paths than the defaults), follows its progress to the result, and downloads the result as JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.browser_checks import assert_accessible, follow, screenshot
from tests.browser.browser_demo import PASSWORD, SLUG

pytestmark = pytest.mark.browser

OFFICIAL_EMAIL = "elu@demo.caisse-commune.fr"


def test_official_runs_a_forecast_and_downloads_it(page: Any) -> None:
    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill(OFFICIAL_EMAIL)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Se connecter"))
    page.goto(f"/c/{SLUG}/espace")
    follow(page, page.get_by_role("link", name="Nouveau scénario").first)
    page.wait_for_url(re.compile(rf"/c/{SLUG}/simulations/nouvelle$"))
    assert_accessible(page)

    # A mistake first: the message sits next to the field, and the typed values stay.
    page.get_by_label("Nom du scénario").fill("Budget 2027, cotisations +10 %")
    page.get_by_label("Mois simulés").fill("douze")
    follow(page, page.get_by_role("button", name="Lancer la prévision"))
    assert "Mois : un nombre entier de 1 à 120." in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Mois simulés").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Nom du scénario").input_value() == "Budget 2027, cotisations +10 %"
    assert_accessible(page)

    page.get_by_label("Mois simulés").fill("6")
    page.get_by_label("Trajectoires (futurs possibles)").fill("200")
    page.get_by_label("Graine (facultative)").fill("2027")
    page.get_by_label("Cotisations, en % des règles du scénario").fill("110")
    follow(page, page.get_by_role("button", name="Lancer la prévision"))
    # The run page reloads itself (Refresh header) until the forecast is there.
    page.get_by_role("heading", name="La réserve, mois par mois").wait_for(timeout=60_000)
    assert "Terminé" in page.locator(".run-status").inner_text()
    assert_accessible(page)
    screenshot(page, "simulation-resultat")

    with page.expect_download() as waiting:
        page.get_by_role("link", name="Télécharger en JSON").click()
    download = waiting.value
    document = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert document["scenario"] == "Budget 2027, cotisations +10 %"
    assert document["paths"] == 200 and document["seed"] == 2027 and len(document["months"]) == 6
    assert len(document["reserve"]["p50"]) == 6 and len(document["p_deficit"]) == 6
    assert len(document["net_transfer_by_decile"]) == 10

    follow(page, page.get_by_role("link", name="Résumé d’une page à imprimer"))
    assert "Budget 2027, cotisations +10 %" in page.locator("h1").inner_text()
    assert_accessible(page)
    screenshot(page, "simulation-resume")


def test_official_reads_the_forecast_from_the_caisses_books(page: Any) -> None:
    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill(OFFICIAL_EMAIL)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Se connecter"))
    page.goto(f"/c/{SLUG}/simulations")

    # The runs page opens on the outlook: the closed months, then the forecast, on one chart.
    card = page.get_by_role("img", name="Réserve libre : jusqu’ici, puis prévue")
    card.wait_for()
    box = card.bounding_box()
    assert box is not None and box["width"] > 200  # drawn, and legible on the page
    assert card.locator("circle").count() == 3  # the demo's three closed months
    assert card.locator("polygon").count() == 2  # the ranges of half and nine tenths of the futures
    assert "9 futurs sur 10" in page.locator(".outlook-card").inner_text()
    assert_accessible(page)

    follow(page, page.get_by_role("link", name="La prévision en détail, et ce qu’elle a appris"))
    page.wait_for_url(re.compile(rf"/c/{SLUG}/simulations/prevision$"))
    assert page.get_by_role("img", name="Réserve libre : jusqu’ici, puis prévue").is_visible()
    assert page.get_by_role("rowheader", name="Membres qui partent, par mois").is_visible()
    assert_accessible(page)
    screenshot(page, "prevision-comptes")
