"""Committee seats: terms that never overlap, the committee role, leaving early, who sees what."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import AuditEvent, Role, RoleGrant
from caisse.committee.eligibility import is_sitting, sitting_members
from caisse.committee.models import CommitteeMembership
from tests.conftest import World

Client = AsyncTestClient[Litestar]
SEATS = "/api/v1/caisses/test/committee/members"
TERM = {
    "starts_on": "2027-01-01",
    "ends_on": "2027-12-31",
    "source": "elected",
    "source_ref": "AG 2026-12-12",
}


async def _seat(client: Client, world: World, who: str = "nobody", **changes: Any) -> Any:
    body = {"user_email": f"{who}@example.org", **TERM, **changes}
    return await client.post(SEATS, json=body, headers=world.headers["staff"])


async def test_staff_seat_a_person_who_gets_the_committee_role(
    client: Client, world: World, db: AsyncSession
) -> None:
    before = await client.get(SEATS, headers=world.headers["nobody"])
    assert before.status_code == 403
    made = await _seat(client, world)
    assert made.status_code == 201, made.text
    body = made.json()
    assert (
        body["display_name"] == "Nobody" and body["source"] == "elected" and body["last_day"] == "2027-12-31"
    )
    grants = await db.scalar(
        select(func.count()).where(
            RoleGrant.user_id == world.user_ids["nobody"], RoleGrant.role == Role.COMMITTEE
        )
    )
    assert grants == 1
    listed = await client.get(f"{SEATS}?on=2027-06-01", headers=world.headers["nobody"])
    assert listed.status_code == 200 and [s["display_name"] for s in listed.json()] == ["Nobody"]
    # Seating someone who already holds the role grants nothing twice.
    again = await _seat(client, world, "committee")
    assert again.status_code == 201, again.text


async def test_overlapping_terms_of_one_person_are_refused(
    client: Client, world: World, db: AsyncSession
) -> None:
    assert (await _seat(client, world)).status_code == 201
    overlap = await _seat(client, world, starts_on="2027-06-01", ends_on="2028-05-31")
    assert overlap.status_code == 409 and "overlap" in overlap.json()["detail"]
    inside = await _seat(client, world, starts_on="2027-03-01", ends_on="2027-04-30")
    assert inside.status_code == 409
    after = await _seat(client, world, starts_on="2028-01-01", ends_on="2028-12-31")
    assert after.status_code == 201, after.text
    stored = await db.scalar(select(func.count()).select_from(CommitteeMembership))
    assert stored == 2


async def test_two_seatings_of_one_person_at_once_keep_one(
    client: Client, world: World, db: AsyncSession
) -> None:
    outcomes = await asyncio.gather(*(_seat(client, world) for _ in range(4)))
    assert sorted(r.status_code for r in outcomes) == [201, 409, 409, 409]
    assert await db.scalar(select(func.count()).select_from(CommitteeMembership)) == 1


async def test_ending_a_seat_stops_it_from_left_on(client: Client, world: World, db: AsyncSession) -> None:
    seat = (await _seat(client, world)).json()
    url = f"{SEATS}/{seat['id']}/end"
    ended = await client.post(
        url, json={"left_on": "2027-03-10", "reason": "moved away"}, headers=world.headers["staff"]
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["last_day"] == "2027-03-09" and ended.json()["left_reason"] == "moved away"
    user = world.user_ids["nobody"]
    assert await sitting_members(db, world.caisse_id, date(2027, 3, 9)) == [user]
    assert await sitting_members(db, world.caisse_id, date(2027, 3, 10)) == []
    assert not await is_sitting(db, world.caisse_id, user, date(2027, 6, 1))
    on_day = await client.get(f"{SEATS}?on=2027-03-10", headers=world.headers["staff"])
    assert on_day.json() == []
    twice = await client.post(
        url, json={"left_on": "2027-04-01", "reason": "again"}, headers=world.headers["staff"]
    )
    assert twice.status_code == 409
    # Having left, they may be seated again from left_on.
    assert (await _seat(client, world, starts_on="2027-03-10")).status_code == 201
    history = await client.get(f"{SEATS}/history?user_id={user}", headers=world.headers["official"])
    assert [s["starts_on"] for s in history.json()] == ["2027-01-01", "2027-03-10"]


async def test_seats_ending_within_60_days_are_listed(client: Client, world: World) -> None:
    await _seat(client, world, "nobody", ends_on="2027-07-31")
    await _seat(client, world, "official", ends_on="2027-12-31")
    await _seat(client, world, "outlet", ends_on="2027-06-15")
    ending = await client.get(f"{SEATS}/ending?on=2027-06-01", headers=world.headers["committee"])
    assert ending.status_code == 200
    assert [s["display_name"] for s in ending.json()] == ["Outlet", "Nobody"]


@pytest.mark.parametrize(
    ("caller", "status", "sees_email"),
    [
        ("admin", 200, True),
        ("staff", 200, True),
        ("committee", 200, False),
        ("official", 200, False),
        ("outlet", 200, False),
        ("member", 200, False),
        ("outsider", 403, False),
        ("nobody", 403, False),
    ],
)
async def test_every_role_sees_who_sits_but_only_staff_see_emails(
    client: Client,
    world: World,
    db: AsyncSession,
    member_household: int,
    caller: str,
    status: int,
    sees_email: bool,
) -> None:
    await _seat(client, world, "committee")
    response = await client.get(f"{SEATS}?on=2027-02-01", headers=world.headers[caller])
    assert response.status_code == status, response.text
    if status == 200:
        [seat] = response.json()
        assert seat["display_name"] == "Committee"
        assert (seat["email"] == "committee@example.org") is sees_email
        assert (seat["email"] is None) is not sees_email
        assert (seat["note"] is not None) is (caller in ("admin", "staff", "committee"))
        logged = await db.scalar(select(func.count()).where(AuditEvent.action == "committee.read"))
        assert bool(logged) is sees_email
    assert (await client.get(SEATS)).status_code == 401


@pytest.mark.parametrize("caller", ["committee", "official", "outlet", "outsider", "nobody"])
async def test_only_staff_seat_and_unseat(client: Client, world: World, caller: str) -> None:
    body = {"user_email": "nobody@example.org", **TERM}
    assert (await client.post(SEATS, json=body)).status_code == 401
    denied = await client.post(SEATS, json=body, headers=world.headers[caller])
    assert denied.status_code == 403 and denied.json()["error"] == "forbidden"
    seat = (await _seat(client, world)).json()
    end = {"left_on": "2027-02-01", "reason": "x"}
    assert (
        await client.post(f"{SEATS}/{seat['id']}/end", json=end, headers=world.headers[caller])
    ).status_code == 403


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_on": "2026-12-31"}, "ends_on"),
        ({"ends_on": "2040-01-01"}, "ends_on"),
        ({"source": "raffle"}, "source"),
        ({"user_email": "ghost@example.org"}, "user_email"),
        ({"user_id": 1}, "user_id"),
        ({"user_email": None}, "user_id"),
        ({"user_email": None, "user_id": 999_999}, "user_id"),
        ({"note": "élu\x00"}, "note"),
        ({"source_ref": "AG\x002026"}, "source_ref"),
    ],
)
async def test_bad_seat_input_is_a_422_naming_the_field(
    client: Client, world: World, db: AsyncSession, changes: dict[str, Any], field: str
) -> None:
    response = await _seat(client, world, **changes)
    assert response.status_code == 422, response.text
    assert field in {p["field"] for p in response.json()["problems"]}
    assert await db.scalar(select(func.count()).select_from(CommitteeMembership)) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"left_on": "2026-12-01", "reason": "x"}, "left_on"),
        ({"left_on": "2028-01-01", "reason": "x"}, "left_on"),
        ({"left_on": "2027-05-01", "reason": "  "}, "reason"),
        ({"left_on": "2027-05-01", "reason": "parti\x00"}, "reason"),
    ],
)
async def test_bad_end_is_a_422_naming_the_field(
    client: Client, world: World, body: dict[str, Any], field: str
) -> None:
    seat = (await _seat(client, world)).json()
    response = await client.post(f"{SEATS}/{seat['id']}/end", json=body, headers=world.headers["staff"])
    assert response.status_code == 422 and response.json()["problems"][0]["field"] == field
    missing = await client.post(f"{SEATS}/999999/end", json=body, headers=world.headers["staff"])
    assert missing.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {**TERM, "user_email": "nobody@example.org", "starts_on": "soon"},
        {**TERM, "user_email": "x", "extra": 1},
        {**TERM, "user_id": -3},
        {**TERM, "user_email": "nobody@example.org", "note": "x" * 501},
    ],
)
async def test_malformed_seat_bodies_are_refused_never_a_500(
    client: Client, world: World, body: dict[str, Any]
) -> None:
    response = await client.post(SEATS, json=body, headers=world.headers["staff"])
    assert response.status_code == 400 and response.json()["error"] == "invalid"


async def test_a_seat_of_another_caisse_cannot_be_ended_here(client: Client, world: World) -> None:
    seat = (await _seat(client, world)).json()
    response = await client.post(
        f"/api/v1/caisses/other/committee/members/{seat['id']}/end",
        json={"left_on": "2027-02-01", "reason": "x"},
        headers=world.headers["outsider"],
    )
    assert response.status_code == 404
