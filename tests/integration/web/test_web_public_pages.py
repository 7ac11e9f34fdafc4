"""The public pages render without login, show the caisse's own data, and filter as asked."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.service import get_caisse
from caisse.periods import caisse_today
from tests.conftest import World
from tests.integration.web.web_fixtures import Client, applicant_outlet, conventioned_outlet


async def _outlets(db: AsyncSession) -> dict[str, int]:
    caisse = await get_caisse(db, "test")
    made = {
        "Ferme des Pyrénées": await conventioned_outlet(
            db,
            caisse,
            "Ferme des Pyrénées",
            kind="producer",
            commune="Foix",
            products=["fruits_legumes", "oeufs"],
        ),
        "Épicerie du Couserans": await conventioned_outlet(
            db,
            caisse,
            "Épicerie du Couserans",
            kind="epicerie_solidaire",
            commune="Saint-Girons",
            products=["epicerie", "pain"],
        ),
        "Boulangerie de Foix": await conventioned_outlet(
            db, caisse, "Boulangerie de Foix", kind="shop", commune="Foix", products=["pain"]
        ),
        "Candidat en attente": await applicant_outlet(db, caisse, "Candidat en attente"),
    }
    await db.commit()
    return {name: outlet.id for name, outlet in made.items()}


async def test_home_page_explains_the_caisse_and_lists_the_caisses(world: World, client: Client) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in response.text
    assert "Sécurité sociale de l'alimentation" in response.text
    assert 'href="/c/test"' in response.text and "Caisse test" in response.text
    assert 'href="#contenu"' in response.text and '<main id="contenu"' in response.text


async def test_caisse_page_states_its_rules_in_words(world: World, client: Client) -> None:
    response = await client.get("/c/test")
    assert response.status_code == 200
    # Ariège CCAMPA: 50 € per household, contribution 2.5 % of income with a 10 € floor.
    assert "50,00\u00a0€" in response.text
    assert "2,5\u00a0%" in response.text
    assert "Comment adhérer" in response.text


async def test_unknown_caisse_is_an_html_404(world: World, client: Client) -> None:
    response = await client.get("/c/nowhere/lieux")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Page introuvable" in response.text


async def test_directory_lists_only_outlets_conventioned_today(
    world: World, client: Client, db: AsyncSession
) -> None:
    await _outlets(db)
    response = await client.get("/c/test/lieux")
    assert response.status_code == 200
    for name in ("Ferme des Pyrénées", "Épicerie du Couserans", "Boulangerie de Foix"):
        assert name in response.text
    assert "Candidat en attente" not in response.text
    assert "3 lieux conventionnés." in response.text


async def test_directory_filters_by_kind_commune_and_product(
    world: World, client: Client, db: AsyncSession
) -> None:
    await _outlets(db)
    by_commune = (await client.get("/c/test/lieux", params={"commune": "Foix"})).text
    assert "Ferme des Pyrénées" in by_commune and "Boulangerie de Foix" in by_commune
    assert "Épicerie du Couserans" not in by_commune
    by_product = (await client.get("/c/test/lieux", params={"produit": "pain", "commune": "Foix"})).text
    assert "Boulangerie de Foix" in by_product and "Ferme des Pyrénées" not in by_product
    by_kind = (await client.get("/c/test/lieux", params={"type": "epicerie_solidaire", "commune": ""})).text
    assert "Épicerie du Couserans" in by_kind and "Boulangerie de Foix" not in by_kind
    assert "1 lieu correspond aux filtres." in by_kind


async def test_directory_refuses_an_unknown_filter_next_to_its_field(world: World, client: Client) -> None:
    response = await client.get("/c/test/lieux", params={"type": "supermarche", "commune": "Foix"})
    assert response.status_code == 422
    assert 'id="error-type"' in response.text and "Choisissez un type de lieu dans la liste." in response.text
    assert 'aria-invalid="true"' in response.text
    assert '<option value="Foix" selected>' not in response.text or "Foix" in response.text


async def test_outlet_page_shows_its_convention_but_no_private_detail(
    world: World, client: Client, db: AsyncSession
) -> None:
    ids = await _outlets(db)
    response = await client.get(f"/c/test/lieux/{ids['Ferme des Pyrénées']}")
    assert response.status_code == 200
    assert "Ferme des Pyrénées" in response.text and "Fruits et légumes" in response.text
    assert "@" not in response.text.split("<main", 1)[1].split("</main>", 1)[0]
    hidden = await client.get(f"/c/test/lieux/{ids['Candidat en attente']}")
    assert hidden.status_code == 404


async def test_outlet_of_another_caisse_is_not_found_here(
    world: World, client: Client, db: AsyncSession
) -> None:
    other = await get_caisse(db, "other")
    outlet = await conventioned_outlet(db, other, "Ailleurs", since=caisse_today())
    await db.commit()
    assert (await client.get(f"/c/test/lieux/{outlet.id}")).status_code == 404
    assert (await client.get(f"/c/other/lieux/{outlet.id}")).status_code == 200
