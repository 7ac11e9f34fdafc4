"""POST /caisses/{slug}/cycle/close and GET /caisses/{slug}/cycle/periods."""

from __future__ import annotations

from datetime import date

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import Role
from caisse.auth.service import grant_role
from caisse.caisses.models import Caisse
from tests.conftest import World

from .helpers import Household, add_households, entry_count, new_caisse

Client = AsyncTestClient[Litestar]
PAST = "2026-01"  # a caisse whose months have begun, whatever day the suite runs


async def past_caisse(db: AsyncSession, world: World, slug: str = "passe", first_month: str = PAST) -> Caisse:
    """A caisse the world's users hold their roles in, with three households."""
    caisse = await new_caisse(db, slug=slug, first_month=first_month)
    for name in ("admin", "staff", "committee", "official"):
        await grant_role(db, user_id=world.user_ids[name], caisse_id=caisse.id, role=Role(name))
    await db.commit()
    joined = date(2025, 12, 1)
    await add_households(
        db,
        caisse,
        [Household(income_eur=i, activated_on=joined) for i in (1800.0, 200.0, 1500.0)],
    )
    return caisse


def close_url(slug: str = "passe") -> str:
    return f"/api/v1/caisses/{slug}/cycle/close"


async def test_staff_closes_a_month_and_a_repeat_reports_the_same_totals(
    db: AsyncSession, world: World, client: Client
) -> None:
    caisse = await past_caisse(db, world)

    first = await client.post(close_url(), json={"month": PAST}, headers=world.headers["staff"])
    again = await client.post(close_url(), json={"month": PAST}, headers=world.headers["admin"])

    assert first.status_code == 201, first.text
    body = first.json()
    assert {k: body[k] for k in ("month", "households", "contributions_due_cents", "allocations_cents")} == {
        "month": PAST,
        "households": 3,
        "contributions_due_cents": 4500 + 1000 + 3750,
        "allocations_cents": 15000,
    }
    assert (body["already_closed"], body["preset"], body["rule_set_effective_from"]) == (
        False,
        "ariege-ccampa",
        PAST,
    )
    assert again.status_code == 200
    assert again.json() == {**body, "already_closed": True}
    assert await entry_count(db, caisse.id) == 2


async def test_periods_list_closed_months_and_the_next_to_close(
    db: AsyncSession, world: World, client: Client
) -> None:
    await past_caisse(db, world)
    await client.post(close_url(), json={"month": PAST}, headers=world.headers["staff"])

    response = await client.get("/api/v1/caisses/passe/cycle/periods", headers=world.headers["official"])

    assert response.status_code == 200
    body = response.json()
    assert (body["last_closed"], body["next_month"], body["first_month"]) == (PAST, "2026-02", PAST)
    assert [(p["month"], p["households"], p["allocations_cents"]) for p in body["periods"]] == [
        (PAST, 3, 15000)
    ]


async def test_month_out_of_order_is_a_conflict_naming_the_month_to_close_first(
    db: AsyncSession, world: World, client: Client
) -> None:
    caisse = await past_caisse(db, world)

    response = await client.post(close_url(), json={"month": "2026-03"}, headers=world.headers["staff"])

    assert response.status_code == 409
    assert response.json()["error"] == "period_out_of_order"
    assert "close 2026-01 first" in response.json()["detail"]
    assert await entry_count(db, caisse.id) == 0


async def test_month_that_has_not_begun_is_refused(db: AsyncSession, world: World, client: Client) -> None:
    await past_caisse(db, world, slug="avenir", first_month="2099-01")

    response = await client.post(
        close_url("avenir"), json={"month": "2099-01"}, headers=world.headers["staff"]
    )

    assert response.status_code == 422
    assert "2099-01 has not begun" in response.json()["detail"]


# Each test builds the world (a user per role, password hashing included): the cases share tests.
BAD_REQUESTS: list[tuple[dict[str, object], int]] = [
    ({"month": "2026-13"}, 422),
    ({"month": 202601}, 400),
    ({}, 400),
    ({"month": PAST, "force": True}, 400),
]


async def test_bad_close_requests_are_refused_with_a_message_and_write_nothing(
    db: AsyncSession, world: World, client: Client
) -> None:
    caisse = await past_caisse(db, world)

    for body, status in BAD_REQUESTS:
        response = await client.post(close_url(), json=body, headers=world.headers["staff"])
        assert response.status_code == status, (body, response.text)
        assert response.json()["detail"]
    assert await entry_count(db, caisse.id) == 0


async def test_only_staff_and_admins_close_and_officials_may_read(
    db: AsyncSession, world: World, client: Client
) -> None:
    caisse = await past_caisse(db, world)
    periods = "/api/v1/caisses/passe/cycle/periods"

    for who in ("committee", "official", "outsider", "nobody"):
        response = await client.post(close_url(), json={"month": PAST}, headers=world.headers[who])
        assert response.status_code == 403, who
    for who in ("committee", "outsider", "nobody"):
        assert (await client.get(periods, headers=world.headers[who])).status_code == 403, who
    assert (await client.post(close_url(), json={"month": PAST})).status_code == 401
    assert (await client.get(periods)).status_code == 401
    assert await entry_count(db, caisse.id) == 0
    for who in ("staff", "admin", "official"):
        assert (await client.get(periods, headers=world.headers[who])).status_code == 200, who


async def test_unknown_caisse_is_not_found(world: World, client: Client) -> None:
    response = await client.post(
        close_url("nulle-part"), json={"month": PAST}, headers=world.headers["superuser"]
    )

    assert response.status_code == 404
