"""A staff member's day at the desk: logs in, imports households from a spreadsheet's CSV (the
preview shows the one mistake first; corrected, the file imports), finds one of them by searching,
then closes the month after reading its preview. Every page passes axe; screenshots of the
dashboard, the households, the import preview and the close preview.

The names are unusual so that no other journey's data can be mistaken for them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.browser_checks import assert_accessible, follow, screenshot
from tests.browser.browser_demo import PASSWORD, SLUG, STAFF_EMAIL

pytestmark = pytest.mark.browser

HEADER = "nom;adultes;enfants_moins_14;revenu_mensuel;date_declaration;statut\n"
LINES = "Zéphyrine Quintard;2;1;1 640,00;05/01/2026;actif\nOctave Brindejonc;1;0;980,50;{day};candidat\n"
WRONG = (HEADER + LINES.format(day="31/02/2026")).encode()
RIGHT = (HEADER + LINES.format(day="10/01/2026")).encode()


def _staff_nav(page: Any, name: str) -> None:
    nav = page.get_by_role("navigation", name="Pages de l’équipe")
    follow(page, nav.get_by_role("link", name=name, exact=True))


def _upload(page: Any, content: bytes) -> None:
    page.get_by_label("Fichier CSV des foyers").set_input_files(
        files=[{"name": "foyers.csv", "mimeType": "text/csv", "buffer": content}]
    )
    follow(page, page.get_by_role("button", name="Vérifier le fichier"))


def test_staff_imports_households_finds_one_and_closes_the_month(page: Any) -> None:
    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill(STAFF_EMAIL)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Se connecter"))
    page.wait_for_url(re.compile(rf"/c/{SLUG}/espace$"))
    follow(page, page.get_by_role("link", name="Tableau de bord"))
    page.wait_for_url(re.compile(rf"/c/{SLUG}/gestion$"))
    main = page.locator("main").inner_text()
    assert "Tableau de bord" in main and "Foyers" in main and "Réserve (trésorerie)" in main
    assert_accessible(page)
    screenshot(page, "gestion-tableau-de-bord")

    # The import: a file with one mistake is refused with its line and column, nothing imported.
    _staff_nav(page, "Import")
    assert_accessible(page)
    _upload(page, WRONG)
    alert = page.get_by_role("alert").inner_text()
    assert "Le fichier a 1 problème : rien n’a été importé" in alert
    problems = page.get_by_role("table", name="Problèmes, ligne par ligne (la ligne 1 est l’en-tête)")
    row = problems.get_by_role("row").nth(1).inner_text()
    assert "3" in row and "date_declaration" in row
    assert_accessible(page)

    _upload(page, RIGHT)
    main = page.locator("main").inner_text()
    assert (
        "2 foyers seraient inscrits" in main and "Zéphyrine Quintard" in main and "Octave Brindejonc" in main
    )
    assert_accessible(page)
    screenshot(page, "gestion-import-apercu")
    follow(page, page.get_by_role("button", name="Importer 2 foyers"))
    page.wait_for_url(re.compile(rf"/c/{SLUG}/gestion/membres/import/[0-9a-f]{{64}}$"))
    done = page.get_by_role("status").inner_text()
    assert "2 foyers ont été inscrits" in done
    assert_accessible(page)

    # Finding a household: a part of the name, accents left out.
    _staff_nav(page, "Foyers")
    assert_accessible(page)
    screenshot(page, "gestion-foyers")
    page.get_by_label("Code, nom ou courriel").fill("zephyrine")
    follow(page, page.get_by_role("button", name="Rechercher"))
    assert "1 foyer trouvé." in page.locator("main").inner_text()
    table = page.get_by_role("table")
    assert "Zéphyrine Quintard" in table.inner_text()
    follow(page, table.get_by_role("link").first)
    page.wait_for_url(re.compile(rf"/c/{SLUG}/gestion/membres/DM-\d+$"))
    household = page.locator("main").inner_text()
    assert "Zéphyrine Quintard" in household and "1\u202f640,00\u00a0€" in household
    assert_accessible(page)
    # On a phone the page fits the screen's width (wide tables scroll inside their own region).
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})

    # The month close: its preview when asked for, then the close, once.
    _staff_nav(page, "Clôture du mois")
    assert page.get_by_role("heading", level=2).filter(has_text="Ce que ferait la clôture de").count() == 0
    follow(page, page.get_by_role("button", name="Voir ce que ferait la clôture"))
    heading = page.get_by_role("heading", level=2).filter(has_text="Ce que ferait la clôture de")
    assert heading.count() == 1
    month = heading.inner_text().removeprefix("Ce que ferait la clôture de ").strip()
    assert "Foyers facturés" in page.locator("main").inner_text()
    assert_accessible(page)
    screenshot(page, "gestion-cloture-apercu")
    follow(page, page.get_by_role("button", name=f"Clôturer {month}"))
    page.wait_for_url(re.compile(rf"/c/{SLUG}/gestion/cloture/\d{{4}}-\d{{2}}$"))
    assert f"{month} est clôturé" in page.get_by_role("status").inner_text()
    assert_accessible(page)
