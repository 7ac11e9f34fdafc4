"""Admins change a caisse's settings: ballot defaults, refund window, the caisse's bank account."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import AuditEvent
from caisse.ballots.rules import fraction_problems
from caisse.caisses.limits import MAX_CONVENTION_TERM_MONTHS, qualified_fraction_problems
from caisse.caisses.models import Caisse, DecisionRule
from caisse.outlets.conventioning import MAX_TERM_MONTHS
from tests.conftest import World

URL = "/api/v1/caisses/test"
IBAN = "FR76 3000 6000 0112 3456 7890 189"


async def _caisse(db: AsyncSession, world: World) -> Caisse:
    caisse = await db.get(Caisse, world.caisse_id, populate_existing=True)
    assert caisse is not None
    return caisse


async def test_new_caisse_has_the_documented_defaults(
    world: World, client: AsyncTestClient[Litestar]
) -> None:
    body = (await client.get(URL, headers=world.headers["staff"])).json()
    assert body["convention_term_months"] == 12
    assert body["ballot_quorum_percent"] == 50 and body["ballot_decision_rule"] == "simple_majority"
    assert (body["ballot_qualified_numerator"], body["ballot_qualified_denominator"]) == (2, 3)
    assert body["ballot_open_days"] == 7 and body["refund_window_days"] == 14
    assert body["bank_iban"] is None


async def test_admin_changes_settings_and_the_change_is_audited(
    world: World, client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    change = {
        "ballot_decision_rule": "qualified_majority",
        "ballot_qualified_numerator": 3,
        "ballot_qualified_denominator": 5,
        "refund_window_days": 7,
        "bank_account_name": "  Caisse alimentaire test ",
        "bank_iban": IBAN,
        "bank_bic": "agrifrpp",
    }
    response = await client.patch(URL, json=change, headers=world.headers["admin"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["bank_iban"] == IBAN.replace(" ", "") and body["bank_bic"] == "AGRIFRPP"
    assert body["bank_account_name"] == "Caisse alimentaire test"
    caisse = await _caisse(db, world)
    assert caisse.ballot_decision_rule is DecisionRule.QUALIFIED_MAJORITY
    assert (caisse.ballot_qualified_numerator, caisse.ballot_qualified_denominator) == (3, 5)
    assert caisse.refund_window_days == 7 and caisse.ballot_open_days == 7  # untouched fields stay
    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "caisse.settings"))
    assert event is not None and "bank_iban" in event.detail


async def test_bank_details_can_be_cleared(world: World, client: AsyncTestClient[Litestar]) -> None:
    admin = world.headers["admin"]
    await client.patch(URL, json={"bank_iban": IBAN}, headers=admin)
    response = await client.patch(URL, json={"bank_iban": None}, headers=admin)
    assert response.status_code == 200 and response.json()["bank_iban"] is None


async def test_bad_settings_are_refused_field_by_field_and_change_nothing(
    world: World, client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    admin = world.headers["admin"]
    response = await client.patch(
        URL,
        json={"bank_iban": "FR76 0000", "ballot_qualified_numerator": 1, "refund_window_days": 3},
        headers=admin,
    )
    assert response.status_code == 422
    fields = {p["field"] for p in response.json()["problems"]}
    assert fields == {"bank_iban", "ballot_qualified_numerator"}
    assert "simple majority" in response.json()["detail"]
    assert (await _caisse(db, world)).refund_window_days == 14
    for bad in ({"ballot_quorum_percent": 101}, {"refund_window_days": -1}, {"colour": "red"}, {"name": ""}):
        response = await client.patch(URL, json=bad, headers=admin)
        assert 400 <= response.status_code < 500, (bad, response.text)


async def test_only_admins_change_settings(world: World, client: AsyncTestClient[Litestar]) -> None:
    for role in ("staff", "committee", "official", "outlet", "outsider"):
        response = await client.patch(URL, json={"ballot_open_days": 3}, headers=world.headers[role])
        assert response.status_code == 403, role
    assert (await client.patch(URL, json={"ballot_open_days": 3})).status_code == 401


@pytest.mark.parametrize("field", ["name", "territory", "bank_account_name"])
async def test_control_characters_in_a_text_setting_are_a_422_naming_it(
    world: World, client: AsyncTestClient[Litestar], db: AsyncSession, field: str
) -> None:
    response = await client.patch(URL, json={field: "Caisse\x00test"}, headers=world.headers["admin"])
    assert response.status_code == 422, response.text
    assert [p["field"] for p in response.json()["problems"]] == [field]
    assert "\x00" not in (getattr(await _caisse(db, world), field) or "")


@pytest.mark.parametrize(
    ("numerator", "denominator"), [(2, 3), (3, 5), (60, 100), (1, 2), (50, 100), (99, 100)]
)
async def test_the_qualified_majority_setting_and_a_ballot_accept_the_same_fractions(
    world: World, client: AsyncTestClient[Litestar], numerator: int, denominator: int
) -> None:
    """One rule for both: above one half, below one, a denominator of at most 100."""
    expected = fraction_problems(numerator, denominator)
    change = {"ballot_qualified_numerator": numerator, "ballot_qualified_denominator": denominator}
    setting = await client.patch(URL, json=change, headers=world.headers["admin"])
    assert setting.status_code == (422 if expected else 200), setting.text
    if expected:
        assert setting.json()["problems"] == [{**expected[0], "field": "ballot_qualified_numerator"}]


async def test_a_ballot_fraction_over_the_settings_bound_is_refused(
    world: World, client: AsyncTestClient[Litestar]
) -> None:
    """600/1000 used to be a valid ballot fraction while the setting stopped at 100."""
    assert fraction_problems(600, 1000) and fraction_problems(600, 1000) == qualified_fraction_problems(
        600, 1000
    )
    too_fine = {"ballot_qualified_numerator": 600, "ballot_qualified_denominator": 1000}
    assert (await client.patch(URL, json=too_fine, headers=world.headers["admin"])).status_code == 400


async def test_one_longest_convention_term_for_the_setting_and_the_decisions(
    world: World, client: AsyncTestClient[Litestar]
) -> None:
    assert MAX_TERM_MONTHS == MAX_CONVENTION_TERM_MONTHS
    admin = world.headers["admin"]
    longest = {"convention_term_months": MAX_CONVENTION_TERM_MONTHS}
    assert (await client.patch(URL, json=longest, headers=admin)).status_code == 200
    too_long = {"convention_term_months": MAX_CONVENTION_TERM_MONTHS + 1}
    assert (await client.patch(URL, json=too_long, headers=admin)).status_code == 400
    decision = {"decision": "convene", "effective_on": "2027-01-01", "months": MAX_CONVENTION_TERM_MONTHS + 1}
    refused = await client.post(f"{URL}/outlets/1/decisions", json=decision, headers=admin)
    assert refused.status_code == 400 and "months" in refused.json()["detail"]
