"""Creating caisses (superuser) and reading them (any role in the caisse)."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.ledger.models import LedgerAccount
from tests.conftest import World

CAISSES = "/api/v1/caisses"
NEW = {
    "slug": "lyon-8e",
    "name": "Caisse alimentaire commune du 8e",
    "territory": "Lyon 8e",
    "first_month": "2027-03",
    "preset": "lyon-8e",
    "credit_lifetime_months": 2,
    "member_code_prefix": "LY",
}


async def test_superuser_creates_a_caisse_with_a_preset(
    world: World, client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    response = await client.post(CAISSES, json=NEW, headers=world.headers["superuser"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["slug"] == "lyon-8e" and body["territory"] == "Lyon 8e"
    assert body["credit_lifetime_months"] == 2 and body["credit_requires_payment"] is False
    assert body["member_code_prefix"] == "LY"
    [rule_set] = body["rule_sets"]
    assert rule_set["effective_from"] == "2027-03" and rule_set["preset"] == "lyon-8e"
    assert rule_set["definition"]["effective_from"] == "2027-03"
    assert {"contribution", "allocation"} <= set(rule_set["definition"])
    caisse_id = await db.scalar(select(Caisse.id).where(Caisse.slug == "lyon-8e"))
    assert await db.scalar(select(func.count()).where(LedgerAccount.caisse_id == caisse_id))


async def test_unknown_preset_lists_the_known_ones(world: World, client: AsyncTestClient[Litestar]) -> None:
    response = await client.post(
        CAISSES, json={**NEW, "preset": "atlantis"}, headers=world.headers["superuser"]
    )
    assert response.status_code == 422
    assert "atlantis" in response.json()["detail"]
    assert "lyon-8e" in response.json()["detail"] and "gironde" in response.json()["detail"]


async def test_caisse_creation_is_validated_and_writes_nothing_on_error(
    world: World, client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    su = world.headers["superuser"]
    cases = {
        "bad slug": ({**NEW, "slug": "Lyon 8e!"}, 422),
        "bad month": ({**NEW, "first_month": "2027-13"}, 422),
        "bad prefix": ({**NEW, "member_code_prefix": "ly"}, 422),
        "zero lifetime": ({**NEW, "credit_lifetime_months": 0}, 400),
        "taken slug": ({**NEW, "slug": "test"}, 409),
        "unknown field": ({**NEW, "colour": "red"}, 400),
        "missing preset": ({k: v for k, v in NEW.items() if k != "preset"}, 400),
    }
    for name, (body, status) in cases.items():
        response = await client.post(CAISSES, json=body, headers=su)
        assert response.status_code == status, (name, response.text)
        assert response.json()["detail"], name
    assert await db.scalar(select(func.count()).select_from(Caisse)) == 2


async def test_callers_list_the_caisses_they_hold_a_role_in(
    world: World, client: AsyncTestClient[Litestar]
) -> None:
    async def slugs(who: str) -> list[str]:
        response = await client.get(CAISSES, headers=world.headers[who])
        assert response.status_code == 200
        return [c["slug"] for c in response.json()]

    assert await slugs("staff") == ["test"]
    assert await slugs("outsider") == ["other"]
    assert await slugs("nobody") == []
    assert await slugs("superuser") == ["other", "test"]
    staff_view = (await client.get(CAISSES, headers=world.headers["staff"])).json()[0]
    assert staff_view["roles"] == ["staff"] and staff_view["first_month"] == "2027-01"


async def test_caisse_detail_shows_settings_and_rule_sets(
    world: World, client: AsyncTestClient[Litestar]
) -> None:
    response = await client.get(f"{CAISSES}/test", headers=world.headers["official"])
    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == "test" and body["member_code_prefix"] == "T"
    assert [r["effective_from"] for r in body["rule_sets"]] == ["2027-01"]
    assert body["rule_sets"][0]["preset"] == "ariege-ccampa"
    assert isinstance(body["rule_sets"][0]["definition"]["contribution"], dict)


async def test_unknown_caisse_is_not_found_for_a_superuser_and_forbidden_to_others(
    world: World, client: AsyncTestClient[Litestar]
) -> None:
    assert (await client.get(f"{CAISSES}/atlantis", headers=world.headers["superuser"])).status_code == 404
    # Others learn nothing about which caisses exist.
    assert (await client.get(f"{CAISSES}/atlantis", headers=world.headers["staff"])).status_code == 403
