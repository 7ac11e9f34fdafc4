"""A funder's grant agreement (convention de financement): recorded with the source or later,
replaced, cleared, checked with messages a person can act on, audit-logged; over the API with the
same checks (4xx, never 500) and the same roles as creating a source."""

from __future__ import annotations

import json

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import AuditEvent
from caisse.caisses.models import Caisse
from caisse.errors import NotFound, ValidationFailed
from caisse.money import (
    Agreement,
    agreement_of,
    clear_agreement,
    create_subsidy_source,
    list_subsidy_sources,
    set_agreement,
)
from caisse.money.models import SubsidySource
from tests.ledger_checks import MoneyWorld

Client = AsyncTestClient[Litestar]
BASE = "/api/v1/caisses/ssa"
DEPARTEMENT = Agreement(amount_cents=3_807_000, every_months=3, until="2027-12")


async def _caisse(db: AsyncSession, caisse_id: int) -> Caisse:
    caisse = await db.get(Caisse, caisse_id)
    assert caisse is not None
    return caisse


async def _agreement_events(db: AsyncSession, source_id: int) -> list[str]:
    events = await db.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == "subsidy_source", AuditEvent.subject_id == str(source_id))
        .order_by(AuditEvent.id)
    )
    return [f"{e.action} {json.loads(e.detail)['note']}" for e in events]


async def test_an_agreement_is_recorded_with_its_source_then_replaced_and_cleared(
    db: AsyncSession, money_caisse: MoneyWorld
) -> None:
    caisse = await _caisse(db, money_caisse.caisse_id)
    source = await create_subsidy_source(
        db, caisse, name="Département", kind="department", agreement=DEPARTEMENT
    )
    assert (source.agreed_amount_cents, source.agreed_every_months, source.agreed_until) == (
        3_807_000,
        3,
        "2027-12",
    )
    (listed,) = await list_subsidy_sources(db, caisse.id)
    assert agreement_of(listed.source) == DEPARTEMENT

    replaced = await set_agreement(db, caisse, source.id, amount_cents=1_200_000, every_months=12, until=None)
    assert agreement_of(replaced) == Agreement(1_200_000, 12, None)  # open-ended
    cleared = await clear_agreement(db, caisse, source.id)
    assert agreement_of(cleared) is None
    assert (cleared.agreed_amount_cents, cleared.agreed_every_months, cleared.agreed_until) == (
        None,
        None,
        None,
    )
    # Clearing again changes nothing and logs nothing.
    await clear_agreement(db, caisse, source.id)
    assert await _agreement_events(db, source.id) == [
        "subsidy_source.agreement set",
        "subsidy_source.agreement set",
        "subsidy_source.agreement cleared",
    ]


async def test_a_source_without_an_agreement_has_none(db: AsyncSession, money_caisse: MoneyWorld) -> None:
    caisse = await _caisse(db, money_caisse.caisse_id)
    source = await create_subsidy_source(db, caisse, name="Ville", kind="city")
    assert agreement_of(source) is None
    assert await _agreement_events(db, source.id) == []


@pytest.mark.parametrize(
    ("amount_cents", "every_months", "until", "message"),
    [
        (0, 3, None, "more than 0"),
        (-5, 3, None, "more than 0"),
        (10**12, 3, None, "a record may hold"),
        (100, 0, None, "every 1 to 120 months"),
        (100, 121, None, "every 1 to 120 months"),
        (100, True, None, "whole number of months"),
        (100, 3, "2027-13", "write it YYYY-MM"),
        (100, 3, "déc. 2027", "write it YYYY-MM"),
        (100, 3, "2025-12", "before the caisse's first month (2026-01)"),
    ],
)
async def test_a_bad_agreement_is_refused_saying_what_to_change(
    db: AsyncSession,
    money_caisse: MoneyWorld,
    amount_cents: int,
    every_months: int,
    until: str | None,
    message: str,
) -> None:
    caisse = await _caisse(db, money_caisse.caisse_id)
    source = await create_subsidy_source(db, caisse, name="Ville", kind="city", agreement=DEPARTEMENT)
    with pytest.raises(ValidationFailed, match=message.replace("(", r"\(").replace(")", r"\)")):
        await set_agreement(
            db, caisse, source.id, amount_cents=amount_cents, every_months=every_months, until=until
        )
    assert agreement_of(source) == DEPARTEMENT  # the one recorded is kept
    bad = Agreement(amount_cents, every_months, until)
    with pytest.raises(ValidationFailed, match=message.replace("(", r"\(").replace(")", r"\)")):
        await create_subsidy_source(db, caisse, name="Fondation", kind="foundation", agreement=bad)
    assert await db.scalar(select(SubsidySource).where(SubsidySource.name == "Fondation")) is None


async def test_another_caisses_source_is_not_found(db: AsyncSession, money_caisse: MoneyWorld) -> None:
    caisse = await _caisse(db, money_caisse.caisse_id)
    other = await _caisse(db, money_caisse.other_caisse_id)
    theirs = await create_subsidy_source(db, other, name="Ville", kind="city")
    with pytest.raises(NotFound):
        await set_agreement(db, caisse, theirs.id, amount_cents=100, every_months=1, until=None)
    with pytest.raises(NotFound):
        await clear_agreement(db, caisse, theirs.id)
    assert agreement_of(theirs) is None


