"""The lottery through the API: the seed committed to at the announcement and revealed at the draw,
registration, draw, seating."""

from __future__ import annotations

import asyncio
import hashlib
import re
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import AuditEvent
from caisse.committee.models import CommitteeMembership, LotteryDraw, LotteryVolunteer
from caisse.committee.public import parse_record, verify
from caisse.db.base import utcnow
from tests.conftest import World
from tests.integration.committee.conftest import AddPerson
from tests.integration.committee.lottery_helpers import LOTTERIES, PUBLIC, close_registration, plan

Client = AsyncTestClient[Litestar]
LOW, HIGH = 90_000, 600_000  # € cents per month for one adult: decile 1, decile 10


async def _announce(client: Client, world: World, **changes: Any) -> dict[str, Any]:
    response = await client.post(LOTTERIES, json=plan(**changes), headers=world.headers["staff"])
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_announcing_publishes_the_seed_commitment_at_once_to_anyone_and_keeps_the_seed(
    client: Client, world: World, db: AsyncSession
) -> None:
    draw = await _announce(client, world)
    year = utcnow().year
    commitment = draw["seed_commitment"]
    assert draw["reference"] == f"TIRAGE-{year}-01" and re.fullmatch(r"[0-9a-f]{64}", commitment)
    assert draw["seed"] is None and draw["status"] == "announced" and draw["result"] is None
    listed = await client.get(PUBLIC)
    assert listed.status_code == 200
    assert [(d["reference"], d["seed_commitment"], d["seed"], d["volunteers"]) for d in listed.json()] == [
        (draw["reference"], commitment, None, 0)
    ]
    record = await client.get(f"{PUBLIC}/{draw['reference'].lower()}")
    assert record.status_code == 200 and (record.json()["seed_commitment"], record.json()["seed"]) == (
        commitment,
        None,
    )
    staff_view = await client.get(f"{LOTTERIES}/{draw['reference']}", headers=world.headers["staff"])
    assert staff_view.json()["record"]["seed"] is None
    stored = await db.scalar(select(LotteryDraw.seed).where(LotteryDraw.reference == draw["reference"]))
    assert stored is not None and re.fullmatch(r"[0-9a-f]{32}", stored)
    assert hashlib.sha256(stored.encode()).hexdigest() == commitment
    second = await _announce(client, world)
    assert second["reference"] == f"TIRAGE-{year}-02" and second["seed_commitment"] != commitment


async def test_staff_cannot_choose_the_seed(client: Client, world: World, db: AsyncSession) -> None:
    response = await client.post(
        LOTTERIES, json=plan(seed="abcdef0123456789"), headers=world.headers["staff"]
    )
    assert response.status_code == 400 and "seed" in response.json()["detail"]
    assert await db.scalar(select(func.count()).select_from(LotteryDraw)) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"seats": 7}, "quotas"),
        (
            {"quotas": [{"stratum": {"income_band": "rich", "age_group": "young"}, "seats": 6}]},
            "quotas[0].stratum",
        ),
        ({"quotas": [{"stratum": {"income_band": "low"}, "seats": 6}]}, "quotas[0].stratum"),
        (
            {"quotas": [{"stratum": {"income_band": "low", "age_group": "old"}, "seats": 3}] * 2},
            "quotas[1].stratum",
        ),
        ({"dimensions": {"Age Group": ["a"]}}, "dimensions"),
        ({"dimensions": {"income_band": ["poor"]}}, "dimensions"),
        ({"closes_at": "2020-01-01T00:00:00+00:00"}, "closes_at"),
        ({"purpose": "Comité\x002027"}, "purpose"),
        ({"description": "a\x00b"}, "description"),
        ({"purpose": "  "}, "purpose"),
    ],
)
async def test_a_bad_plan_is_a_422_naming_each_field(
    client: Client, world: World, db: AsyncSession, changes: dict[str, Any], field: str
) -> None:
    response = await client.post(LOTTERIES, json=plan(**changes), headers=world.headers["staff"])
    assert response.status_code == 422, response.text
    assert field in {p["field"] for p in response.json()["problems"]}
    assert await db.scalar(select(func.count()).select_from(LotteryDraw)) == 0


@pytest.mark.parametrize(
    "changes",
    [
        {"closes_at": "2027-03-01T18:00:00"},
        {"seats": 0},
        {"quotas": "all"},
        {"surprise": True},
        {"dimensions": {"a": "b"}},
    ],
)
async def test_a_malformed_plan_is_refused_never_a_500(
    client: Client, world: World, changes: dict[str, Any]
) -> None:
    response = await client.post(LOTTERIES, json=plan(**changes), headers=world.headers["staff"])
    assert response.status_code == 400 and response.json()["error"] == "invalid"


