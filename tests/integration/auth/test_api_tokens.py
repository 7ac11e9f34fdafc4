"""API tokens: created once, listed without secrets, revoked by their owner only."""

from __future__ import annotations

from datetime import timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import ApiToken
from caisse.db.base import utcnow
from tests.conftest import World

TOKENS = "/api/v1/me/tokens"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_created_token_is_shown_once_and_authenticates(
    world: World, client: AsyncTestClient[Litestar]
) -> None:
    created = await client.post(
        TOKENS, json={"name": "bank import", "valid_days": 30}, headers=world.headers["staff"]
    )
    assert created.status_code == 201
    body = created.json()
    assert body["token"].startswith("cc_") and body["token"].startswith(body["prefix"])
    assert body["expires_at"] is not None

    me = await client.get("/api/v1/me", headers=bearer(body["token"]))
    assert me.status_code == 200
    assert me.json()["email"] == "staff@example.org" and me.json()["via_token"] is True

    listed = await client.get(TOKENS, headers=world.headers["staff"])
    assert listed.status_code == 200
    assert [t["name"] for t in listed.json()] == ["bank import", "tests"]
    assert all("token" not in t and "token_hash" not in t for t in listed.json())
    assert body["token"] not in listed.text


async def test_revoked_token_is_refused(world: World, client: AsyncTestClient[Litestar]) -> None:
    created = (await client.post(TOKENS, json={"name": "script"}, headers=world.headers["staff"])).json()
    assert created["expires_at"] is None

    revoked = await client.delete(f"{TOKENS}/{created['id']}", headers=world.headers["staff"])
    assert revoked.status_code == 204
    assert (await client.get("/api/v1/me", headers=bearer(created["token"]))).status_code == 401
    listed = (await client.get(TOKENS, headers=world.headers["staff"])).json()
    assert next(t for t in listed if t["id"] == created["id"])["revoked_at"] is not None
    # Revoking again changes nothing.
    assert (
        await client.delete(f"{TOKENS}/{created['id']}", headers=world.headers["staff"])
    ).status_code == 204


async def test_expired_token_is_refused(
    world: World, client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    created = (
        await client.post(TOKENS, json={"name": "short", "valid_days": 1}, headers=world.headers["staff"])
    ).json()
    await db.execute(
        update(ApiToken)
        .where(ApiToken.id == created["id"])
        .values(expires_at=utcnow() - timedelta(minutes=1))
    )
    await db.commit()
    assert (await client.get("/api/v1/me", headers=bearer(created["token"]))).status_code == 401


async def test_another_users_token_cannot_be_revoked(
    world: World, client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    admins_token_id = await db.scalar(select(ApiToken.id).where(ApiToken.user_id == world.user_ids["admin"]))
    response = await client.delete(f"{TOKENS}/{admins_token_id}", headers=world.headers["staff"])
    assert response.status_code == 404
    assert (await client.get("/api/v1/me", headers=world.headers["admin"])).status_code == 200
    # Ids that cannot exist are a plain 4xx naming the parameter, not a database error.
    for impossible in (2**63, 10**30):
        response = await client.delete(f"{TOKENS}/{impossible}", headers=world.headers["staff"])
        assert response.status_code == 400 and "token_id" in response.json()["detail"]


async def test_token_request_is_validated(world: World, client: AsyncTestClient[Litestar]) -> None:
    staff = world.headers["staff"]
    assert (await client.post(TOKENS, json={"name": ""}, headers=staff)).status_code == 400
    too_short = await client.post(TOKENS, json={"name": "x", "valid_days": 0}, headers=staff)
    assert too_short.status_code == 422 and "valid_days" in too_short.json()["detail"]
    assert (
        await client.post(TOKENS, json={"name": "x", "valid_days": 10**9}, headers=staff)
    ).status_code == 422
    assert (await client.post(TOKENS, json={"name": "x", "scope": "all"}, headers=staff)).status_code == 400