async def test_agreements_over_http(client: Client, money_world: MoneyWorld) -> None:
    staff = money_world.headers["staff"]
    body = {
        "name": "Département",
        "kind": "department",
        "agreement": {"amount_cents": 3_807_000, "every_months": 3, "until": "2027-12"},
    }
    created = await client.post(f"{BASE}/subsidy-sources", json=body, headers=staff)
    assert created.status_code == 201, created.text
    source = created.json()
    assert source["agreement"] == {"amount_cents": 3_807_000, "every_months": 3, "until": "2027-12"}
    plain = await client.post(
        f"{BASE}/subsidy-sources", json={"name": "Ville", "kind": "city"}, headers=staff
    )
    assert plain.status_code == 201 and plain.json()["agreement"] is None

    path = f"{BASE}/subsidy-sources/{source['id']}/agreement"
    replaced = await client.put(path, json={"amount_cents": 500_000, "every_months": 12}, headers=staff)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["agreement"] == {"amount_cents": 500_000, "every_months": 12, "until": None}
    assert replaced.json()["name"] == "Département" and replaced.json()["received_cents"] == 0
    listed = (await client.get(f"{BASE}/subsidy-sources", headers=staff)).json()
    assert {s["name"]: s["agreement"] for s in listed} == {
        "Département": {"amount_cents": 500_000, "every_months": 12, "until": None},
        "Ville": None,
    }
    for _ in range(2):  # clearing twice answers the same
        cleared = await client.delete(path, headers=staff)
        assert cleared.status_code == 200 and cleared.json()["agreement"] is None, cleared.text


@pytest.mark.parametrize(
    ("agreement", "status", "detail"),
    [
        ({"amount_cents": 0, "every_months": 3}, 400, "amount_cents"),
        ({"amount_cents": 100, "every_months": 0}, 400, "every_months"),
        ({"amount_cents": 100, "every_months": 121}, 400, "every_months"),
        ({"amount_cents": 100, "every_months": "trois"}, 400, "every_months"),
        ({"amount_cents": 100}, 400, "every_months"),
        ({"every_months": 3}, 400, "amount_cents"),
        ({"amount_cents": 100, "every_months": 3, "until": "2027"}, 400, "until"),
        ({"amount_cents": 100, "every_months": 3, "until": "2027-13"}, 422, "YYYY-MM"),
        ({"amount_cents": 100, "every_months": 3, "until": "2025-06"}, 422, "first month"),
        ({"amount_cents": 100, "every_months": 3, "start": "2026-01"}, 400, "start"),
        ({"amount_cents": 10**30, "every_months": 3}, 400, "amount_cents"),
    ],
)
async def test_a_bad_agreement_is_a_4xx_naming_the_field(
    client: Client, money_world: MoneyWorld, agreement: dict[str, object], status: int, detail: str
) -> None:
    staff = money_world.headers["staff"]
    body = {"name": "Département", "kind": "department", "agreement": agreement}
    refused = await client.post(f"{BASE}/subsidy-sources", json=body, headers=staff)
    assert refused.status_code == status and detail in refused.json()["detail"], refused.text
    created = await client.post(f"{BASE}/subsidy-sources", json={**body, "agreement": None}, headers=staff)
    assert created.status_code == 201, created.text  # nothing was written by the refusal
    path = f"{BASE}/subsidy-sources/{created.json()['id']}/agreement"
    refused = await client.put(path, json=agreement, headers=staff)
    assert refused.status_code == status and detail in refused.json()["detail"], refused.text


@pytest.mark.parametrize("source_id", ["999999", "0", str(2**63)])
async def test_an_unknown_source_is_404_or_400(
    client: Client, money_world: MoneyWorld, source_id: str
) -> None:
    staff = money_world.headers["staff"]
    path = f"{BASE}/subsidy-sources/{source_id}/agreement"
    put = await client.put(path, json={"amount_cents": 100, "every_months": 1}, headers=staff)
    deleted = await client.delete(path, headers=staff)
    expected = 404 if source_id == "999999" else 400
    assert (put.status_code, deleted.status_code) == (expected, expected), (put.text, deleted.text)


@pytest.mark.parametrize("who", ["official", "committee", "outlet", "outsider", "nobody"])
async def test_only_staff_set_or_clear_an_agreement(
    client: Client, db: AsyncSession, money_world: MoneyWorld, who: str
) -> None:
    staff = money_world.headers["staff"]
    body = {"name": "Ville", "kind": "city", "agreement": {"amount_cents": 100, "every_months": 1}}
    source_id = (await client.post(f"{BASE}/subsidy-sources", json=body, headers=staff)).json()["id"]
    path = f"{BASE}/subsidy-sources/{source_id}/agreement"
    headers = money_world.headers[who]
    assert (
        await client.put(path, json={"amount_cents": 5, "every_months": 2}, headers=headers)
    ).status_code == 403
    assert (await client.delete(path, headers=headers)).status_code == 403
    assert (await client.delete(path)).status_code == 401
    admin = await client.put(
        path, json={"amount_cents": 5, "every_months": 2}, headers=money_world.headers["admin"]
    )
    assert admin.status_code == 200 and admin.json()["agreement"]["amount_cents"] == 5