async def test_a_member_volunteers_their_household_with_its_income_band_derived(
    client: Client, world: World, add_person: AddPerson
) -> None:
    draw = await _announce(client, world)
    url = f"{LOTTERIES}/{draw['reference']}/volunteers"
    alice = await add_person("Alice", income_cents=LOW)
    made = await client.post(url, json={"stratum": {"age_group": "young"}}, headers=alice.headers)
    assert made.status_code == 201, made.text
    assert made.json() == {"pseudonym": "V-0001", "stratum": {"age_group": "young", "income_band": "low"}}
    twice = await client.post(url, json={"stratum": {"age_group": "old"}}, headers=alice.headers)
    assert twice.status_code == 409 and "V-0001" in twice.json()["detail"]
    bob = await add_person("Bob", income_cents=HIGH)
    lying = await client.post(
        url, json={"stratum": {"age_group": "old", "income_band": "low"}}, headers=bob.headers
    )
    assert lying.status_code == 422 and lying.json()["problems"][0]["field"] == "stratum.income_band"
    missing = await client.post(url, json={"stratum": {}}, headers=bob.headers)
    assert missing.status_code == 422 and "age_group" in missing.json()["detail"]
    for_other = await client.post(url, json={"member_code": "T-000001", "stratum": {}}, headers=bob.headers)
    assert for_other.status_code == 403
    public = (await client.get(f"{PUBLIC}/{draw['reference']}")).json()
    assert public["volunteers"] == [
        {"pseudonym": "V-0001", "stratum": {"age_group": "young", "income_band": "low"}}
    ]
    assert "Alice" not in str(public) and "member_id" not in str(public)


async def test_staff_register_households_and_accounts_in_order(
    client: Client, world: World, add_person: AddPerson
) -> None:
    draw = await _announce(client, world)
    url = f"{LOTTERIES}/{draw['reference']}/volunteers"
    staff = world.headers["staff"]
    households = [await add_person(f"H{n}", income_cents=LOW + n * 100_000, account=False) for n in range(3)]
    names = []
    for person in households:
        made = await client.post(
            url, json={"member_code": person.member_code, "stratum": {"age_group": "old"}}, headers=staff
        )
        assert made.status_code == 201, made.text
        names.append(made.json()["pseudonym"])
    account = await client.post(
        url,
        json={
            "user_email": "official@example.org",
            "stratum": {"age_group": "young", "income_band": "middle"},
        },
        headers=staff,
    )
    assert account.status_code == 201 and account.json()["pseudonym"] == "V-0004"
    assert names == ["V-0001", "V-0002", "V-0003"]
    no_band = await client.post(
        url, json={"user_email": "outlet@example.org", "stratum": {"age_group": "old"}}, headers=staff
    )
    assert no_band.status_code == 422
    unknown = await client.post(url, json={"member_code": "T-424242", "stratum": {}}, headers=staff)
    assert unknown.status_code == 422 and unknown.json()["problems"][0]["field"] == "member_code"
    both = await client.post(url, json={"member_code": "T-000001", "user_email": "a@b.org"}, headers=staff)
    assert both.status_code == 422
    detail = await client.get(f"{LOTTERIES}/{draw['reference']}", headers=staff)
    assert [v["member_id"] for v in detail.json()["volunteers"][:3]] == [p.member_id for p in households]


async def test_simultaneous_registrations_get_distinct_pseudonyms(
    client: Client, world: World, add_person: AddPerson, db: AsyncSession
) -> None:
    draw = await _announce(client, world)
    url = f"{LOTTERIES}/{draw['reference']}/volunteers"
    people = [await add_person(f"P{n}") for n in range(8)]
    answers = await asyncio.gather(
        *(client.post(url, json={"stratum": {"age_group": "young"}}, headers=p.headers) for p in people)
    )
    assert [a.status_code for a in answers] == [201] * 8
    assert sorted(a.json()["pseudonym"] for a in answers) == [f"V-{n:04d}" for n in range(1, 9)]
    assert await db.scalar(select(func.count()).select_from(LotteryVolunteer)) == 8


