"""The monthly report on a small month built by hand, against figures computed by hand."""

from __future__ import annotations

import json
from datetime import date

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse, RuleSet
from caisse.cycle.models import PeriodClose
from caisse.errors import ValidationFailed
from caisse.ledger.corrections import correct_by_reversal
from caisse.money import (
    create_subsidy_source,
    record_contribution_payment,
    record_opening_reserve,
    record_operating_cost,
    record_subsidy,
)
from caisse.reports import month_report
from caisse.settings import Settings
from tests.ledger_checks import (
    MoneyWorld,
    assert_ledger_ok,
    invoke_cli,
    post_allocations,
    post_dues,
    post_expiry,
)

Client = AsyncTestClient[Litestar]
URL = "/api/v1/caisses/ssa/reports/months"
TODAY = date(2026, 11, 23)


async def build_march(db: AsyncSession, mw: MoneyWorld) -> dict[str, int]:
    """January: opening reserve 1 000 €. February: 50 € from the foundation. March: see below.
    April: SA-2 pays 5 €. Returns the ids of a few entries."""
    caisse = await db.get(Caisse, mw.caisse_id)
    assert caisse is not None
    sa1, sa2 = mw.members["SA-1"], mw.members["SA-2"]
    city = await create_subsidy_source(db, caisse, name="Ville de Foix", kind="city")
    foundation = await create_subsidy_source(db, caisse, name="Fondation", kind="foundation")
    await record_opening_reserve(db, caisse, amount_cents=100000, received_on=date(2026, 1, 10), today=TODAY)
    await record_subsidy(
        db, caisse, source=foundation.id, amount_cents=5000, received_on=date(2026, 2, 14), today=TODAY
    )
    # March, booked for the month: due 30 € + 50 €, allocations 100 € each, 10 € of SA-1's credit expired.
    await post_dues(db, mw.caisse_id, "2026-03", {sa1: 3000, sa2: 5000})
    await post_allocations(db, mw.caisse_id, "2026-03", {sa1: 10000, sa2: 10000})
    await post_expiry(db, mw.caisse_id, "2026-03", {sa1: 1000})
    # March, cash: contributions 30 € + 20 €, subsidies 200 € + 150 €, costs 40 € (+ 7 € booked and reversed).
    await record_contribution_payment(
        db,
        caisse,
        member="SA-1",
        amount_cents=3000,
        method="transfer",
        received_on=date(2026, 3, 5),
        today=TODAY,
    )
    sa2_march = await record_contribution_payment(
        db,
        caisse,
        member="SA-2",
        amount_cents=2000,
        method="transfer",
        received_on=date(2026, 3, 20),
        today=TODAY,
    )
    await record_subsidy(
        db, caisse, source=city.id, amount_cents=20000, received_on=date(2026, 3, 2), today=TODAY
    )
    await record_subsidy(
        db, caisse, source=foundation.id, amount_cents=15000, received_on=date(2026, 3, 15), today=TODAY
    )
    await record_operating_cost(
        db, caisse, category="loyer", amount_cents=4000, paid_on=date(2026, 3, 31), today=TODAY
    )
    wrong = await record_operating_cost(
        db, caisse, category="erreur", amount_cents=700, paid_on=date(2026, 3, 10), today=TODAY
    )
    await correct_by_reversal(
        db,
        caisse_id=mw.caisse_id,
        entry_id=wrong.record.entry_id,
        reason="booked twice",
        occurred_on=date(2026, 3, 12),
        today=TODAY,
    )
    await record_contribution_payment(
        db,
        caisse,
        member="SA-2",
        amount_cents=500,
        method="transfer",
        received_on=date(2026, 4, 3),
        today=TODAY,
    )
    await db.commit()
    return {"city": city.id, "foundation": foundation.id, "sa2_march_payment": sa2_march.record.entry_id}


async def test_march_figures_match_the_hand_computed_ones(db: AsyncSession, money_caisse: MoneyWorld) -> None:
    ids = await build_march(db, money_caisse)
    caisse = await db.get(Caisse, money_caisse.caisse_id)
    assert caisse is not None
    march = await month_report(db, caisse, "2026-03")
    assert march.money_in.contributions_paid_cents == 5000
    assert [(s.source, s.kind, s.cents) for s in march.money_in.subsidies_by_source] == [
        ("Fondation", "foundation", 15000),
        ("Ville de Foix", "city", 20000),
    ]
    assert march.money_in.subsidies_by_source[1].source_id == ids["city"]
    assert march.money_in.subsidies_cents == 35000
    assert march.money_in.opening_reserve_cents == 0
    assert march.money_in.total_cents == 40000
    assert (march.money_out.costs_cents, march.money_out.redemptions_cents, march.money_out.total_cents) == (
        4000,
        0,
        4000,
    )
    assert march.net_flow_cents == 36000
    assert march.reserve_cents == 100000 + 5000 + 36000
    assert march.outstanding_credit_cents == (10000 - 1000) + 10000
    assert (march.contributions_due_cents, march.allocations_cents, march.expired_cents) == (
        8000,
        20000,
        1000,
    )
    assert (march.arrears_cents, march.prepaid_cents) == (3000, 0)
    assert march.self_financing_ratio == 0.4
    assert march.closed is False and march.withheld_cents is None

    february = await month_report(db, caisse, "2026-02")
    assert february.money_in.total_cents == 5000 and february.reserve_cents == 105000
    assert february.self_financing_ratio is None
    assert march.reserve_cents == february.reserve_cents + march.net_flow_cents

    april = await month_report(db, caisse, "2026-04")
    assert april.money_in.contributions_paid_cents == 500
    assert april.reserve_cents == march.reserve_cents + 500
    assert (april.arrears_cents, april.contributions_due_cents) == (2500, 0)
    assert april.outstanding_credit_cents == 19000
    await assert_ledger_ok(db)


