"""Registering households through the API: codes in sequence, ledger accounts, input refused cleanly."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.caisses.service import create_caisse_with_preset
from caisse.errors import ValidationFailed
from caisse.ledger import AccountKind, LedgerAccount
from caisse.members.models import Member, MemberStatus, MemberStatusChange
from caisse.members.registration import create_member, create_members
from caisse.members.service import update_member
from caisse.periods import caisse_today
from tests.integration.members.helpers import BASE, DECLARED, AddMember, household_payload, row_counts


async def test_households_get_sequential_codes_per_caisse(client: AsyncTestClient, world: Any) -> None:
    codes = []
    for n in range(3):
        payload = household_payload(email=f"h{n}@example.org")
        response = await client.post(f"{BASE}/members", json=payload, headers=world.headers["staff"])
        assert response.status_code == 201, response.text
        codes.append(response.json()["code"])
    assert codes == ["T-000001", "T-000002", "T-000003"]
    other = await client.post(
        "/api/v1/caisses/other/members", json=household_payload(), headers=world.headers["outsider"]
    )
    assert other.status_code == 201 and other.json()["code"] == "O-000001"


async def test_a_new_household_is_returned_with_its_details_in_cents(
    client: AsyncTestClient, world: Any
) -> None:
    response = await client.post(f"{BASE}/members", json=household_payload(), headers=world.headers["staff"])
    body = response.json()
    assert body["monthly_income_cents"] == 123456
    assert body["persons"] == 3 and body["consumption_units"] == pytest.approx(1.8)
    assert body["status"] == "applicant" and body["applied_on"] == caisse_today().isoformat()
    assert [(h["from_status"], h["to_status"]) for h in body["history"]] == [(None, "applicant")]


async def test_income_given_as_a_json_number_is_converted_exactly(
    client: AsyncTestClient, world: Any
) -> None:
    response = await client.post(
        f"{BASE}/members", content=_json_with_number("1234.56"), headers=_json(world.headers["staff"])
    )
    assert response.status_code == 201 and response.json()["monthly_income_cents"] == 123456


async def test_a_new_household_gets_a_wallet_and_a_receivable(
    client: AsyncTestClient, world: Any, db: AsyncSession
) -> None:
    response = await client.post(f"{BASE}/members", json=household_payload(), headers=world.headers["staff"])
    member_id = await db.scalar(select(Member.id).where(Member.code == response.json()["code"]))
    kinds = set(await db.scalars(select(LedgerAccount.kind).where(LedgerAccount.member_id == member_id)))
    assert kinds == {AccountKind.WALLET, AccountKind.RECEIVABLE}


async def test_a_household_may_be_registered_active_from_a_date(client: AsyncTestClient, world: Any) -> None:
    payload = household_payload(status="active", applied_on="2026-01-10", activated_on="2026-02-01")
    response = await client.post(f"{BASE}/members", json=payload, headers=world.headers["staff"])
    body = response.json()
    assert body["status"] == "active" and body["activated_on"] == "2026-02-01"
    assert [(h["to_status"], h["effective_on"]) for h in body["history"]] == [
        ("applicant", "2026-01-10"), ("active", "2026-02-01")
    ]


INVALID: list[tuple[dict[str, Any], str]] = [
    ({"monthly_income": "-10"}, "monthly_income"),
    ({"monthly_income": "12.345"}, "monthly_income"),
    ({"adults": 0}, "adults"),
    ({"children_under_14": -1}, "children_under_14"),
    ({"income_declared_on": (caisse_today() + timedelta(days=1)).isoformat()}, "income_declared_on"),
    ({"reference_person": "  "}, "reference_person"),
    ({"email": "awa-at-example.org"}, "email"),
    ({"status": "active", "applied_on": "2026-03-01", "activated_on": "2026-02-01"}, "activated_on"),
    ({"income_declared_on": "0001-01-01"}, "income_declared_on"),
    ({"applied_on": "1899-12-31"}, "applied_on"),
    ({"status": "active", "activated_on": "0001-01-01"}, "activated_on"),
    ({"status": "suspended", "activated_on": "2026-01-01", "suspended_on": "0001-01-01"}, "suspended_on"),
    ({"status": "left", "left_on": "0001-01-01"}, "left_on"),
]


async def test_invalid_households_are_refused_and_change_nothing(
    client: AsyncTestClient, world: Any, db: AsyncSession
) -> None:
    before = await row_counts(db)
    for change, field in INVALID:
        response = await client.post(
            f"{BASE}/members", json=household_payload(**change), headers=world.headers["staff"]
        )
        assert response.status_code == 422, (change, response.text)
        body = response.json()
        assert body["error"] == "invalid" and field in body["detail"]
        assert [p["field"] for p in body["problems"]] == [field], change
    assert await row_counts(db) == before


async def test_dates_before_1900_are_refused_with_a_clear_message(
    client: AsyncTestClient, world: Any, db: AsyncSession, add_member: AddMember, test_caisse: Caisse
) -> None:
    staff = world.headers["staff"]
    created = await client.post(
        f"{BASE}/members", json=household_payload(income_declared_on="0001-01-01"), headers=staff
    )
    assert created.status_code == 422
    implausible = "0001-01-01 is not a plausible date; dates start at 1900-01-01"
    assert created.json()["problems"] == [{"field": "income_declared_on", "message": implausible}]
    member = await add_member(test_caisse, "Foyer")
    changed = await client.patch(
        f"{BASE}/members/{member.code}", json={"income_declared_on": "0001-01-01"}, headers=staff
    )
    assert changed.status_code == 422 and "0001-01-01 is not a plausible date" in changed.json()["detail"]
    await db.refresh(member)
    assert member.income_declared_on == DECLARED


async def test_every_bad_field_is_reported_at_once(client: AsyncTestClient, world: Any) -> None:
    payload = household_payload(adults=0, monthly_income="-1", email="nope")
    response = await client.post(f"{BASE}/members", json=payload, headers=world.headers["staff"])
    assert sorted(p["field"] for p in response.json()["problems"]) == ["adults", "email", "monthly_income"]


MALFORMED = [
    b'{"reference_person": "Awa", ',
    b"not json",
    b'{"reference_person": "Awa", "adults": "two"}',
    b'{"reference_person": "Awa", "monthly_income": "1 234,56", "income_declared_on": "2026-01-15"}',
    b'{"reference_person": "Awa", "monthly_income": 1, "income_declared_on": "2026-01-15", "shoe_size": 42}',
]


async def test_malformed_json_is_a_400_and_changes_nothing(
    client: AsyncTestClient, world: Any, db: AsyncSession
) -> None:
    before = await row_counts(db)
    for body in MALFORMED:
        response = await client.post(f"{BASE}/members", content=body, headers=_json(world.headers["staff"]))
        assert response.status_code == 400, (body, response.text)
        assert response.json()["error"] in {"invalid", "bad_request"}
    assert await row_counts(db) == before


async def test_an_email_already_used_in_the_caisse_is_a_conflict(
    client: AsyncTestClient, world: Any, db: AsyncSession
) -> None:
    first = await client.post(f"{BASE}/members", json=household_payload(), headers=world.headers["staff"])
    assert first.status_code == 201
    before = await row_counts(db)
    again = await client.post(
        f"{BASE}/members", json=household_payload(email="AWA@example.org"), headers=world.headers["staff"]
    )
    assert again.status_code == 409 and "T-000001" in again.json()["detail"]
    assert await row_counts(db) == before


async def test_a_chosen_contribution_is_refused_where_the_grid_sets_it(
    client: AsyncTestClient, world: Any, db: AsyncSession
) -> None:
    before = await row_counts(db)
    response = await client.post(
        f"{BASE}/members", json=household_payload(chosen_contribution="20"), headers=world.headers["staff"]
    )
    assert response.status_code == 422
    assert "members do not choose an amount" in response.json()["detail"]
    assert await row_counts(db) == before


@pytest.fixture
async def self_determined(db: AsyncSession, world: Any) -> Caisse:
    # Gironde: at least 10 € plus 5 € per person beyond the first.
    caisse = await create_caisse_with_preset(
        db, slug="gironde", name="Gironde", first_month="2027-01", preset="gironde", member_code_prefix="G"
    )
    await db.commit()
    return caisse


async def test_a_chosen_contribution_is_checked_against_the_grid_in_force(
    db: AsyncSession, self_determined: Caisse
) -> None:
    values: dict[str, Any] = {
        "monthly_income_cents": 150_000, "income_declared_on": DECLARED, "adults": 2, "children_under_14": 1,
    }
    with pytest.raises(ValidationFailed, match=r"at least 20\.00 € per month for a household of 3 persons"):
        await create_member(
            db, self_determined, reference_person="Low", chosen_contribution_cents=1999, **values
        )
    member = await create_member(
        db, self_determined, reference_person="Fine", chosen_contribution_cents=2000, **values
    )
    assert member.chosen_contribution_cents == 2000
    # A bigger household needs a bigger minimum: the choice on file is checked again.
    with pytest.raises(ValidationFailed, match=r"chosen_contribution: the contribution must be at least 25"):
        await update_member(db, self_determined, member, {"children_under_14": 2})


async def test_many_households_are_registered_in_one_go_or_not_at_all(
    db: AsyncSession, test_caisse: Caisse
) -> None:
    good = {"reference_person": "A", "monthly_income_cents": 1, "income_declared_on": DECLARED}
    with pytest.raises(ValidationFailed) as caught:
        await create_members(db, test_caisse, [good, {**good, "adults": 0}, good])
    assert caught.value.problems == [{"item": 1, "field": "adults", "message": "must be at least 1, got 0"}]
    created = await create_members(db, test_caisse, [good, good, {**good, "status": MemberStatus.ACTIVE}])
    assert [c.code for c in created] == ["T-000001", "T-000002", "T-000003"]
    history = await db.scalars(
        select(MemberStatusChange.to_status).where(MemberStatusChange.member_id == created[2].id)
    )
    assert list(history) == [MemberStatus.APPLICANT, MemberStatus.ACTIVE]


async def test_registering_from_code_adds_to_the_sequence(add_member: AddMember, test_caisse: Caisse) -> None:
    first = await add_member(test_caisse, "Un")
    second = await add_member(test_caisse, "Deux")
    assert (first.code, second.code) == ("T-000001", "T-000002")


def _json(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Content-Type": "application/json"}


def _json_with_number(number: str) -> bytes:
    return (
        '{"reference_person": "Awa", "monthly_income": ' + number + ', "income_declared_on": "2026-01-15"}'
    ).encode()
