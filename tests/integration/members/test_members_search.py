"""Finding households: by code, name or e-mail, ignoring case and accents; by status; page by page."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.members.models import Member, MemberStatus
from caisse.members.service import search_members, update_member
from tests.integration.members.helpers import BASE, AddMember

PEOPLE = [
    ("Hélène Dupré", "helene.dupre@example.org", MemberStatus.ACTIVE),
    ("Jean Martin", "jm@laposte.net", MemberStatus.APPLICANT),
    ("ÉLODIE Cœur", None, MemberStatus.ACTIVE),
    ("Marc 100% Bio", "marc@example.org", MemberStatus.APPLICANT),
    ("Zoé Petit", "zoe_petit@example.org", MemberStatus.LEFT),
]


async def populate(add_member: AddMember, caisse: Caisse) -> None:
    for name, email, status in PEOPLE:
        dates = {"left_on": date(2026, 2, 1)} if status is MemberStatus.LEFT else {}
        await add_member(caisse, name, email=email, status=status, applied_on=date(2026, 1, 1), **dates)


async def names(db: AsyncSession, caisse: Caisse, **criteria: Any) -> list[str]:
    found, _ = await search_members(db, caisse.id, **criteria)
    return [m.reference_person for m in found]


async def test_search_ignores_case_and_accents(
    db: AsyncSession, add_member: AddMember, test_caisse: Caisse
) -> None:
    await populate(add_member, test_caisse)
    assert await names(db, test_caisse, query="helene") == ["Hélène Dupré"]
    assert await names(db, test_caisse, query="DUPRÉ") == ["Hélène Dupré"]
    assert await names(db, test_caisse, query="élodie coeur") == ["ÉLODIE Cœur"]
    assert await names(db, test_caisse, query="t-000002") == ["Jean Martin"]
    assert await names(db, test_caisse, query="@example.org") == [
        "Hélène Dupré", "Marc 100% Bio", "Zoé Petit"
    ]
    assert await names(db, test_caisse, query="laposte") == ["Jean Martin"]


async def test_like_wildcards_in_a_query_are_taken_literally(
    db: AsyncSession, add_member: AddMember, test_caisse: Caisse
) -> None:
    await populate(add_member, test_caisse)
    assert await names(db, test_caisse, query="100%") == ["Marc 100% Bio"]
    assert await names(db, test_caisse, query="e_p") == ["Zoé Petit"]
    assert await names(db, test_caisse, query="%") == ["Marc 100% Bio"]


async def test_search_follows_changes_of_name_and_email(
    db: AsyncSession, add_member: AddMember, test_caisse: Caisse
) -> None:
    member = await add_member(test_caisse, "Awa Diallo", email="awa@example.org")
    await update_member(db, test_caisse, member, {"reference_person": "Awa Sow", "email": "sow@example.net"})
    await db.commit()
    assert await names(db, test_caisse, query="sow") == ["Awa Sow"]
    assert await names(db, test_caisse, query="diallo") == []


async def test_search_by_status(db: AsyncSession, add_member: AddMember, test_caisse: Caisse) -> None:
    await populate(add_member, test_caisse)
    assert await names(db, test_caisse, status=MemberStatus.ACTIVE) == ["Hélène Dupré", "ÉLODIE Cœur"]
    assert await names(db, test_caisse, status=MemberStatus.APPLICANT, query="marc") == ["Marc 100% Bio"]


async def test_the_list_is_paginated_with_a_total(
    client: AsyncTestClient, world: Any, add_member: AddMember, test_caisse: Caisse
) -> None:
    await populate(add_member, test_caisse)
    staff = world.headers["staff"]
    first = (await client.get(f"{BASE}/members", params={"limit": 2}, headers=staff)).json()
    assert (first["total"], first["limit"], first["offset"]) == (5, 2, 0)
    assert [m["code"] for m in first["items"]] == ["T-000001", "T-000002"]
    last = (await client.get(f"{BASE}/members", params={"limit": 2, "offset": 4}, headers=staff)).json()
    assert [m["code"] for m in last["items"]] == ["T-000005"] and last["total"] == 5
    query = {"status": "active", "q": "ELODIE"}
    active = (await client.get(f"{BASE}/members", params=query, headers=staff)).json()
    assert [m["reference_person"] for m in active["items"]] == ["ÉLODIE Cœur"] and active["total"] == 1
    assert active["items"][0]["monthly_income_cents"] == 150_000
    assert (await client.get(f"{BASE}/members", params={"status": "gone"}, headers=staff)).status_code == 400


async def test_a_window_out_of_bounds_is_a_400_naming_the_parameter(
    client: AsyncTestClient, world: Any
) -> None:
    for bad in ({"limit": 0}, {"limit": 501}, {"limit": 10**30}, {"offset": -1}, {"offset": 10**30}):
        response = await client.get(f"{BASE}/members", params=bad, headers=world.headers["staff"])
        assert response.status_code == 400, (bad, response.text)
        assert next(iter(bad)) in response.json()["detail"], response.text


async def test_households_of_another_caisse_are_not_listed(
    client: AsyncTestClient, world: Any, add_member: AddMember, test_caisse: Caisse, db: AsyncSession
) -> None:
    await add_member(test_caisse, "Ici")
    response = await client.get("/api/v1/caisses/other/members", headers=world.headers["outsider"])
    assert response.json()["total"] == 0


async def test_households_stored_through_the_orm_are_found_too(db: AsyncSession, test_caisse: Caisse) -> None:
    db.add(
        Member(
            caisse_id=test_caisse.id, code="T-000077", reference_person="Noémie Stocké", email="n@x.org",
            monthly_income_cents=1, income_declared_on=date(2026, 1, 1), status=MemberStatus.APPLICANT,
            applied_on=date(2026, 1, 1),
        )
    )
    await db.commit()
    assert await names(db, test_caisse, query="noemie stocke") == ["Noémie Stocké"]
    assert await names(db, test_caisse, query="T-000077") == ["Noémie Stocké"]
