"""The status machine over HTTP: dated moves, refused moves named, history and date columns kept."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.periods import caisse_today
from tests.integration.members.helpers import BASE, AddMember, row_counts


async def move(client: AsyncTestClient, world: Any, code: str, to: str, on: str, reason: str = "") -> Any:
    return await client.post(
        f"{BASE}/members/{code}/status",
        json={"to": to, "effective_on": on, "reason": reason},
        headers=world.headers["staff"],
    )


async def test_a_household_goes_through_its_life_with_dated_history(
    client: AsyncTestClient, world: Any, add_member: AddMember, test_caisse: Caisse
) -> None:
    member = await add_member(test_caisse, applied_on=date(2026, 1, 5))
    steps = [
        ("active", "2026-02-01", "admitted by the committee"),
        ("suspended", "2026-05-01", "unpaid contributions"),
        ("active", "2026-06-01", "paid up"),
        ("left", "2026-09-30", "moved away"),
    ]
    body: dict[str, Any] = {}
    for to, on, reason in steps:
        response = await move(client, world, member.code, to, on, reason)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == to
    assert (body["activated_on"], body["suspended_on"], body["left_on"]) == ("2026-02-01", None, "2026-09-30")
    assert [(h["from_status"], h["to_status"], h["effective_on"], h["reason"]) for h in body["history"]] == [
        (None, "applicant", "2026-01-05", "registered"),
        ("applicant", "active", "2026-02-01", "admitted by the committee"),
        ("active", "suspended", "2026-05-01", "unpaid contributions"),
        ("suspended", "active", "2026-06-01", "paid up"),
        ("active", "left", "2026-09-30", "moved away"),
    ]


async def test_an_applicant_may_withdraw(
    client: AsyncTestClient, world: Any, add_member: AddMember, test_caisse: Caisse
) -> None:
    member = await add_member(test_caisse, applied_on=date(2026, 1, 5))
    response = await move(client, world, member.code, "left", "2026-01-20", "changed their mind")
    assert response.status_code == 200 and response.json()["left_on"] == "2026-01-20"


async def test_moves_outside_the_machine_are_conflicts_naming_the_allowed_ones(
    client: AsyncTestClient, world: Any, add_member: AddMember, test_caisse: Caisse, db: AsyncSession
) -> None:
    applicant = await add_member(test_caisse, "Candidate", applied_on=date(2026, 1, 5))
    gone = await add_member(
        test_caisse, "Gone", applied_on=date(2026, 1, 5), status="left", left_on=date(2026, 2, 1)
    )
    before = await row_counts(db)
    refused = await move(client, world, applicant.code, "suspended", "2026-02-01")
    assert refused.status_code == 409
    assert refused.json()["error"] == "conflict" and "it can become: active, left" in refused.json()["detail"]
    back = await move(client, world, gone.code, "active", "2026-03-01")
    assert back.status_code == 409 and "leaving is final" in back.json()["detail"]
    same = await move(client, world, applicant.code, "applicant", "2026-03-01")
    assert same.status_code == 409 and "already applicant" in same.json()["detail"]
    assert await row_counts(db) == before


async def test_status_dates_are_checked(
    client: AsyncTestClient, world: Any, add_member: AddMember, test_caisse: Caisse, db: AsyncSession
) -> None:
    member = await add_member(test_caisse, applied_on=date(2026, 3, 1))
    before = await row_counts(db)
    tomorrow = (caisse_today() + timedelta(days=1)).isoformat()
    future = await move(client, world, member.code, "active", tomorrow)
    assert future.status_code == 422 and "in the future" in future.json()["detail"]
    earlier = await move(client, world, member.code, "active", "2026-02-01")
    assert earlier.status_code == 422
    assert "before the household's last status date" in earlier.json()["detail"]
    bad_status = await move(client, world, member.code, "retired", "2026-03-02")
    assert bad_status.status_code == 400
    unknown = await move(client, world, "T-999999", "active", "2026-03-02")
    assert unknown.status_code == 404
    assert await row_counts(db) == before


async def test_the_change_defaults_to_today(
    client: AsyncTestClient, world: Any, add_member: AddMember, test_caisse: Caisse
) -> None:
    member = await add_member(test_caisse, applied_on=date(2026, 3, 1))
    response = await client.post(
        f"{BASE}/members/{member.code}/status", json={"to": "active"}, headers=world.headers["staff"]
    )
    assert response.status_code == 200 and response.json()["activated_on"] == caisse_today().isoformat()
