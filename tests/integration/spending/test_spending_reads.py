"""Who reads which payments: the outlet its own, the household its own, staff all; pages; the audit log."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import AuditEvent
from tests.integration.spending.spend_helpers import SLUG, SpendWorld, payment

Client = AsyncTestClient[Litestar]
ALL = f"/api/v1/caisses/{SLUG}/outlet-payments"


def household_url(code: str) -> str:
    return f"/api/v1/caisses/{SLUG}/members/{code}/outlet-payments"


async def _pay_some(client: Client, sw: SpendWorld) -> list[int]:
    """SA-1 pays a (100, 200) and b (300); SA-2 pays a (400). Ids in that order."""
    ids = []
    for outlet, code, cents in (
        ("a", "SA-1", 100),
        ("a", "SA-1", 200),
        ("b", "SA-1", 300),
        ("a", "SA-2", 400),
    ):
        response = await client.post(
            sw.pay_url(outlet), json=payment(code, cents), headers=sw.headers[f"till_{outlet}"]
        )
        assert response.status_code == 201
        ids.append(response.json()["id"])
    return ids


async def test_an_outlet_lists_its_own_payments_newest_first_without_names(
    client: Client, spend_world: SpendWorld
) -> None:
    sw = spend_world
    ids = await _pay_some(client, sw)
    page = (await client.get(sw.pay_url("a"), headers=sw.headers["till_a"])).json()
    assert page["total"] == 3
    assert [(p["id"], p["member_code"], p["amount_cents"]) for p in page["items"]] == [
        (ids[3], "SA-2", 400), (ids[1], "SA-1", 200), (ids[0], "SA-1", 100),
    ]  # fmt: skip
    assert not any("reference_person" in p or "email" in p for p in page["items"])
    one = await client.get(f"{sw.pay_url('a')}/{ids[0]}", headers=sw.headers["till_a"])
    assert one.json()["amount_cents"] == 100
    assert (await client.get(f"{sw.pay_url('a')}/{ids[2]}", headers=sw.headers["till_a"])).status_code == 404


async def test_an_outlet_cannot_read_another_outlets_payments(
    client: Client, spend_world: SpendWorld
) -> None:
    sw = spend_world
    await _pay_some(client, sw)
    for who in ("till_b", "member", "outlet", "official"):
        assert (await client.get(sw.pay_url("a"), headers=sw.headers[who])).status_code == 403, who
    assert (await client.get(ALL, headers=sw.headers["till_a"])).status_code == 403


async def test_pages_have_a_total_a_limit_and_an_offset(client: Client, spend_world: SpendWorld) -> None:
    sw = spend_world
    ids = await _pay_some(client, sw)
    page = (await client.get(ALL, params={"limit": 2, "offset": 1}, headers=sw.headers["staff"])).json()
    assert (page["total"], page["limit"], page["offset"]) == (4, 2, 1)
    assert [p["id"] for p in page["items"]] == [ids[2], ids[1]]
    for bad in ({"limit": 0}, {"limit": 501}, {"offset": -1}, {"limit": "x"}):
        assert (await client.get(ALL, params=bad, headers=sw.headers["staff"])).status_code == 400, bad


async def test_a_household_sees_its_own_payments_everywhere_and_no_one_elses(
    client: Client, spend_world: SpendWorld
) -> None:
    sw = spend_world
    await _pay_some(client, sw)
    own = (await client.get(household_url("sa-1"), headers=sw.headers["member"])).json()
    assert [(p["outlet_name"], p["amount_cents"]) for p in own["items"]] == [
        ("Ferme B", 300), ("Épicerie A", 200), ("Épicerie A", 100),
    ]  # fmt: skip
    other = await client.get(household_url("SA-2"), headers=sw.headers["member"])
    assert other.status_code == 404
    assert (await client.get(household_url("SA-2"), headers=sw.headers["till_a"])).status_code == 403


async def test_staff_see_every_payment_filtered_by_outlet_or_household(
    client: Client, spend_world: SpendWorld
) -> None:
    sw = spend_world
    await _pay_some(client, sw)
    everything = (await client.get(ALL, headers=sw.headers["staff"])).json()
    at_a = (await client.get(ALL, params={"outlet_id": sw.outlets["a"]}, headers=sw.headers["staff"])).json()
    sa1_at_a = (
        await client.get(
            ALL, params={"outlet_id": sw.outlets["a"], "member_code": "sa-1"}, headers=sw.headers["staff"]
        )
    ).json()
    household = (await client.get(household_url("SA-2"), headers=sw.headers["staff"])).json()
    assert (everything["total"], at_a["total"], sa1_at_a["total"], household["total"]) == (4, 3, 2, 1)
    unknown = await client.get(ALL, params={"member_code": "SA-999"}, headers=sw.headers["staff"])
    assert unknown.status_code == 404


async def test_reading_payments_is_audit_logged_with_the_households_on_the_page(
    client: Client, db: AsyncSession, spend_world: SpendWorld
) -> None:
    sw = spend_world
    await _pay_some(client, sw)
    await client.get(ALL, headers=sw.headers["staff"])
    await client.get(household_url("SA-1"), headers=sw.headers["member"])
    await client.get(sw.pay_url("b"), headers=sw.headers["till_b"])
    rows = (
        await db.execute(
            select(AuditEvent.actor_user_id, AuditEvent.subject_id)
            .where(AuditEvent.action == "member.outlet_payments")
            .order_by(AuditEvent.id)
        )
    ).all()
    sa1, sa2 = str(sw.members["SA-1"]), str(sw.members["SA-2"])
    assert rows == [
        (sw.user_ids["staff"], sa1), (sw.user_ids["staff"], sa2),
        (sw.user_ids["member"], sa1),
        (sw.user_ids["till_b"], sa1),
    ]  # fmt: skip
