"""Roles in a caisse: managed by its admins; only a superuser grants or withdraws admin."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import AuditEvent, Role, RoleGrant
from tests.conftest import World

from .conftest import AddHousehold

GRANTS = "/api/v1/caisses/test/grants"


async def test_admin_lists_the_roles_held_in_the_caisse(
    world: World, client: AsyncTestClient[Litestar]
) -> None:
    response = await client.get(GRANTS, headers=world.headers["admin"])
    assert response.status_code == 200
    held = {(g["user_email"], g["role"]) for g in response.json()}
    assert ("staff@example.org", "staff") in held and ("admin@example.org", "admin") in held
    # Roles in the other caisse are not listed.
    assert all(g["user_email"] != "outsider@example.org" for g in response.json())


async def test_admin_grants_a_role_that_takes_effect(
    world: World, client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    assert (await client.get("/api/v1/caisses/test", headers=world.headers["nobody"])).status_code == 403
    granted = await client.post(
        GRANTS, json={"user_email": "Nobody@example.org", "role": "committee"}, headers=world.headers["admin"]
    )
    assert granted.status_code == 201
    assert granted.json()["role"] == "committee" and granted.json()["user_email"] == "nobody@example.org"
    assert (await client.get("/api/v1/caisses/test", headers=world.headers["nobody"])).status_code == 200

    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "grant.create"))
    assert event is not None and event.subject_id == str(world.user_ids["nobody"])
    assert event.actor_user_id == world.user_ids["admin"]


async def test_same_role_twice_is_a_conflict(world: World, client: AsyncTestClient[Litestar]) -> None:
    response = await client.post(
        GRANTS, json={"user_email": "staff@example.org", "role": "staff"}, headers=world.headers["admin"]
    )
    assert response.status_code == 409


async def test_only_a_superuser_grants_admin(world: World, client: AsyncTestClient[Litestar]) -> None:
    body = {"user_email": "nobody@example.org", "role": "admin"}
    by_admin = await client.post(GRANTS, json=body, headers=world.headers["admin"])
    assert by_admin.status_code == 403
    assert "superuser" in by_admin.json()["detail"]
    by_superuser = await client.post(GRANTS, json=body, headers=world.headers["superuser"])
    assert by_superuser.status_code == 201


async def test_member_role_needs_a_household_of_this_caisse(
    world: World, client: AsyncTestClient[Litestar], add_household: AddHousehold
) -> None:
    admin = world.headers["admin"]
    ours = await add_household(world.caisse_id, "T-000001")
    theirs = await add_household(world.other_caisse_id, "O-000001")
    body = {"user_email": "member@example.org", "role": "member"}

    without = await client.post(GRANTS, json=body, headers=admin)
    assert without.status_code == 422 and "member_id" in without.json()["detail"]
    other_caisse = await client.post(GRANTS, json={**body, "member_id": theirs}, headers=admin)
    assert other_caisse.status_code == 422 and "not a member of this caisse" in other_caisse.json()["detail"]
    missing = await client.post(GRANTS, json={**body, "member_id": 999_999}, headers=admin)
    assert missing.status_code == 422
    wrong_role = await client.post(
        GRANTS, json={"user_email": "member@example.org", "role": "staff", "member_id": ours}, headers=admin
    )
    assert wrong_role.status_code == 422

    granted = await client.post(GRANTS, json={**body, "member_id": ours}, headers=admin)
    assert granted.status_code == 201 and granted.json()["member_id"] == ours
    me = await client.get("/api/v1/me", headers=world.headers["member"])
    assert me.json()["grants"] == {"test": [{"role": "member", "member_id": ours, "outlet_id": None}]}


async def test_grant_request_is_validated(world: World, client: AsyncTestClient[Litestar]) -> None:
    admin = world.headers["admin"]
    unknown_user = await client.post(
        GRANTS, json={"user_email": "ghost@example.org", "role": "staff"}, headers=admin
    )
    assert unknown_user.status_code == 422 and "ghost@example.org" in unknown_user.json()["detail"]
    bad_role = await client.post(
        GRANTS, json={"user_email": "nobody@example.org", "role": "king"}, headers=admin
    )
    assert bad_role.status_code == 400 and "role" in bad_role.json()["detail"]


async def test_admin_withdraws_a_role(
    world: World, client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    grant_id = await db.scalar(select(RoleGrant.id).where(RoleGrant.user_id == world.user_ids["staff"]))
    response = await client.delete(f"{GRANTS}/{grant_id}", headers=world.headers["admin"])
    assert response.status_code == 204
    assert (await client.get("/api/v1/caisses/test", headers=world.headers["staff"])).status_code == 403
    assert (await client.delete(f"{GRANTS}/{grant_id}", headers=world.headers["admin"])).status_code == 404


async def test_grant_of_another_caisse_is_not_found(
    world: World, client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    outsider_grant = await db.scalar(
        select(RoleGrant.id).where(RoleGrant.user_id == world.user_ids["outsider"])
    )
    response = await client.delete(f"{GRANTS}/{outsider_grant}", headers=world.headers["admin"])
    assert response.status_code == 404
    assert (await client.get("/api/v1/caisses/other", headers=world.headers["outsider"])).status_code == 200


async def test_only_a_superuser_withdraws_admin(
    world: World, client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    admin_grant = await db.scalar(
        select(RoleGrant.id).where(RoleGrant.user_id == world.user_ids["admin"], RoleGrant.role == Role.ADMIN)
    )
    assert (await client.delete(f"{GRANTS}/{admin_grant}", headers=world.headers["admin"])).status_code == 403
    assert (
        await client.delete(f"{GRANTS}/{admin_grant}", headers=world.headers["superuser"])
    ).status_code == 204


async def test_ids_that_cannot_name_a_row_are_a_400_naming_the_field(
    world: World, client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    admin = world.headers["admin"]
    before = len(list(await db.scalars(select(RoleGrant.id))))
    for body in (
        {"user_email": "member@example.org", "role": "member", "member_id": 10**30},
        {"user_email": "outlet@example.org", "role": "outlet", "outlet_id": 10**30},
        {"user_email": "member@example.org", "role": "member", "member_id": 0},
    ):
        response = await client.post(GRANTS, json=body, headers=admin)
        assert response.status_code == 400, (body, response.text)
        field = "member_id" if "member_id" in body else "outlet_id"
        assert field in response.json()["detail"]
    removed = await client.delete(f"{GRANTS}/{10**30}", headers=admin)
    assert removed.status_code == 400 and "grant_id" in removed.json()["detail"]
    assert len(list(await db.scalars(select(RoleGrant.id)))) == before