async def test_a_reversal_counts_against_what_it_reverses_when_it_is_made(
    db: AsyncSession, money_caisse: MoneyWorld
) -> None:
    ids = await build_march(db, money_caisse)
    await correct_by_reversal(
        db,
        caisse_id=money_caisse.caisse_id,
        entry_id=ids["sa2_march_payment"],
        reason="transfer recalled",
        occurred_on=date(2026, 4, 10),
        today=TODAY,
    )
    await db.commit()
    caisse = await db.get(Caisse, money_caisse.caisse_id)
    assert caisse is not None
    march = await month_report(db, caisse, "2026-03")
    april = await month_report(db, caisse, "2026-04")
    assert march.money_in.contributions_paid_cents == 5000  # March stays as it was reported
    assert april.money_in.contributions_paid_cents == 500 - 2000
    assert april.arrears_cents == 2500 + 2000
    assert april.reserve_cents == march.reserve_cents + april.net_flow_cents
    await assert_ledger_ok(db)


async def test_closed_month_is_flagged_and_its_totals_verified(
    db: AsyncSession, money_caisse: MoneyWorld
) -> None:
    await build_march(db, money_caisse)
    rule_set_id = await db.scalar(select(RuleSet.id).where(RuleSet.caisse_id == money_caisse.caisse_id))
    db.add(
        PeriodClose(
            caisse_id=money_caisse.caisse_id,
            month="2026-03",
            rule_set_id=rule_set_id,
            households=2,
            contributions_due_cents=8000,
            allocations_cents=20000,
            withheld_cents=0,
            expired_cents=1000,
        )
    )
    await db.commit()
    caisse = await db.get(Caisse, money_caisse.caisse_id)
    assert caisse is not None
    report = await month_report(db, caisse, "2026-03")
    assert report.closed is True and report.withheld_cents == 0
    await assert_ledger_ok(db)


@pytest.mark.parametrize("month", ["2027-13", "June", "2026-3", "", "2025-12"])
async def test_bad_months_are_refused(db: AsyncSession, money_caisse: MoneyWorld, month: str) -> None:
    caisse = await db.get(Caisse, money_caisse.caisse_id)
    assert caisse is not None
    with pytest.raises(ValidationFailed):
        await month_report(db, caisse, month)


async def test_report_over_http_matches_the_command_line(
    client: Client, db: AsyncSession, settings: Settings, money_world: MoneyWorld
) -> None:
    await build_march(db, money_world)
    response = await client.get(f"{URL}/2026-03", headers=money_world.headers["official"])
    assert response.status_code == 200, response.text
    cli = await invoke_cli(settings, "report", "month", "2026-03", "--caisse", "ssa", "--json")
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.stdout) == response.json()
    assert response.json()["money_in"]["total_cents"] == 40000
    text = await invoke_cli(settings, "report", "month", "2026-03", "--caisse", "ssa")
    assert "Ville de Foix" in text.output and "400.00 €" in text.output

    months = (await client.get(URL, headers=money_world.headers["staff"])).json()
    assert [m["month"] for m in months] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    listed = await invoke_cli(settings, "report", "months", "--caisse", "ssa", "--json")
    assert json.loads(listed.stdout) == months


@pytest.mark.parametrize("month", ["2027-13", "June"])
async def test_bad_month_is_422_and_exit_1_with_the_format(
    client: Client, settings: Settings, money_world: MoneyWorld, month: str
) -> None:
    response = await client.get(f"{URL}/{month}", headers=money_world.headers["staff"])
    assert response.status_code == 422 and "YYYY-MM" in response.json()["detail"]
    cli = await invoke_cli(settings, "report", "month", month, "--caisse", "ssa", "--json")
    assert cli.exit_code == 1 and "YYYY-MM" in cli.output


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), ("nobody", 403), ("committee", 403), ("outlet", 403), ("outsider", 403), ("official", 200)],
)
async def test_who_reads_month_reports(
    client: Client, money_world: MoneyWorld, who: str | None, status: int
) -> None:
    headers = {} if who is None else money_world.headers[who]
    assert (await client.get(f"{URL}/2026-03", headers=headers)).status_code == status
    assert (await client.get(URL, headers=headers)).status_code == status
