"""Creating user accounts over HTTP (superuser only)."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import World

from .conftest import PASSWORD

USERS = "/api/v1/users"
NEW_USER = {"email": "Camille@Example.org", "display_name": "Camille", "password": "a long enough secret"}


async def test_superuser_creates_a_user_who_can_log_in(
    world: World, client: AsyncTestClient[Litestar]
) -> None:
    created = await client.post(USERS, json=NEW_USER, headers=world.headers["superuser"])
    assert created.status_code == 201
    assert created.json()["email"] == "camille@example.org"
    assert created.json()["is_superuser"] is False
    assert "password" not in created.text

    login = await client.post(
        "/api/v1/auth/login", json={"email": "camille@example.org", "password": "a long enough secret"}
    )
    assert login.status_code == 200
    assert login.json()["grants"] == {}


async def test_user_creation_is_validated(world: World, client: AsyncTestClient[Litestar]) -> None:
    su = world.headers["superuser"]
    duplicate = await client.post(USERS, json={**NEW_USER, "email": "staff@example.org"}, headers=su)
    assert duplicate.status_code == 409
    short = await client.post(USERS, json={**NEW_USER, "password": "short"}, headers=su)
    assert short.status_code == 422 and "characters" in short.json()["detail"]
    not_email = await client.post(USERS, json={**NEW_USER, "email": "camille at home"}, headers=su)
    assert not_email.status_code == 422
    missing = await client.post(USERS, json={"email": "x@example.org"}, headers=su)
    assert missing.status_code == 400


async def test_caisse_admin_cannot_create_users(world: World, client: AsyncTestClient[Litestar]) -> None:
    response = await client.post(
        USERS, json={**NEW_USER, "password": PASSWORD}, headers=world.headers["admin"]
    )
    assert response.status_code == 403
