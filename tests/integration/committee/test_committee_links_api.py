"""Declared links: a member declares their own, staff record them, withdrawals, who sees them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.service import get_caisse
from caisse.committee.eligibility import linked_users
from caisse.committee.models import DeclaredLink
from caisse.outlets.models import Outlet
from caisse.outlets.service import create_outlet
from caisse.periods import caisse_today
from tests.conftest import World

Client = AsyncTestClient[Litestar]
LINKS = "/api/v1/caisses/test/committee/links"
TODAY = caisse_today()


def _link(outlet: Outlet, **changes: Any) -> dict[str, Any]:
    return {"outlet_id": outlet.id, "nature": "family", "description": "my brother runs it", **changes}


async def test_a_committee_member_declares_a_link_that_recuses_them(
    client: Client, world: World, db: AsyncSession, outlet: Outlet
) -> None:
    made = await client.post(LINKS, json=_link(outlet), headers=world.headers["committee"])
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["user_id"] == world.user_ids["committee"] and body["outlet_name"] == outlet.name
    assert body["declared_on"] == TODAY.isoformat() and body["withdrawn_on"] is None
    assert await linked_users(db, outlet.id, TODAY) == {world.user_ids["committee"]}
    by_outlet = await client.get(f"{LINKS}?outlet_id={outlet.id}", headers=world.headers["staff"])
    by_user = await client.get(
        f"{LINKS}?user_id={world.user_ids['committee']}", headers=world.headers["admin"]
    )
    assert [r["id"] for r in by_outlet.json()] == [r["id"] for r in by_user.json()] == [body["id"]]
    twice = await client.post(LINKS, json=_link(outlet, nature="owner"), headers=world.headers["committee"])
    assert twice.status_code == 409 and "withdraw it first" in twice.json()["detail"]

    later = (TODAY + timedelta(days=3)).isoformat()
    withdrawn = await client.post(
        f"{LINKS}/{body['id']}/withdraw", json={"withdrawn_on": later}, headers=world.headers["committee"]
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_on"] == later
    assert await linked_users(db, outlet.id, TODAY + timedelta(days=2)) == {world.user_ids["committee"]}
    assert await linked_users(db, outlet.id, TODAY + timedelta(days=3)) == set()
    standing = await client.get(f"{LINKS}?on={later}", headers=world.headers["committee"])
    assert standing.json() == []
    again = await client.post(f"{LINKS}/{body['id']}/withdraw", json={}, headers=world.headers["staff"])
    assert again.status_code == 409


async def test_staff_record_a_link_for_a_committee_member_and_may_backdate_withdrawal(
    client: Client, world: World, db: AsyncSession, outlet: Outlet
) -> None:
    body = _link(outlet, user_email="committee@example.org", declared_on="2026-05-01", nature="supplier")
    made = await client.post(LINKS, json=body, headers=world.headers["staff"])
    assert made.status_code == 201, made.text
    stored = await db.get(DeclaredLink, made.json()["id"])
    assert stored is not None and stored.recorded_by_user_id == world.user_ids["staff"]
    url = f"{LINKS}/{stored.id}/withdraw"
    own_past = await client.post(url, json={"withdrawn_on": "2026-06-01"}, headers=world.headers["committee"])
    assert own_past.status_code == 422 and own_past.json()["problems"][0]["field"] == "withdrawn_on"
    before = await client.post(url, json={"withdrawn_on": "2026-04-01"}, headers=world.headers["staff"])
    assert before.status_code == 422
    staff_past = await client.post(url, json={"withdrawn_on": "2026-06-01"}, headers=world.headers["staff"])
    assert staff_past.status_code == 200 and staff_past.json()["withdrawn_on"] == "2026-06-01"


async def test_a_member_cannot_declare_or_withdraw_for_someone_else(
    client: Client, world: World, db: AsyncSession, outlet: Outlet
) -> None:
    for_other = await client.post(
        LINKS, json=_link(outlet, user_email="admin@example.org"), headers=world.headers["committee"]
    )
    assert for_other.status_code == 403
    # A second committee member, seated by staff.
    seat = {
        "user_email": "official@example.org",
        "starts_on": "2027-01-01",
        "ends_on": "2027-12-31",
        "source": "appointed",
    }
    assert (
        await client.post(f"{LINKS[:-6]}/members", json=seat, headers=world.headers["staff"])
    ).status_code == 201
    theirs = await client.post(
        LINKS, json=_link(outlet, user_email="official@example.org"), headers=world.headers["staff"]
    )
    assert theirs.status_code == 201, theirs.text
    denied = await client.post(
        f"{LINKS}/{theirs.json()['id']}/withdraw", json={}, headers=world.headers["committee"]
    )
    assert denied.status_code == 403
    assert (
        await db.scalar(select(DeclaredLink.withdrawn_on).where(DeclaredLink.id == theirs.json()["id"]))
        is None
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"nature": "cousin"}, "nature"),
        ({"declared_on": (TODAY + timedelta(days=1)).isoformat()}, "declared_on"),
        ({"user_email": "outlet@example.org"}, "user_id"),  # not on the committee
        ({"user_email": "ghost@example.org"}, "user_email"),
        ({"description": "mon frère\x00"}, "description"),
    ],
)
async def test_bad_link_input_is_a_422_naming_the_field(
    client: Client, world: World, db: AsyncSession, outlet: Outlet, changes: dict[str, Any], field: str
) -> None:
    response = await client.post(
        LINKS,
        json=_link(outlet, **changes),
        headers=world.headers["staff"] if "user_email" in changes else world.headers["committee"],
    )
    assert response.status_code == 422, response.text
    assert field in {p["field"] for p in response.json()["problems"]}
    assert await db.scalar(select(func.count()).select_from(DeclaredLink)) == 0


async def test_an_outlet_of_another_caisse_is_refused(client: Client, world: World, db: AsyncSession) -> None:
    other = await create_outlet(
        db, await get_caisse(db, "other"), values={"name": "Ailleurs", "kind": "shop"}, today=TODAY
    )
    await db.commit()
    response = await client.post(LINKS, json=_link(other), headers=world.headers["committee"])
    assert response.status_code == 422 and response.json()["problems"][0]["field"] == "outlet_id"


@pytest.mark.parametrize(
    ("caller", "status"),
    [
        ("admin", 200),
        ("staff", 200),
        ("committee", 200),
        ("official", 403),
        ("outlet", 403),
        ("member", 403),
        ("outsider", 403),
        ("nobody", 403),
    ],
)
async def test_links_are_seen_by_staff_and_the_committee_only(
    client: Client, world: World, outlet: Outlet, member_household: int, caller: str, status: int
) -> None:
    await client.post(LINKS, json=_link(outlet), headers=world.headers["committee"])
    response = await client.get(LINKS, headers=world.headers[caller])
    assert response.status_code == status, response.text
    if status == 200:
        assert [r["display_name"] for r in response.json()] == ["Committee"]
    assert (await client.get(LINKS)).status_code == 401
    declared = await client.post(LINKS, json=_link(outlet), headers=world.headers[caller])
    assert declared.status_code in ((409, 422) if status == 200 else (403,))


async def test_a_bad_query_or_body_is_refused_never_a_500(
    client: Client, world: World, outlet: Outlet
) -> None:
    assert (await client.get(f"{LINKS}?outlet_id=0", headers=world.headers["staff"])).status_code == 400
    assert (await client.get(f"{LINKS}?on=yesterday", headers=world.headers["staff"])).status_code == 400
    bad = await client.post(
        LINKS, json={"outlet_id": "x", "nature": "family"}, headers=world.headers["committee"]
    )
    assert bad.status_code == 400
    missing = await client.post(f"{LINKS}/424242/withdraw", json={}, headers=world.headers["staff"])
    assert missing.status_code == 404
