"""Hostile or careless input to the simulations API is a 4xx saying what is wrong, never a 500 on
either database: run ids out of range, deeply nested documents, characters the database cannot
store, documents too large for the server."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.errors import ValidationFailed
from caisse.http.errors import database_refusal
from caisse.simulations.limits import MAX_CHUNK_CELLS, MAX_CHUNK_SIZE, MAX_ITEMS, chunk_size_for
from caisse.simulations.models import SimulationRun
from tests.conftest import World
from tests.integration.simulations.test_simulations_api import URL, Client, tiny, wait_done

TOO_LARGE_ID = 2**63  # one past BIGINT


async def test_a_run_id_out_of_range_is_a_400(client: Client, world: World) -> None:
    response = await client.get(f"{URL}/{TOO_LARGE_ID}", headers=world.headers["official"])
    assert response.status_code == 400, response.text
    assert "run_id" in response.json()["detail"]


async def test_control_characters_in_a_scenario_name_are_refused(client: Client, world: World) -> None:
    response = await client.post(
        URL, json={"scenarios": [{"scenario": tiny("a\x00b")}]}, headers=world.headers["official"]
    )
    assert response.status_code == 422, response.text
    assert "[scenario] name" in response.json()["detail"]
    assert (await client.get(URL, headers=world.headers["official"])).json() == []


@pytest.mark.parametrize("name", ["Budget $\\frac{1}{$ x", "Coût $x$ et $y$"])
async def test_a_name_with_dollars_is_drawn_as_typed(client: Client, world: World, name: str) -> None:
    official = world.headers["official"]
    started = await client.post(URL, json={"scenarios": [{"scenario": tiny(name)}]}, headers=official)
    assert started.status_code == 202, started.text
    run = await wait_done(client, started.json()["url"], official)
    assert run["status"] == "done", run["error"]
    page = f"/c/test/simulations/{run['id']}/reserve.svg"
    from tests.integration.web.web_fixtures import log_in

    assert (await log_in(client, "official@example.org")).status_code == 303
    svg = await client.get(page)
    assert svg.status_code == 200, svg.text
    assert name.replace("$", "$").split(" ")[0] in svg.text


async def test_a_number_out_of_the_databases_range_is_the_callers_fault(
    db: AsyncSession, backend: str
) -> None:
    """The safety net under typed parameters: on PostgreSQL asyncpg refuses an argument out of int64
    (SQLite raises OverflowError, mapped on its own), and both mappings call that a 400."""
    query = select(SimulationRun).where(SimulationRun.id == TOO_LARGE_ID)
    if backend == "sqlite":
        with pytest.raises(OverflowError):
            await db.execute(query)
        return
    with pytest.raises(DBAPIError) as caught:
        await db.execute(query)
    refusal = database_refusal(caught.value)
    assert refusal is not None and refusal.status == 400
    # A value of the wrong type is our code's fault, not the caller's: it stays a 500.
    with pytest.raises(DBAPIError) as caught:
        await db.execute(text("SELECT CAST(:number AS BIGINT)"), {"number": "douze"})
    assert "douze" in str(caught.value.orig) and database_refusal(caught.value) is None


async def test_credit_ages_count_in_the_work_limit(client: Client, world: World) -> None:
    """Each month ages every slot of credit: 120 months of lifetime weigh 120 times as much."""
    body = {
        "paths": 2000,
        "scenarios": [
            {
                "scenario": tiny(
                    scenario={"start": "2027-01", "months": 120, "seed": 1},
                    spending={"credit_lifetime_months": 120},
                )
            }
        ],
    }
    response = await client.post(URL, json=body, headers=world.headers["official"])
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert "× 120 credit ages" in detail and "Lower the paths" in detail and "credit lifetime" in detail


async def test_a_population_whose_credit_fills_the_memory_is_refused(client: Client, world: World) -> None:
    """The reviewer's case: 30 000 household types × 120 credit ages, a chunk of 100 000 paths asked
    for: a 57.6 GB array for the stratified engine, refused before any plan is run."""
    scenario = tiny(
        scenario={"start": "2027-01", "months": 1, "paths": 2000, "seed": 1, "chunk_size": 100_000},
        population={"households": 100_000_000, "income_bins": 1000},
        spending={"credit_lifetime_months": 120},
    )
    response = await client.post(
        URL, json={"scenarios": [{"scenario": scenario}]}, headers=world.headers["official"]
    )
    assert response.status_code == 422, response.text
    assert "too large for the server" in response.json()["detail"]


async def test_the_server_picks_the_chunk_size(client: Client, world: World) -> None:
    scenario = tiny(
        scenario={"start": "2027-01", "months": 2, "paths": 2000, "seed": 3, "chunk_size": 100_000}
    )
    official = world.headers["official"]
    started = await client.post(URL, json={"scenarios": [{"scenario": scenario}]}, headers=official)
    assert started.status_code == 202, started.text
    assert started.json()["request"]["scenarios"][0]["scenario"]["chunk_size"] == MAX_CHUNK_SIZE
    run = await wait_done(client, started.json()["url"], official)
    assert run["status"] == "done", run["error"]


@pytest.mark.parametrize(
    ("tables", "key"),
    [
        ({"funding": {"subsidies": [{"amount": 1}] * (MAX_ITEMS + 1)}}, "[funding] subsidies"),
        (
            {
                "contribution": {
                    "scheme": {
                        "kind": "marginal_brackets",
                        "brackets": [[100 * i, 0.001 * i] for i in range(MAX_ITEMS + 1)],
                    }
                }
            },
            "[contribution] scheme.brackets",
        ),
        (
            {
                "contribution": {
                    "scheme": {
                        "kind": "flat_tiers",
                        "tiers": [[100 * (i + 1), i] for i in range(MAX_ITEMS + 1)],
                        "top_amount": MAX_ITEMS + 1,
                    }
                }
            },
            "[contribution] scheme.tiers",
        ),
    ],
)
async def test_long_lists_in_a_document_are_refused_naming_the_key(
    client: Client, world: World, tables: dict[str, Any], key: str
) -> None:
    response = await client.post(
        URL, json={"scenarios": [{"scenario": tiny(**tables)}]}, headers=world.headers["official"]
    )
    assert response.status_code == 422, response.text
    assert f"{key}: {MAX_ITEMS + 1} items" in response.json()["detail"]


async def test_a_body_too_large_or_nested_too_deep_is_a_4xx(client: Client, world: World) -> None:
    official = {**world.headers["official"], "Content-Type": "application/json"}
    padding: dict[str, Any] = {"funding": {"subsidies": [{"amount": 1, "name": "x" * 200}] * 2000}}
    large = await client.post(URL, json={"scenarios": [{"scenario": tiny(**padding)}]}, headers=official)
    assert large.status_code == 413, large.text
    depth = 100_000  # 600 kB of {"a": … }: under the body limit of the older server, a RecursionError
    nested = (
        '{"scenarios": [{"preset": "gironde", "overrides": ' + '{"a":' * depth + "1" + "}" * depth + "}]}"
    )
    response = await client.post(URL, content=nested.encode(), headers=official)
    assert response.status_code in (400, 413), response.text
    shallow_depth = 30_000  # 150 kB: under the limit, still too deep for the decoder
    nested = '{"scenarios": [{"preset": "gironde", "overrides": ' + '{"a":' * shallow_depth + "1"
    nested += "}" * shallow_depth + "}]}"
    response = await client.post(URL, content=nested.encode(), headers=official)
    assert response.status_code == 400, response.text
    assert (await client.get(URL, headers=world.headers["official"])).json() == []


def test_a_chunk_holds_only_what_fits_in_memory() -> None:
    assert chunk_size_for(100_000, 2000, 10, 1, micro=False) == MAX_CHUNK_SIZE
    assert chunk_size_for(250, 20, 10, 1, micro=False) == 250  # the document's, when it fits
    assert chunk_size_for(250, 2000, 30_000, 120, micro=False) == MAX_CHUNK_CELLS // (30_000 * 120)
    with pytest.raises(ValidationFailed, match="credit_lifetime_months"):
        chunk_size_for(250, 1, 50_000, 120, micro=False)
