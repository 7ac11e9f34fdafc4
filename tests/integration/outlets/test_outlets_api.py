"""The outlet routes: validation, who may do what, the outlet's own record, the public list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import service as auth
from caisse.auth.models import Role
from caisse.caisses.models import Caisse
from caisse.errors import ValidationFailed
from caisse.members.registration import create_member
from caisse.outlets.conventioning import convention_end
from caisse.outlets.models import Outlet, OutletStatusChange
from caisse.periods import caisse_today
from tests.integration.outlets.helpers import IBAN, SIRET, AddOutlet

Client = AsyncTestClient[Litestar]
BASE = "/api/v1/caisses/test"
PUBLIC = "/api/v1/public/caisses/test/outlets"
GOOD = {
    "name": "Épicerie du Salat", "kind": "epicerie_solidaire", "commune": "Saint-Girons", "distance_km": 3.5,
    "contact_email": "contact@salat.example", "contact_phone": "05 61 00 00 00", "siret": SIRET,
    "product_categories": ["epicerie", "fruits_legumes"], "iban": "FR76 3000 6000 0112 3456 7890 189",
}  # fmt: skip


async def _outlets(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(Outlet)) or 0)


async def _outlet_user(db: AsyncSession, world: Any, outlet_id: int, name: str = "shop") -> dict[str, str]:
    user = await auth.create_user(
        db, email=f"{name}@example.org", display_name=name, password="correct horse battery"
    )
    await auth.grant_role(
        db, user_id=user.id, caisse_id=world.caisse_id, role=Role.OUTLET, outlet_id=outlet_id
    )
    _, token = await auth.issue_api_token(db, user_id=user.id, name="tests")
    await db.commit()
    return {"Authorization": f"Bearer {token}"}


async def test_staff_enter_an_outlet_normalised(client: Client, world: Any, db: AsyncSession) -> None:
    response = await client.post(f"{BASE}/outlets", json=GOOD, headers=world.headers["staff"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "applicant" and body["iban"] is None and body["iban_masked"] == "FR76 **** 0189"
    outlet = await db.get(Outlet, body["id"])
    assert (
        outlet is not None
        and outlet.iban == IBAN
        and body["product_categories"] == ["epicerie", "fruits_legumes"]
    )
    listed = await client.get(f"{BASE}/outlets?product=fruits_legumes", headers=world.headers["staff"])
    assert listed.json()["total"] == 1 and listed.json()["items"][0]["iban_masked"] == "FR76 **** 0189"
    assert "contact_email" not in listed.json()["items"][0]


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("iban", "FR7630006000011234567890188"),
        ("siret", "73282932000075"),
        ("distance_km", -1),
        ("kind", "supermarket"),
        ("product_categories", ["alcool"]),
        ("bic", "BNP"),
        ("contact_email", "not-an-address"),
        # NUL made PostgreSQL fail (500) while SQLite stored it.
        ("name", "Ferme\x00du Salat"),
        ("address", "1 rue\x00 du Pont"),
        ("commune", "Saint-Girons\x1b"),
        ("contact_email", "a\x00b@farm.example"),
    ],
)
async def test_a_bad_field_is_a_422_naming_it_and_writes_nothing(
    client: Client, world: Any, db: AsyncSession, field: str, bad: Any
) -> None:
    response = await client.post(f"{BASE}/outlets", json={**GOOD, field: bad}, headers=world.headers["staff"])
    assert response.status_code == 422, response.text
    assert field in response.json()["detail"]
    assert await _outlets(db) == 0


async def test_a_member_proposes_an_outlet(client: Client, world: Any, db: AsyncSession) -> None:
    caisse = await db.get(Caisse, world.caisse_id)
    assert caisse is not None
    member = await create_member(
        db,
        caisse,
        reference_person="Foyer",
        monthly_income_cents=150_000,
        income_declared_on=caisse_today(),
    )
    await auth.grant_role(
        db, user_id=world.user_ids["member"], caisse_id=caisse.id, role=Role.MEMBER, member_id=member.id
    )
    await db.commit()
    headers = world.headers["member"]
    refused = await client.post(f"{BASE}/outlets", json=GOOD, headers=headers)
    assert refused.status_code == 422 and "iban" in refused.json()["detail"]
    proposal = {k: v for k, v in GOOD.items() if k not in ("iban", "siret")}
    response = await client.post(f"{BASE}/outlets", json=proposal, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["proposed_by_member_id"] == member.id and response.json()["status"] == "applicant"


async def test_decisions_through_the_api_and_history(
    client: Client, world: Any, add_outlet: AddOutlet, db: AsyncSession
) -> None:
    """The committee puts an application under review; an admin records the meeting's decision."""
    outlet = await add_outlet(await db.get(Caisse, world.caisse_id))
    url = f"{BASE}/outlets/{outlet.id}"
    today = caisse_today()
    review = {"decision": "review", "effective_on": today.isoformat()}
    assert (
        await client.post(f"{url}/decisions", json=review, headers=world.headers["committee"])
    ).status_code == 201
    decision = {
        "decision": "convene", "effective_on": today.isoformat(), "reason": "vote",
        "decision_ref": "CR comité n°3",
    }  # fmt: skip
    for who in ("staff", "committee"):
        assert (
            await client.post(f"{url}/decisions", json=decision, headers=world.headers[who])
        ).status_code == 403
    made = await client.post(f"{url}/decisions", json=decision, headers=world.headers["admin"])
    assert made.status_code == 201, made.text
    assert made.json()["convention"]["ends_on"] == convention_end(today, 12).isoformat()
    again = await client.post(f"{url}/decisions", json=decision, headers=world.headers["admin"])
    assert again.status_code == 409 and "renew, suspend, end" in again.json()["detail"]
    history = (await client.get(f"{url}/history", headers=world.headers["staff"])).json()
    assert [h["decision"] for h in history] == ["apply", "review", "convene"]
    assert history[2]["decision_ref"] == "CR comité n°3"


