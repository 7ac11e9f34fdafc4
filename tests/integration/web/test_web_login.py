"""Logging in and out through the web forms, with the core's sessions and the CSRF token."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.identify import SESSION_COOKIE
from caisse.auth.models import UserSession
from caisse.auth.service import MAX_FAILED_LOGINS
from tests.conftest import World
from tests.integration.web.web_fixtures import Client, form_token, log_in


async def _sessions(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(UserSession)) or 0)


async def test_login_page_has_a_csrf_field_and_labelled_inputs(world: World, client: Client) -> None:
    response = await client.get("/connexion")
    assert response.status_code == 200
    assert 'name="_csrf_token"' in response.text
    assert '<label for="field-email">' in response.text and 'id="field-email"' in response.text
    assert 'autocomplete="current-password"' in response.text


async def test_staff_logs_in_and_lands_in_their_caisse_space(world: World, client: Client) -> None:
    response = await log_in(client, "staff@example.org")
    assert response.status_code == 303
    assert response.headers["location"] == "/c/test/espace"
    assert SESSION_COOKIE in response.cookies
    space = await client.get("/c/test/espace")
    assert space.status_code == 200 and "Équipe salariée ou bénévole" in space.text
    # The session is the core's: the JSON API recognises it too.
    assert (await client.get("/api/v1/me")).json()["email"] == "staff@example.org"


async def test_login_goes_back_to_a_local_next_page_only(world: World, client: Client) -> None:
    local = await log_in(client, "staff@example.org", next="/c/test/transparence?mois=2027-01")
    assert local.headers["location"] == "/c/test/transparence?mois=2027-01"
    for foreign in (
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "/api/v1/me",
        "javascript:x",
    ):
        response = await log_in(client, "staff@example.org", next=foreign)
        assert response.headers["location"] == "/c/test/espace", foreign


async def test_wrong_password_is_refused_keeping_the_email(
    world: World, client: Client, db: AsyncSession
) -> None:
    response = await log_in(client, "staff@example.org", "wrong password")
    assert response.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect." in response.text
    assert 'value="staff@example.org"' in response.text
    assert SESSION_COOKIE not in response.cookies
    assert await _sessions(db) == 0


async def test_empty_fields_get_a_message_next_to_each(world: World, client: Client) -> None:
    response = await log_in(client, "", "")
    assert response.status_code == 422
    assert 'id="error-email"' in response.text and "Saisissez votre adresse e-mail." in response.text
    assert 'id="error-password"' in response.text and "Saisissez votre mot de passe." in response.text
    assert 'aria-describedby="error-email"' in response.text


async def test_repeated_failures_hit_the_core_login_brake(world: World, client: Client) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        assert (await log_in(client, "staff@example.org", "wrong password")).status_code == 401
    braked = await log_in(client, "staff@example.org")
    assert braked.status_code == 429
    assert "Trop de connexions échouées" in braked.text


async def test_login_without_csrf_token_is_refused_and_opens_no_session(
    world: World, client: Client, db: AsyncSession
) -> None:
    await client.get("/connexion")  # the CSRF cookie is set, but the form field is missing
    response = await client.post(
        "/connexion", data={"email": "staff@example.org", "password": "correct horse battery"}
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "Le formulaire a expiré" in response.text
    assert await _sessions(db) == 0
    forged = await client.post(
        "/connexion",
        data={"email": "staff@example.org", "password": "correct horse battery", "_csrf_token": "0" * 128},
    )
    assert forged.status_code == 403
    assert await _sessions(db) == 0


async def test_logout_ends_the_session_in_the_database(
    world: World, client: Client, db: AsyncSession
) -> None:
    await log_in(client, "staff@example.org")
    assert await _sessions(db) == 1
    token = await form_token(client, "/c/test/espace")
    response = await client.post("/deconnexion", data={"_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert await _sessions(db) == 0
    assert (await client.get("/c/test/espace", follow_redirects=False)).status_code == 303


async def test_logout_without_csrf_token_changes_nothing(
    world: World, client: Client, db: AsyncSession
) -> None:
    await log_in(client, "staff@example.org")
    response = await client.post("/deconnexion", data={})
    assert response.status_code == 403
    assert await _sessions(db) == 1
    assert (await client.get("/c/test/espace")).status_code == 200
