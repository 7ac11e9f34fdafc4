"""The audit log over HTTP: admin only, newest first, filtered and paginated, per caisse."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import audit
from tests.conftest import World

AUDIT = "/api/v1/caisses/test/audit"


async def seed_events(db: AsyncSession, world: World) -> None:
    for member_id in (1, 2, 3):
        await audit.record(
            db,
            actor=None,
            caisse_id=world.caisse_id,
            action="member.read",
            subject_type="member",
            subject_ids=[member_id],
            fields=["monthly_income_cents", "email"],
        )
    await audit.record(
        db,
        actor=None,
        caisse_id=world.caisse_id,
        action="member.update",
        subject_type="member",
        subject_ids=[2],
        fields=["phone"],
    )
    await audit.record(
        db,
        actor=None,
        caisse_id=world.other_caisse_id,
        action="member.read",
        subject_type="member",
        subject_ids=[9],
        fields=["email"],
    )
    await db.commit()


async def test_admin_reads_the_log_newest_first(
    world: World, client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    await seed_events(db, world)
    response = await client.get(AUDIT, headers=world.headers["admin"])
    assert response.status_code == 200
    page = response.json()
    assert page["total"] == 4 and page["limit"] == 50 and page["offset"] == 0
    assert [e["subject_id"] for e in page["items"]] == ["2", "3", "2", "1"]
    assert page["items"][0]["action"] == "member.update"
    assert page["items"][0]["detail"] == {"fields": ["phone"]}


async def test_log_is_filtered_by_subject_and_paginated(
    world: World, client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    await seed_events(db, world)
    admin = world.headers["admin"]
    by_subject = (
        await client.get(AUDIT, params={"subject_type": "member", "subject_id": "2"}, headers=admin)
    ).json()
    assert by_subject["total"] == 2
    assert [e["action"] for e in by_subject["items"]] == ["member.update", "member.read"]

    second = (await client.get(AUDIT, params={"limit": 2, "offset": 2}, headers=admin)).json()
    assert second["total"] == 4 and [e["subject_id"] for e in second["items"]] == ["2", "1"]



async def test_a_window_out_of_bounds_is_a_400_naming_the_parameter(
    world: World, client: AsyncTestClient[Litestar]
) -> None:
    admin = world.headers["admin"]
    for bad in ({"limit": 0}, {"limit": 501}, {"limit": "many"}, {"offset": -1}, {"offset": 10**30},
                {"limit": 10**30}):
        response = await client.get(AUDIT, params=bad, headers=admin)
        assert response.status_code == 400, (bad, response.text)
        assert next(iter(bad)) in response.json()["detail"], response.text


async def test_only_admins_read_the_log(world: World, client: AsyncTestClient[Litestar]) -> None:
    for who in ("staff", "committee", "official", "outlet", "outsider", "nobody"):
        assert (await client.get(AUDIT, headers=world.headers[who])).status_code == 403, who
    assert (await client.get(AUDIT)).status_code == 401
    assert (await client.get(AUDIT, headers=world.headers["superuser"])).status_code == 200