async def test_anonymous_callers_get_401_on_private_routes(client: Client, world: Any) -> None:
    for method, path in [
        ("GET", "/outlets"), ("POST", "/outlets"), ("GET", "/outlets/1"), ("PATCH", "/outlets/1"),
        ("POST", "/outlets/1/decisions"), ("GET", "/outlets/1/history"), ("POST", "/outlets/1/assessments"),
        ("GET", "/outlets/1/grid"), ("GET", "/criteria"), ("POST", "/criteria"),
        ("GET", "/conventions/due-for-renewal"),
    ]:  # fmt: skip
        response = await client.request(method, f"{BASE}{path}", json={} if method != "GET" else None)
        assert response.status_code == 401, (method, path, response.status_code)


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("staff", 200), ("committee", 200), ("official", 200), ("outlet", 403), ("member", 403),
     ("outsider", 403), ("nobody", 403)],
)  # fmt: skip
async def test_who_may_list_outlets(client: Client, world: Any, who: str, status: int) -> None:
    assert (await client.get(f"{BASE}/outlets", headers=world.headers[who])).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 201), ("committee", 201), ("staff", 403), ("official", 403), ("outlet", 403)],
)
async def test_who_may_set_criteria(client: Client, world: Any, who: str, status: int) -> None:
    body = {"code": "organic", "label": "Organic", "kind": "yes_no", "required": True}
    assert (
        await client.post(f"{BASE}/criteria", json=body, headers=world.headers[who])
    ).status_code == status


async def test_an_outlet_sees_and_edits_only_its_own_record(
    client: Client, world: Any, db: AsyncSession, add_outlet: AddOutlet
) -> None:
    caisse = await db.get(Caisse, world.caisse_id)
    ours, theirs = await add_outlet(caisse, "Ours", iban=IBAN), await add_outlet(caisse, "Theirs")
    headers = await _outlet_user(db, world, ours.id)
    own = await client.get(f"{BASE}/outlets/{ours.id}", headers=headers)
    assert own.status_code == 200 and own.json()["iban"] == IBAN
    assert (await client.get(f"{BASE}/outlets/{theirs.id}", headers=headers)).status_code == 403
    changed = await client.patch(
        f"{BASE}/outlets/{ours.id}", json={"contact_phone": "0600000000"}, headers=headers
    )
    assert changed.status_code == 200 and changed.json()["contact_phone"] == "0600000000"
    renamed = await client.patch(f"{BASE}/outlets/{ours.id}", json={"name": "Mine"}, headers=headers)
    assert renamed.status_code == 422 and "name" in renamed.json()["detail"]
    staff_view = await client.get(f"{BASE}/outlets/{ours.id}", headers=world.headers["staff"])
    assert staff_view.json()["iban"] is None and staff_view.json()["iban_masked"] == "FR76 **** 0189"
    bad = await client.patch(
        f"{BASE}/outlets/{ours.id}", json={"iban": "FR00"}, headers=world.headers["staff"]
    )
    assert bad.status_code == 422 and "iban" in bad.json()["detail"]


async def test_the_outlet_role_must_name_an_outlet_of_that_caisse(
    db: AsyncSession, world: Any, add_outlet: AddOutlet
) -> None:
    other = await db.get(Caisse, world.other_caisse_id)
    foreign = await add_outlet(other, "Ailleurs")
    user = await auth.create_user(
        db, email="x@example.org", display_name="X", password="correct horse battery"
    )
    with pytest.raises(ValidationFailed, match="outlet_id"):
        await auth.grant_role(
            db, user_id=user.id, caisse_id=world.caisse_id, role=Role.OUTLET, outlet_id=foreign.id
        )
    with pytest.raises(ValidationFailed, match="outlet_id"):
        await auth.grant_role(
            db, user_id=user.id, caisse_id=world.caisse_id, role=Role.STAFF, outlet_id=foreign.id
        )
    grant = await auth.grant_role(
        db, user_id=user.id, caisse_id=world.other_caisse_id, role=Role.OUTLET, outlet_id=foreign.id
    )
    assert grant.outlet_id == foreign.id