async def test_the_draw_waits_for_registration_to_close_then_runs_once(
    client: Client, world: World, db: AsyncSession, add_person: AddPerson
) -> None:
    draw = await _announce(client, world)
    ref, staff = draw["reference"], world.headers["staff"]
    people = [await add_person(f"V{n}", income_cents=LOW if n % 2 else HIGH) for n in range(10)]
    for n, person in enumerate(people):
        body = {"stratum": {"age_group": "young" if n < 5 else "old"}}
        assert (
            await client.post(f"{LOTTERIES}/{ref}/volunteers", json=body, headers=person.headers)
        ).status_code == 201
    early = await client.post(f"{LOTTERIES}/{ref}/draw", headers=staff)
    assert early.status_code == 409 and "open until" in early.json()["detail"]
    await close_registration(db, ref)
    late = await add_person("Late")
    refused = await client.post(
        f"{LOTTERIES}/{ref}/volunteers", json={"stratum": {"age_group": "old"}}, headers=late.headers
    )
    assert refused.status_code == 409
    drawn = await client.post(f"{LOTTERIES}/{ref}/draw", headers=staff)
    assert drawn.status_code == 200, drawn.text
    result = drawn.json()["result"]
    cells = {c["key"]: c for c in result["cells"]}
    assert sum(len(c["selected"]) for c in cells.values()) == len(result["selected"])
    assert cells["age_group=old;income_band=middle"]["shortfall"] == 1  # nobody of middle income volunteered
    assert result["shortfall"] == 2 and len(result["selected"]) == 4
    for cell in cells.values():
        assert len(cell["selected"]) == min(cell["quota"], cell["available"])
    again = await client.post(f"{LOTTERIES}/{ref}/draw", headers=staff)
    assert again.status_code == 409
    public = (await client.get(f"{PUBLIC}/{ref}")).json()
    assert public["status"] == "drawn" and public["result"] == result and len(public["volunteers"]) == 10
    # The seed is revealed with the result: the one committed to at the announcement.
    assert public["seed"] == result["seed"]
    assert hashlib.sha256(public["seed"].encode()).hexdigest() == draw["seed_commitment"]
    assert verify(
        parse_record((await client.get(f"{PUBLIC}/{ref}")).content), commitment=draw["seed_commitment"]
    ).matches


async def test_seating_the_selected_creates_lottery_seats_and_names_those_without_account(
    client: Client, world: World, db: AsyncSession, add_person: AddPerson
) -> None:
    draw = await _announce(client, world, dimensions={}, quotas=[{"stratum": {}, "seats": 6}])
    ref, staff = draw["reference"], world.headers["staff"]
    with_account = [await add_person(f"A{n}") for n in range(3)]
    without = [await add_person(f"B{n}", account=False) for n in range(2)]
    for person in with_account:
        await client.post(f"{LOTTERIES}/{ref}/volunteers", json={}, headers=person.headers)
    for person in without:
        await client.post(
            f"{LOTTERIES}/{ref}/volunteers", json={"member_code": person.member_code}, headers=staff
        )
    await client.post(
        f"{LOTTERIES}/{ref}/volunteers", json={"user_email": "nobody@example.org"}, headers=staff
    )
    term = {"starts_on": "2027-03-01", "ends_on": "2028-02-29"}
    not_yet = await client.post(f"{LOTTERIES}/{ref}/seat", json=term, headers=staff)
    assert not_yet.status_code == 409
    await close_registration(db, ref)
    assert (await client.post(f"{LOTTERIES}/{ref}/draw", headers=staff)).status_code == 200
    seated = await client.post(f"{LOTTERIES}/{ref}/seat", json=term, headers=staff)
    assert seated.status_code == 200, seated.text
    report = seated.json()
    assert len(report["seated"]) == 4 and sorted(report["without_account"]) == ["V-0004", "V-0005"]
    seats = list(await db.scalars(select(CommitteeMembership)))
    assert {(s.source.value, s.source_ref) for s in seats} == {("lottery", ref)}
    assert {s.user_id for s in seats} == {*(p.user_id for p in with_account), world.user_ids["nobody"]}
    sitting = await client.get(
        "/api/v1/caisses/test/committee/members?on=2027-03-01", headers=with_account[0].headers
    )
    assert len(sitting.json()) == 4
    again = (await client.post(f"{LOTTERIES}/{ref}/seat", json=term, headers=staff)).json()
    assert again["seated"] == [] and len(again["skipped"]) == 4
    bad = await client.post(
        f"{LOTTERIES}/{ref}/seat", json={"starts_on": "2027-03-01", "ends_on": "2027-01-01"}, headers=staff
    )
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "ends_on"


