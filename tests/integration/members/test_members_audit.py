"""Every read and change of personal data leaves a row in the audit log: who, what, which fields."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.members.models import Member, MemberStatus
from tests.integration.members.helpers import (
    BASE,
    AddMember,
    audit_events,
    household_payload,
    link_member_user,
)


def fields(event: Any) -> list[str]:
    return json.loads(event.detail)["fields"]


async def test_reading_a_household_is_audited(
    client: AsyncTestClient, world: Any, db: AsyncSession, add_member: AddMember, test_caisse: Caisse
) -> None:
    member = await add_member(test_caisse, "Foyer")
    response = await client.get(f"{BASE}/members/{member.code}", headers=world.headers["staff"])
    assert response.status_code == 200
    [event] = await audit_events(db, "member.read")
    assert (event.actor_user_id, event.caisse_id, event.subject_type, event.subject_id) == (
        world.user_ids["staff"], test_caisse.id, "member", str(member.id)
    )
    assert {"monthly_income_cents", "email", "phone", "address"} <= set(fields(event))


async def test_a_member_reading_their_own_household_is_audited(
    client: AsyncTestClient, world: Any, db: AsyncSession, add_member: AddMember, test_caisse: Caisse
) -> None:
    member = await add_member(test_caisse, "Foyer")
    await link_member_user(db, world, member)
    await client.get(f"{BASE}/me/household", headers=world.headers["member"])
    [event] = await audit_events(db, "member.read")
    assert (event.actor_user_id, event.subject_id) == (world.user_ids["member"], str(member.id))


async def test_listing_households_audits_each_one_listed(
    client: AsyncTestClient, world: Any, db: AsyncSession, add_member: AddMember, test_caisse: Caisse
) -> None:
    members = [await add_member(test_caisse, f"Foyer {n}") for n in range(3)]
    await client.get(f"{BASE}/members", params={"limit": 2}, headers=world.headers["admin"])
    events = await audit_events(db, "member.list")
    assert [e.subject_id for e in events] == [str(m.id) for m in members[:2]]
    assert all(e.actor_user_id == world.user_ids["admin"] for e in events)


async def test_changes_are_audited_with_the_fields_that_changed(
    client: AsyncTestClient, world: Any, db: AsyncSession, add_member: AddMember, test_caisse: Caisse
) -> None:
    member = await add_member(test_caisse, "Foyer", phone="05 61 00 00 00")
    url = f"{BASE}/members/{member.code}"
    changes = {"phone": "05 61 00 00 00", "email": "new@example.org"}
    await client.patch(url, json=changes, headers=world.headers["staff"])
    await client.patch(url, json={"phone": "05 61 00 00 00"}, headers=world.headers["staff"])  # no change
    [event] = await audit_events(db, "member.update")
    assert fields(event) == ["email"] and event.subject_id == str(member.id)
    json.loads(event.detail)  # field names only, never values
    assert "new@example.org" not in event.detail


async def test_registration_status_changes_and_imports_are_audited(
    client: AsyncTestClient, world: Any, db: AsyncSession
) -> None:
    staff = world.headers["staff"]
    created = (await client.post(f"{BASE}/members", json=household_payload(), headers=staff)).json()
    await client.post(
        f"{BASE}/members/{created['code']}/status", json={"to": "active", "reason": "admitted"}, headers=staff
    )
    csv = b"nom;adultes;revenu_mensuel;date_declaration\nA;1;900;2026-01-10\nB;1;950;2026-01-10\n"
    await client.post(f"{BASE}/members/import", content=csv, headers={**staff, "Content-Type": "text/csv"})
    [create] = await audit_events(db, "member.create")
    assert "monthly_income_cents" in fields(create)
    [status] = await audit_events(db, "member.status")
    assert fields(status) == ["status"] and json.loads(status.detail)["note"] == "applicant -> active"
    imported = await audit_events(db, "member.import")
    assert len(imported) == 2 and all(e.actor_user_id == world.user_ids["staff"] for e in imported)


async def test_refused_requests_leave_no_read_in_the_log(
    client: AsyncTestClient, world: Any, db: AsyncSession, add_member: AddMember, test_caisse: Caisse
) -> None:
    own = await add_member(test_caisse, "Own")
    other = await add_member(test_caisse, "Other", applied_on=date(2026, 1, 1))
    await link_member_user(db, world, own)
    await client.get(f"{BASE}/members/{other.code}", headers=world.headers["member"])
    await client.get(f"{BASE}/members/{other.code}", headers=world.headers["committee"])
    await client.get(f"{BASE}/members", headers=world.headers["official"])
    assert await audit_events(db, "member.read") == [] and await audit_events(db, "member.list") == []


async def test_an_update_writes_only_what_was_sent(
    client: AsyncTestClient, world: Any, db: AsyncSession, test_caisse: Caisse
) -> None:
    # A household stored by other means (an older import, a fixture): active, with no activation date.
    member = Member(
        caisse_id=test_caisse.id, code="T-000042", reference_person="Stored", monthly_income_cents=90_000,
        income_declared_on=date(2026, 1, 1), status=MemberStatus.ACTIVE, applied_on=date(2026, 1, 1),
    )
    db.add(member)
    await db.commit()
    response = await client.patch(
        f"{BASE}/members/T-000042", json={"phone": "05 61 00 00 00"}, headers=world.headers["staff"]
    )
    assert response.status_code == 200, response.text
    assert response.json()["activated_on"] is None
    [event] = await audit_events(db, "member.update")
    assert fields(event) == ["phone"]