async def test_public_list_shows_conventioned_outlets_without_personal_data(
    client: Client, world: Any, db: AsyncSession, add_outlet: AddOutlet
) -> None:
    caisse = await db.get(Caisse, world.caisse_id)
    shown = await add_outlet(
        caisse, "Shown", iban=IBAN, contact_email="owner@farm.example", contact_phone="0611223344"
    )
    await add_outlet(caisse, "Applicant only")
    committee = world.headers["committee"]
    crit = await client.post(f"{BASE}/criteria/defaults", headers=committee)
    local = next(c for c in crit.json() if c["code"] == "local")
    reading = {"criterion_id": local["id"], "value": 12, "evidence": "map"}
    assessed = await client.post(f"{BASE}/outlets/{shown.id}/assessments", json=reading, headers=committee)
    assert assessed.status_code == 201, assessed.text
    start = (caisse_today() - timedelta(days=10)).isoformat()
    decided = await client.post(
        f"{BASE}/outlets/{shown.id}/decisions",
        json={"decision": "convene", "effective_on": start, "decision_ref": "CR comité"},
        headers=world.headers["admin"],
    )
    assert decided.status_code == 201
    response = await client.get(PUBLIC)  # no login
    assert response.status_code == 200, response.text
    (item,) = response.json()
    assert item["name"] == "Shown" and item["convention_starts_on"] == start
    assert next(c for c in item["criteria"] if c["code"] == "local")["met"] is True
    text = response.text
    for secret in (
        "owner@farm.example",
        "0611223344",
        IBAN,
        "0189",
        "assessed_by",
        "decided_by",
        "contact",
        "iban",
    ):
        assert secret not in text, secret
    grid = await client.get(f"{BASE}/outlets/{shown.id}/grid", headers=committee)
    assert grid.status_code == 200 and grid.json()["required_unmet"] == ["organic"]


async def test_history_rows_are_written_only_with_their_change(
    db: AsyncSession, world: Any, add_outlet: AddOutlet
) -> None:
    outlet = await add_outlet(await db.get(Caisse, world.caisse_id))
    rows = await db.scalar(
        select(func.count()).select_from(OutletStatusChange).where(OutletStatusChange.outlet_id == outlet.id)
    )
    assert rows == 1


async def test_criteria_patch_and_renewal_list_through_the_api(
    client: Client, world: Any, db: AsyncSession, add_outlet: AddOutlet
) -> None:
    committee = world.headers["committee"]
    body = {
        "code": "local",
        "label": "Local",
        "kind": "numeric_threshold",
        "threshold": 70,
        "direction": "at_most",
    }
    made = await client.post(f"{BASE}/criteria", json=body, headers=committee)
    assert made.status_code == 201, made.text
    url = f"{BASE}/criteria/{made.json()['id']}"
    changed = await client.patch(url, json={"threshold": 50, "weight": 2}, headers=committee)
    assert changed.status_code == 200 and changed.json()["threshold"] == 50
    wrong = await client.patch(url, json={"direction": "sideways"}, headers=committee)
    assert wrong.status_code == 422 and "direction" in wrong.json()["detail"]
    outlet = await add_outlet(await db.get(Caisse, world.caisse_id))
    today = caisse_today()
    decision = {"decision": "convene", "effective_on": today.isoformat(), "months": 3, "decision_ref": "CR"}
    assert (
        await client.post(
            f"{BASE}/outlets/{outlet.id}/decisions", json=decision, headers=world.headers["admin"]
        )
    ).status_code == 201
    # The convention ends about 90 days from today: due for renewal 60 days before.
    due = await client.get(
        f"{BASE}/conventions/due-for-renewal?on={today + timedelta(days=45)}", headers=world.headers["staff"]
    )
    assert due.status_code == 200 and [d["outlet_id"] for d in due.json()] == [outlet.id]
    assert (
        await client.get(
            f"{BASE}/conventions/due-for-renewal?on={today + timedelta(days=14)}", headers=committee
        )
    ).json() == []
    filtered = await client.get(f"{BASE}/outlets?status=conventioned&kind=producer", headers=committee)
    assert filtered.json()["total"] == 1
    assert (await client.get(f"{BASE}/outlets?kind=supermarket", headers=committee)).status_code == 400
    assert (await client.get(f"{BASE}/outlets?product=viande", headers=committee)).json()["total"] == 0
