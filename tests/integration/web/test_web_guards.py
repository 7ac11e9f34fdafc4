"""The core's role guards on web pages: anonymous callers go to the login page (and come back),
callers without a role in the caisse get the HTML 403 page, and the caisse picker lists only the
caisses a user holds roles in."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import service as auth
from caisse.auth.models import Role
from tests.conftest import World
from tests.integration.web.web_fixtures import Client, log_in

PUBLIC_PAGES = ["/", "/c/test", "/c/test/lieux", "/c/test/transparence", "/c/test/decisions", "/connexion"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
async def test_public_pages_need_no_login(world: World, client: Client, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")


async def test_anonymous_visitor_of_a_space_is_sent_to_login_and_back(world: World, client: Client) -> None:
    response = await client.get("/c/test/espace", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/connexion?next=/c/test/espace"
    login = await client.get(response.headers["location"])
    assert 'name="next" value="/c/test/espace"' in login.text
    assert (await client.get("/espace", follow_redirects=False)).headers[
        "location"
    ] == "/connexion?next=/espace"


@pytest.mark.parametrize("role", ["admin", "staff", "committee", "official", "outlet", "superuser"])
async def test_every_role_of_the_caisse_opens_its_space(world: World, client: Client, role: str) -> None:
    response = await client.get("/c/test/espace", headers=world.headers[role])
    assert response.status_code == 200
    assert "Mon espace" in response.text


async def test_a_caisse_admin_finds_the_staff_pages_on_their_space(world: World, client: Client) -> None:
    response = await client.get("/c/test/espace", headers=world.headers["admin"])
    assert 'href="/c/test/gestion"' in response.text and 'href="/c/test/gestion/membres"' in response.text
    committee = await client.get("/c/test/espace", headers=world.headers["committee"])
    assert 'href="/c/test/comite"' in committee.text and 'href="/c/test/gestion"' not in committee.text
    # Staff run ballots and draws with the committee: they find those pages too.
    staff = await client.get("/c/test/espace", headers=world.headers["staff"])
    assert staff.text.count('href="/c/test/comite"') == 1


async def test_a_superuser_is_not_offered_an_outlets_or_a_households_pages(
    world: World, client: Client
) -> None:
    response = await client.get("/c/test/espace", headers=world.headers["superuser"])
    assert 'href="/c/test/gestion"' in response.text
    assert 'href="/c/test/mon-lieu"' not in response.text and 'href="/c/test/mon-compte"' not in response.text


async def test_staff_of_another_caisse_gets_the_403_page(world: World, client: Client) -> None:
    response = await client.get("/c/test/espace", headers=world.headers["outsider"])
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "Accès refusé" in response.text
    # The service's message, in English, is marked as such for screen readers.
    assert '<span lang="en">This needs one of these roles' in response.text


async def test_user_without_any_role_sees_an_empty_picker(world: World, client: Client) -> None:
    response = await client.get("/espace", headers=world.headers["nobody"])
    assert response.status_code == 200
    assert "Vous n'avez encore de rôle dans aucune caisse." in response.text


async def test_user_with_roles_in_two_caisses_chooses_one(
    world: World, client: Client, db: AsyncSession
) -> None:
    await auth.grant_role(
        db, user_id=world.user_ids["committee"], caisse_id=world.other_caisse_id, role=Role.OFFICIAL
    )
    await db.commit()
    response = await log_in(client, "committee@example.org")
    assert response.headers["location"] == "/espace"
    picker = await client.get("/espace")
    assert 'href="/c/test/espace"' in picker.text and 'href="/c/other/espace"' in picker.text
    assert "Membre du comité" in picker.text and "Élu·e ou financeur" in picker.text


async def test_superuser_picker_lists_every_caisse(world: World, client: Client) -> None:
    response = await client.get("/espace", headers=world.headers["superuser"])
    assert 'href="/c/test/espace"' in response.text and 'href="/c/other/espace"' in response.text
