"""Subsidies by source, operating costs, the opening reserve and arrears."""

from __future__ import annotations

import json
from datetime import date

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import AuditEvent
from caisse.caisses.models import Caisse
from caisse.errors import Conflict, NotFound
from caisse.ledger import AccountKind, JournalEntry, LedgerAccount
from caisse.money import create_subsidy_source, list_arrears, record_contribution_payment, record_subsidy
from caisse.settings import Settings
from tests.ledger_checks import MoneyWorld, assert_ledger_ok, invoke_cli, post_dues

Client = AsyncTestClient[Litestar]
BASE = "/api/v1/caisses/ssa"
TODAY = date(2026, 11, 23)


async def _entries(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(JournalEntry)) or 0)


async def test_each_subsidy_source_has_its_own_account(db: AsyncSession, money_caisse: MoneyWorld) -> None:
    caisse = await db.get(Caisse, money_caisse.caisse_id)
    assert caisse is not None
    source = await create_subsidy_source(db, caisse, name="Fondation Carasso", kind="foundation")
    account = await db.scalar(select(LedgerAccount).where(LedgerAccount.subsidy_source_id == source.id))
    assert (
        account is not None and account.kind is AccountKind.SUBSIDY and account.code == f"subsidy:{source.id}"
    )
    with pytest.raises(Conflict):
        await create_subsidy_source(db, caisse, name="Fondation Carasso", kind="foundation")
    await db.rollback()
    caisse = await db.get(Caisse, money_caisse.caisse_id)
    assert caisse is not None
    with pytest.raises(NotFound):
        await record_subsidy(
            db, caisse, source="Nobody", amount_cents=100, received_on=date(2026, 2, 1), today=TODAY
        )


async def test_subsidies_costs_and_reserve_over_http(
    client: Client, db: AsyncSession, money_world: MoneyWorld
) -> None:
    headers = money_world.headers["staff"]
    created = await client.post(
        f"{BASE}/subsidy-sources", json={"name": "Ville", "kind": "city"}, headers=headers
    )
    assert created.status_code == 201, created.text
    source_id = created.json()["id"]
    duplicate = await client.post(
        f"{BASE}/subsidy-sources", json={"name": "Ville", "kind": "city"}, headers=headers
    )
    assert duplicate.status_code == 409
    bad_kind = await client.post(
        f"{BASE}/subsidy-sources", json={"name": "X", "kind": "lottery"}, headers=headers
    )
    assert bad_kind.status_code == 400

    keyed = {**headers, "Idempotency-Key": "virement-2026-02"}
    subsidy = {
        "source_id": source_id,
        "amount_cents": 500000,
        "received_on": "2026-02-03",
        "reference": "CM 12",
    }
    first = await client.post(f"{BASE}/subsidies", json=subsidy, headers=keyed)
    second = await client.post(f"{BASE}/subsidies", json=subsidy, headers=keyed)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"] and first.json()["source"] == "Ville"
    unknown = await client.post(f"{BASE}/subsidies", json={**subsidy, "source_id": 999}, headers=headers)
    assert unknown.status_code == 404

    cost = {"category": "salaires", "amount_cents": 180000, "paid_on": "2026-02-28"}
    assert (await client.post(f"{BASE}/costs", json=cost, headers=headers)).status_code == 201
    assert (
        await client.post(f"{BASE}/costs", json={**cost, "category": ""}, headers=headers)
    ).status_code == 400
    assert (
        await client.post(f"{BASE}/costs", json={**cost, "amount_cents": 0}, headers=headers)
    ).status_code == 400

    reserve = {"amount_cents": 2000000, "received_on": "2026-01-02", "memo": "Dons de lancement"}
    assert (await client.post(f"{BASE}/opening-reserve", json=reserve, headers=headers)).status_code == 201
    again = await client.post(f"{BASE}/opening-reserve", json=reserve, headers=headers)
    assert again.status_code == 409 and "already" in again.json()["detail"]

    sources = (await client.get(f"{BASE}/subsidy-sources", headers=headers)).json()
    assert sources == [
        {
            "id": source_id,
            "name": "Ville",
            "kind": "city",
            "account_code": f"subsidy:{source_id}",
            "received_cents": 500000,
            "agreement": None,
        }
    ]
    subsidies = (
        await client.get(f"{BASE}/subsidies", params={"source_id": source_id}, headers=headers)
    ).json()
    assert subsidies["total"] == 1 and subsidies["items"][0]["reference"] == "CM 12"
    costs = (await client.get(f"{BASE}/costs", headers=headers)).json()
    assert [c["amount_cents"] for c in costs["items"]] == [180000]
    assert await _entries(db) == 3
    await assert_ledger_ok(db)


@pytest.mark.parametrize("source_id", [10**30, 2**63, 0, -1])
async def test_source_ids_out_of_range_are_400_not_500(
    client: Client, db: AsyncSession, money_world: MoneyWorld, source_id: int
) -> None:
    headers = money_world.headers["staff"]
    listed = await client.get(f"{BASE}/subsidies", params={"source_id": source_id}, headers=headers)
    assert listed.status_code == 400 and "source_id" in listed.json()["detail"], listed.text
    body = {"source_id": source_id, "amount_cents": 100, "received_on": "2026-02-03"}
    recorded = await client.post(f"{BASE}/subsidies", json=body, headers=headers)
    assert recorded.status_code == 400 and "source_id" in recorded.json()["detail"], recorded.text
    assert await _entries(db) == 0


