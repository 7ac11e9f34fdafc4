"""Logging in with a session cookie, logging out, and the brake on password guessing."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.app import create_app
from caisse.auth.identify import SESSION_COOKIE
from caisse.auth.models import LoginFailure, UserSession
from caisse.db.base import utcnow
from caisse.settings import Settings
from tests.conftest import World

from .conftest import PASSWORD

LOGIN = "/api/v1/auth/login"


async def log_in(client: AsyncTestClient[Litestar], email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return await client.post(LOGIN, json={"email": email, "password": password})


async def test_login_sets_a_session_cookie_that_authenticates_me(
    world: World, client: AsyncTestClient[Litestar], settings: Settings
) -> None:
    response = await log_in(client, "Staff@Example.org ")
    assert response.status_code == 200
    assert response.json()["email"] == "staff@example.org"
    assert response.json()["grants"] == {"test": [{"role": "staff", "member_id": None, "outlet_id": None}]}
    set_cookie = response.headers["set-cookie"]
    assert set_cookie.startswith(f"{SESSION_COOKIE}=cs_")
    attributes = {part.strip().split("=")[0].lower(): part for part in set_cookie.split(";")}
    assert "httponly" in attributes
    assert attributes["samesite"].strip().lower() == "samesite=lax"
    assert attributes["max-age"].strip() == f"Max-Age={settings.session_max_age_seconds}"
    assert attributes["path"].strip() == "Path=/"
    assert "secure" not in attributes

    me = await client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["email"] == "staff@example.org"
    assert me.json()["via_token"] is False


async def test_session_cookie_is_secure_when_settings_say_so(world: World, settings: Settings) -> None:
    app = create_app(dataclasses.replace(settings, secure_cookies=True))
    async with AsyncTestClient(app=app) as client:
        response = await log_in(client, "staff@example.org")
    assert response.status_code == 200
    assert "secure" in response.headers["set-cookie"].lower().replace("samesite", "")


async def test_logout_ends_the_session_and_clears_the_cookie(
    world: World, client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    await log_in(client, "staff@example.org")
    cookie = client.cookies[SESSION_COOKIE]

    response = await client.post("/api/v1/auth/logout")
    assert response.status_code == 204
    assert "max-age=0" in response.headers["set-cookie"].lower()
    assert await db.scalar(select(UserSession.id)) is None

    client.cookies.clear()
    again = await client.get("/api/v1/me", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"})
    assert again.status_code == 401
    assert again.json()["error"] == "not_authenticated"


async def test_logout_without_a_session_still_succeeds(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post("/api/v1/auth/logout")
    assert response.status_code == 204


async def test_expired_session_is_refused(
    world: World, client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    await log_in(client, "staff@example.org")
    await db.execute(update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    await db.commit()
    response = await client.get("/api/v1/me")
    assert response.status_code == 401


async def test_wrong_password_and_unknown_email_get_the_same_answer(
    world: World, client: AsyncTestClient[Litestar]
) -> None:
    wrong_password = await log_in(client, "staff@example.org", "not the password")
    unknown_email = await log_in(client, "nobody-at-all@example.org", "not the password")
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json() == unknown_email.json()
    assert "set-cookie" not in wrong_password.headers


async def test_sixth_failed_login_within_15_minutes_is_braked(
    world: World, client: AsyncTestClient[Litestar]
) -> None:
    for _ in range(5):
        assert (await log_in(client, "staff@example.org", "guess guess guess")).status_code == 401
    sixth = await log_in(client, "staff@example.org", "guess guess guess")
    assert sixth.status_code == 429
    assert sixth.json()["error"] == "too_many_attempts"
    assert "try again in 15 minutes" in sixth.json()["detail"]
    # Even the right password waits, or the brake would only slow a guesser down.
    assert (await log_in(client, "staff@example.org")).status_code == 429
    # Other accounts are not affected.
    assert (await log_in(client, "admin@example.org")).status_code == 200


async def test_unknown_emails_are_braked_too(world: World, client: AsyncTestClient[Litestar]) -> None:
    for _ in range(5):
        assert (await log_in(client, "ghost@example.org", "guess guess guess")).status_code == 401
    assert (await log_in(client, "ghost@example.org", "guess guess guess")).status_code == 429


async def test_failures_older_than_15_minutes_do_not_count(
    world: World, client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    for _ in range(5):
        await log_in(client, "staff@example.org", "guess guess guess")
    await db.execute(update(LoginFailure).values(at=utcnow() - timedelta(minutes=16)))
    await db.commit()
    assert (await log_in(client, "staff@example.org")).status_code == 200


async def test_successful_login_resets_the_failure_count(
    world: World, client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    for _ in range(4):
        await log_in(client, "staff@example.org", "guess guess guess")
    assert (await log_in(client, "staff@example.org")).status_code == 200
    assert await db.scalar(select(LoginFailure.id).where(LoginFailure.email == "staff@example.org")) is None
    for _ in range(4):
        assert (await log_in(client, "staff@example.org", "guess guess guess")).status_code == 401


async def test_login_body_is_validated(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post(LOGIN, json={"email": "staff@example.org"})
    assert response.status_code == 400
    assert "password" in response.json()["detail"]
