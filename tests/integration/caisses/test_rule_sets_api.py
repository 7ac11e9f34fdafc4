"""Adopting dated rule sets over HTTP: validated by caisse.rules, never rewriting a closed month."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from caisse import rules
from caisse.caisses.models import RuleSet
from tests.conftest import World

from .conftest import CloseMonth

RULE_SETS = "/api/v1/caisses/test/rule-sets"


def custom_definition() -> dict[str, Any]:
    definition: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(rules.get_preset("gironde").latest))
    definition.pop("effective_from")
    return definition


async def test_admin_adopts_a_preset_from_a_future_month(
    world: World, client: AsyncTestClient[Litestar]
) -> None:
    response = await client.post(
        RULE_SETS, json={"effective_from": "2027-06", "preset": "lyon-8e"}, headers=world.headers["admin"]
    )
    assert response.status_code == 201, response.text
    adopted = response.json()
    assert adopted["effective_from"] == "2027-06" and adopted["preset"] == "lyon-8e"
    assert adopted["definition"]["effective_from"] == "2027-06"
    assert adopted["created_by_user_id"] == world.user_ids["admin"]

    listed = await client.get(RULE_SETS, headers=world.headers["committee"])
    assert listed.status_code == 200
    assert [(r["effective_from"], r["preset"]) for r in listed.json()] == [
        ("2027-01", "ariege-ccampa"),
        ("2027-06", "lyon-8e"),
    ]


async def test_admin_adopts_a_full_definition(world: World, client: AsyncTestClient[Litestar]) -> None:
    definition = custom_definition()
    response = await client.post(
        RULE_SETS,
        json={"effective_from": "2027-04", "definition": definition},
        headers=world.headers["admin"],
    )
    assert response.status_code == 201, response.text
    stored = response.json()["definition"]
    assert stored["contribution"] == definition["contribution"]
    assert stored["allocation"] == definition["allocation"]
    assert response.json()["preset"] is None
    # What is stored decodes back into the rules the caisse bills with.
    msgspec.convert(stored, rules.RuleSet)


async def test_invalid_rule_parameters_are_refused_with_the_rules_message(
    world: World, client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    admin = world.headers["admin"]
    definition = custom_definition()
    definition["allocation"] = {**definition["allocation"], "base": -150.0}
    response = await client.post(
        RULE_SETS, json={"effective_from": "2027-04", "definition": definition}, headers=admin
    )
    assert response.status_code == 422
    assert "base" in response.json()["detail"]

    unknown_kind = {**custom_definition(), "allocation": {"kind": "lottery"}}
    response = await client.post(
        RULE_SETS, json={"effective_from": "2027-04", "definition": unknown_kind}, headers=admin
    )
    assert response.status_code == 422 and "lottery" in response.json()["detail"]

    mismatch = {**custom_definition(), "effective_from": "2027-05"}
    response = await client.post(
        RULE_SETS, json={"effective_from": "2027-04", "definition": mismatch}, headers=admin
    )
    assert response.status_code == 422 and "2027-05" in response.json()["detail"]
    assert await db.scalar(select(func.count()).where(RuleSet.caisse_id == world.caisse_id)) == 1


async def test_rule_set_request_needs_exactly_one_source(
    world: World, client: AsyncTestClient[Litestar]
) -> None:
    admin = world.headers["admin"]
    neither = await client.post(RULE_SETS, json={"effective_from": "2027-04"}, headers=admin)
    assert neither.status_code == 422
    both = await client.post(
        RULE_SETS,
        json={"effective_from": "2027-04", "preset": "gironde", "definition": custom_definition()},
        headers=admin,
    )
    assert both.status_code == 422
    unknown = await client.post(
        RULE_SETS, json={"effective_from": "2027-04", "preset": "atlantis"}, headers=admin
    )
    assert unknown.status_code == 422 and "gironde" in unknown.json()["detail"]
    bad_month = await client.post(
        RULE_SETS, json={"effective_from": "June", "preset": "gironde"}, headers=admin
    )
    assert bad_month.status_code in (400, 422)


async def test_closed_months_keep_their_rules(
    world: World, client: AsyncTestClient[Litestar], close_month: CloseMonth
) -> None:
    await close_month(world.caisse_id, "2027-01")
    await close_month(world.caisse_id, "2027-02")
    admin = world.headers["admin"]
    refused = await client.post(
        RULE_SETS, json={"effective_from": "2027-02", "preset": "gironde"}, headers=admin
    )
    assert refused.status_code == 409
    assert "2027-02" in refused.json()["detail"]
    accepted = await client.post(
        RULE_SETS, json={"effective_from": "2027-03", "preset": "gironde"}, headers=admin
    )
    assert accepted.status_code == 201


async def test_rules_cannot_start_before_the_caisse_or_twice_in_a_month(
    world: World, client: AsyncTestClient[Litestar]
) -> None:
    admin = world.headers["admin"]
    early = await client.post(
        RULE_SETS, json={"effective_from": "2026-12", "preset": "gironde"}, headers=admin
    )
    assert early.status_code == 422
    again = await client.post(
        RULE_SETS, json={"effective_from": "2027-01", "preset": "gironde"}, headers=admin
    )
    assert again.status_code == 409


async def test_absurd_amounts_are_refused_before_they_can_block_every_close(
    world: World, client: AsyncTestClient[Litestar]
) -> None:
    definition = custom_definition()
    definition["allocation"] = {**definition["allocation"], "base": 1e13}
    response = await client.post(
        RULE_SETS,
        json={"effective_from": "2027-04", "definition": definition},
        headers=world.headers["admin"],
    )
    assert response.status_code == 422
    assert "at most 100,000 €" in response.json()["detail"]


async def test_concurrent_adoptions_for_one_month_keep_one_and_refuse_the_other(
    world: World, engine: AsyncEngine
) -> None:
    from caisse.caisses.service import adopt_rule_set, get_caisse
    from caisse.db.engine import make_sessionmaker
    from caisse.errors import Conflict

    sessions = make_sessionmaker(engine)

    async def adopt(preset: str) -> str:
        async with sessions() as session:
            try:
                async with session.begin():
                    caisse = await get_caisse(session, "test")
                    await adopt_rule_set(
                        session, caisse, rules.get_preset(preset).latest, effective_from="2027-05"
                    )
            except Conflict:
                return "conflict"
            return "adopted"

    outcomes = await asyncio.gather(adopt("lyon-8e"), adopt("gironde"))
    assert sorted(outcomes) == ["adopted", "conflict"]