@pytest.mark.parametrize("who", ["official", "committee", "outsider", "nobody"])
async def test_money_routes_are_staff_only(client: Client, money_world: MoneyWorld, who: str) -> None:
    headers = money_world.headers[who]
    for path in ("/subsidy-sources", "/subsidies", "/costs", "/arrears"):
        assert (await client.get(BASE + path, headers=headers)).status_code == 403, path
    body = {"amount_cents": 100, "received_on": "2026-01-02"}
    assert (await client.post(f"{BASE}/opening-reserve", json=body, headers=headers)).status_code == 403
    assert (await client.get(f"{BASE}/arrears")).status_code == 401


async def test_arrears_list_who_owes_which_months(
    client: Client, db: AsyncSession, money_world: MoneyWorld
) -> None:
    mw = money_world
    sa1, sa2 = mw.members["SA-1"], mw.members["SA-2"]
    for month in ("2026-01", "2026-02", "2026-03"):
        await post_dues(db, mw.caisse_id, month, {sa1: 3000, sa2: 2000})
    caisse = await db.get(Caisse, mw.caisse_id)
    assert caisse is not None
    # SA-1 paid January and half of February: February (partly) and March are unpaid.
    await record_contribution_payment(
        db,
        caisse,
        member="SA-1",
        amount_cents=4500,
        method="cash",
        received_on=date(2026, 2, 10),
        today=TODAY,
    )
    # SA-2 paid everything.
    await record_contribution_payment(
        db,
        caisse,
        member="SA-2",
        amount_cents=6000,
        method="cash",
        received_on=date(2026, 3, 10),
        today=TODAY,
    )
    await db.commit()
    found = await list_arrears(db, mw.caisse_id, actor=None)
    await db.commit()
    assert [(a.member_code, a.owed_cents, a.months) for a in found] == [
        ("SA-1", 4500, ["2026-02", "2026-03"])
    ]

    response = await client.get(f"{BASE}/arrears", headers=mw.headers["staff"])
    assert response.status_code == 200
    body = response.json()
    assert body["total_cents"] == 4500 and body["households"] == 1
    assert body["members"][0]["member_code"] == "SA-1" and body["members"][0]["months"] == [
        "2026-02",
        "2026-03",
    ]
    # Each listing is logged once, by the service, for each household listed (None: the service
    # called directly, as the command line does).
    audited = (
        await db.execute(
            select(AuditEvent.actor_user_id, AuditEvent.subject_id)
            .where(AuditEvent.action == "member.arrears")
            .order_by(AuditEvent.id)
        )
    ).all()
    assert [tuple(row) for row in audited] == [(None, str(sa1)), (mw.user_ids["staff"], str(sa1))]
    await assert_ledger_ok(db)


async def test_cli_records_subsidies_costs_and_lists_arrears(
    db: AsyncSession, settings: Settings, money_caisse: MoneyWorld
) -> None:
    await post_dues(db, money_caisse.caisse_id, "2026-01", {money_caisse.members["SA-2"]: 2500})
    await db.commit()
    ssa = ("--caisse", "ssa")
    first = await invoke_cli(
        settings,
        "money",
        "subsidy",
        *ssa,
        "--source",
        "CAF de l'Ariège",
        "--kind",
        "social_security",
        "--amount",
        "1500",
        "--date",
        "2026-01-15",
    )
    assert first.exit_code == 0, first.output
    assert "1 500.00 €" in first.output
    second = await invoke_cli(
        settings,
        "money",
        "subsidy",
        *ssa,
        "--source",
        "CAF de l'Ariège",
        "--amount",
        "250.50",
        "--date",
        "2026-02-15",
        "--json",
    )
    assert second.exit_code == 0 and json.loads(second.stdout)["amount_cents"] == 25050
    unknown = await invoke_cli(
        settings, "money", "subsidy", *ssa, "--source", "Mairie", "--amount", "1", "--date", "2026-02-15"
    )
    assert unknown.exit_code == 1 and "--kind" in unknown.output
    cost = await invoke_cli(
        settings, "money", "cost", *ssa, "--category", "loyer", "--amount", "450", "--date", "2026-01-31"
    )
    assert cost.exit_code == 0, cost.output
    reserve = await invoke_cli(
        settings, "money", "opening-reserve", *ssa, "--amount", "10000", "--date", "2026-01-01"
    )
    assert reserve.exit_code == 0, reserve.output
    twice = await invoke_cli(
        settings, "money", "opening-reserve", *ssa, "--amount", "1", "--date", "2026-01-01"
    )
    assert twice.exit_code == 1
    arrears = await invoke_cli(settings, "money", "arrears", *ssa, "--json")
    assert arrears.exit_code == 0, arrears.output
    assert json.loads(arrears.stdout)["members"][0]["months"] == ["2026-01"]
    text = await invoke_cli(settings, "money", "arrears", *ssa)
    assert "SA-2" in text.output and "25.00 €" in text.output
    await assert_ledger_ok(db)