async def test_a_cancelled_draw_takes_no_volunteer_and_is_never_drawn(
    client: Client, world: World, db: AsyncSession, member_household: int
) -> None:
    ref = (await _announce(client, world))["reference"]
    staff = world.headers["staff"]
    assert (
        await client.post(f"{LOTTERIES}/{ref}/cancel", json={"reason": " "}, headers=staff)
    ).status_code == 422
    assert (
        await client.post(f"{LOTTERIES}/{ref}/cancel", json={"reason": "trop\x00tard"}, headers=staff)
    ).status_code == 422
    cancelled = await client.post(
        f"{LOTTERIES}/{ref}/cancel", json={"reason": "Too few seats"}, headers=staff
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    volunteer = await client.post(
        f"{LOTTERIES}/{ref}/volunteers",
        json={"stratum": {"age_group": "old"}},
        headers=world.headers["member"],
    )
    assert volunteer.status_code == 409
    await close_registration(db, ref)
    assert (await client.post(f"{LOTTERIES}/{ref}/draw", headers=staff)).status_code == 409
    public = (await client.get(f"{PUBLIC}/{ref}")).json()
    assert public["cancelled_reason"] == "Too few seats"
    # Cancelled, the seed can steer nothing: it is revealed, matching the commitment.
    assert hashlib.sha256(public["seed"].encode()).hexdigest() == public["seed_commitment"]


async def test_a_draw_cannot_be_cancelled_once_registration_has_closed(
    client: Client, world: World, db: AsyncSession
) -> None:
    """Otherwise staff could cancel a draw whose pool they dislike and announce it again."""
    ref = (await _announce(client, world))["reference"]
    await close_registration(db, ref)
    refused = await client.post(
        f"{LOTTERIES}/{ref}/cancel",
        json={"reason": "Not the result we hoped"},
        headers=world.headers["staff"],
    )
    assert refused.status_code == 409 and "can no longer be cancelled" in refused.json()["detail"]
    public = (await client.get(f"{PUBLIC}/{ref}")).json()
    assert public["status"] == "announced" and public["seed"] is None
    assert (await client.post(f"{LOTTERIES}/{ref}/draw", headers=world.headers["staff"])).status_code == 200


async def test_staff_see_who_volunteered_and_the_read_is_logged(
    client: Client, world: World, db: AsyncSession, member_household: int
) -> None:
    ref = (await _announce(client, world))["reference"]
    await client.post(
        f"{LOTTERIES}/{ref}/volunteers",
        json={"stratum": {"age_group": "old"}},
        headers=world.headers["member"],
    )
    detail = await client.get(f"{LOTTERIES}/{ref}", headers=world.headers["admin"])
    assert detail.status_code == 200
    [volunteer] = detail.json()["volunteers"]
    assert volunteer["member_id"] == member_household and volunteer["user_id"] == world.user_ids["member"]
    assert await db.scalar(select(func.count()).where(AuditEvent.action == "lottery.read")) == 1
    listed = await client.get(LOTTERIES, headers=world.headers["staff"])
    assert [d["reference"] for d in listed.json()] == [ref]


@pytest.mark.parametrize("caller", ["committee", "official", "outlet", "member", "outsider", "nobody"])
async def test_only_staff_manage_draws(client: Client, world: World, db: AsyncSession, caller: str) -> None:
    ref = (await _announce(client, world))["reference"]
    calls = [
        ("POST", LOTTERIES, plan()),
        ("GET", LOTTERIES, None),
        ("GET", f"{LOTTERIES}/{ref}", None),
        ("POST", f"{LOTTERIES}/{ref}/draw", None),
        ("POST", f"{LOTTERIES}/{ref}/cancel", {"reason": "x"}),
        ("POST", f"{LOTTERIES}/{ref}/seat", {"starts_on": "2027-01-01", "ends_on": "2027-12-31"}),
    ]
    for method, url, body in calls:
        assert (await client.request(method, url, json=body)).status_code == 401
        denied = await client.request(method, url, json=body, headers=world.headers[caller])
        assert denied.status_code == 403, (method, url, denied.text)
    volunteer = await client.post(f"{LOTTERIES}/{ref}/volunteers", json={}, headers=world.headers[caller])
    # "member" holds no household here: a member role is needed, and it names a household.
    assert volunteer.status_code == 403


async def test_public_routes_answer_404_for_unknown_draws_and_caisses(client: Client, world: World) -> None:
    assert (await client.get(f"{PUBLIC}/TIRAGE-1999-01")).status_code == 404
    assert (await client.get("/api/v1/public/caisses/nowhere/lotteries")).status_code == 404
    assert (await client.get(f"{PUBLIC}/{'X' * 41}")).status_code == 400
    other = await client.get("/api/v1/public/caisses/other/lotteries")
    assert other.status_code == 200 and other.json() == []


async def test_a_draw_of_another_caisse_is_not_found_here(client: Client, world: World) -> None:
    ref = (await _announce(client, world))["reference"]
    response = await client.post(
        f"/api/v1/caisses/other/lotteries/{ref}/draw", headers=world.headers["outsider"]
    )
    assert response.status_code == 404
