"""Decisions recorded directly (`POST .../outlets/{id}/decisions`) never go around a ballot: only an
admin records a meeting's decision, naming its minutes, never while a ballot on the outlet is open,
never on an outlet they have a link to, at most 60 days ahead."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.outlets.models import Outlet, OutletStatus, OutletStatusChange
from caisse.periods import caisse_today
from tests.integration.ballots.ballot_helpers import declare_link, open_ballot, seat_committee
from tests.integration.outlets.helpers import AddOutlet

Client = AsyncTestClient[Litestar]
BASE = "/api/v1/caisses/test/outlets"


def _convene(**changes: Any) -> dict[str, Any]:
    return {
        "decision": "convene",
        "effective_on": caisse_today().isoformat(),
        "decision_ref": "CR comité du 14 mars",
        **changes,
    }


async def _status(db: AsyncSession, outlet: Outlet) -> OutletStatus:
    await db.refresh(outlet)
    return outlet.status


async def _decisions(db: AsyncSession, outlet: Outlet) -> list[str]:
    rows = await db.scalars(
        select(OutletStatusChange.decision).where(OutletStatusChange.outlet_id == outlet.id)
    )
    return list(rows)


async def test_a_linked_committee_member_cannot_convene_their_outlet_directly(
    client: Client, world: Any, db: AsyncSession, test_caisse: Caisse, add_outlet: AddOutlet
) -> None:
    """The review's reproduction: a committee member with a declared link conventioned the outlet
    by posting a decision, with a made-up ballot reference."""
    outlet = await add_outlet(test_caisse)
    [voter] = await seat_committee(db, test_caisse.id, 1)
    await declare_link(db, test_caisse.id, voter.user_id, outlet.id, caisse_today() - timedelta(days=30))
    response = await client.post(
        f"{BASE}/{outlet.id}/decisions", json=_convene(decision_ref="ballot:999"), headers=voter.headers
    )
    assert response.status_code == 403 and "by ballot" in response.json()["detail"]
    assert await _status(db, outlet) is OutletStatus.APPLICANT


@pytest.mark.parametrize("who", ["committee", "staff", "official"])
async def test_only_an_admin_records_a_meetings_decision(
    client: Client, world: Any, db: AsyncSession, test_caisse: Caisse, add_outlet: AddOutlet, who: str
) -> None:
    outlet = await add_outlet(test_caisse)
    response = await client.post(f"{BASE}/{outlet.id}/decisions", json=_convene(), headers=world.headers[who])
    assert response.status_code == 403
    assert await _decisions(db, outlet) == ["apply"]


async def test_the_committee_still_puts_an_application_under_review(
    client: Client, world: Any, db: AsyncSession, test_caisse: Caisse, add_outlet: AddOutlet
) -> None:
    outlet = await add_outlet(test_caisse)
    body = {"decision": "review", "effective_on": caisse_today().isoformat()}
    response = await client.post(
        f"{BASE}/{outlet.id}/decisions", json=body, headers=world.headers["committee"]
    )
    assert response.status_code == 201, response.text
    assert await _status(db, outlet) is OutletStatus.UNDER_REVIEW


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"decision_ref": ""}, "decision_ref"),
        ({"decision_ref": "   "}, "decision_ref"),
        ({"decision_ref": "ballot:12"}, "decision_ref"),
        ({"decision_ref": "Ballot: 12"}, "decision_ref"),
        ({"effective_on": (caisse_today() + timedelta(days=61)).isoformat()}, "effective_on"),
        ({"decision_ref": "CR\x00comité"}, "decision_ref"),
        ({"reason": "vote\x00"}, "reason"),
    ],
)
async def test_a_meetings_decision_names_its_minutes_and_takes_effect_soon(
    client: Client,
    world: Any,
    db: AsyncSession,
    test_caisse: Caisse,
    add_outlet: AddOutlet,
    changes: dict[str, Any],
    field: str,
) -> None:
    outlet = await add_outlet(test_caisse)
    response = await client.post(
        f"{BASE}/{outlet.id}/decisions", json=_convene(**changes), headers=world.headers["admin"]
    )
    assert response.status_code == 422, response.text
    assert field in {p["field"] for p in response.json()["problems"]}
    assert await _decisions(db, outlet) == ["apply"]


async def test_an_admin_records_a_meetings_decision_up_to_60_days_ahead(
    client: Client, world: Any, db: AsyncSession, test_caisse: Caisse, add_outlet: AddOutlet
) -> None:
    outlet = await add_outlet(test_caisse)
    day = caisse_today() + timedelta(days=60)
    response = await client.post(
        f"{BASE}/{outlet.id}/decisions",
        json=_convene(effective_on=day.isoformat()),
        headers=world.headers["admin"],
    )
    assert response.status_code == 201, response.text
    change = response.json()["change"]
    assert (change["decision_ref"], change["decided_by_user_id"]) == (
        "CR comité du 14 mars",
        world.user_ids["admin"],
    )
    assert response.json()["convention"]["starts_on"] == day.isoformat()


async def test_no_direct_decision_while_a_ballot_on_the_outlet_is_open(
    client: Client, world: Any, db: AsyncSession, test_caisse: Caisse, add_outlet: AddOutlet
) -> None:
    outlet = await add_outlet(test_caisse)
    await seat_committee(db, test_caisse.id, 3)
    ballot = await open_ballot(db, test_caisse, kind="convene", outlet_id=outlet.id, title="Conventionner")
    response = await client.post(
        f"{BASE}/{outlet.id}/decisions", json=_convene(), headers=world.headers["admin"]
    )
    assert response.status_code == 409 and f"Ballot {ballot.id}" in response.json()["detail"]
    reject = await client.post(
        f"{BASE}/{outlet.id}/decisions", json=_convene(decision="reject"), headers=world.headers["admin"]
    )
    assert reject.status_code == 409
    assert await _decisions(db, outlet) == ["apply"]


async def test_an_admin_with_a_link_to_the_outlet_cannot_record_a_decision_on_it(
    client: Client, world: Any, db: AsyncSession, test_caisse: Caisse, add_outlet: AddOutlet
) -> None:
    outlet = await add_outlet(test_caisse)
    admin = world.user_ids["admin"]
    await declare_link(db, test_caisse.id, admin, outlet.id, caisse_today() - timedelta(days=3))
    response = await client.post(
        f"{BASE}/{outlet.id}/decisions", json=_convene(), headers=world.headers["admin"]
    )
    assert response.status_code == 403 and "declared link" in response.json()["detail"]
    assert await _status(db, outlet) is OutletStatus.APPLICANT
    other = await add_outlet(test_caisse, "Épicerie du Salat")
    response = await client.post(
        f"{BASE}/{other.id}/decisions", json=_convene(), headers=world.headers["admin"]
    )
    assert response.status_code == 201, response.text
