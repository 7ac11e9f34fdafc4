"""Solve runs through the API: the lever's value meeting a target, computed as a background job on
common random numbers; an unreachable target ends the run with the solver's sentence; a bad lever,
target or bounds is refused before anything is queued."""

from __future__ import annotations

from typing import Any

import pytest

from caisse.simulations.solving import EVALUATIONS
from tests.conftest import World
from tests.integration.simulations.test_simulations_api import URL, Client, tiny, wait_done


def _solve(**solve: Any) -> dict[str, Any]:
    return {"kind": "solve", "scenarios": [{"scenario": tiny()}], "solve": solve}


async def test_a_solve_finds_the_reserve_that_keeps_the_risk_of_a_deficit_under_the_target(
    client: Client, world: World
) -> None:
    official = world.headers["official"]
    started = await client.post(
        URL, json=_solve(lever="initial_reserve", target="p_deficit_any_month <= 0.05"), headers=official
    )
    assert started.status_code == 202, started.text
    body = started.json()
    assert body["kind"] == "solve" and body["paths_total"] == 20 * EVALUATIONS
    finished = await wait_done(client, body["url"], official)
    assert finished["status"] == "done", finished["error"]
    assert finished["progress"] == 1.0
    solution = finished["result"]
    assert solution["lever"] == "initial_reserve" and solution["unit"] == "€"
    assert solution["metric"] <= 0.05 and solution["paths"] == 20 and solution["seed"] == 7
    forecast = solution["forecast"]
    # The forecast returned is the one at the value found: its own risk meets the target.
    assert forecast["depletion_month"]["p_ever"] == pytest.approx(solution["metric"])
    assert forecast["reserve"]["mean"][0] > 0


async def test_an_unreachable_target_ends_the_run_saying_what_each_bound_reaches(
    client: Client, world: World
) -> None:
    official = world.headers["official"]
    request = _solve(lever="contribution_scale", target="self_financing >= 5", min=0.5, max=1.5)
    started = await client.post(URL, json=request, headers=official)
    assert started.status_code == 202, started.text
    finished = await wait_done(client, started.json()["url"], official)
    assert finished["status"] == "failed"
    assert "out of reach" in finished["error"] and "between 0.5 and 1.5" in finished["error"]


@pytest.mark.parametrize(
    ("solve", "fragment"),
    [
        ({"lever": "magic", "target": "self_financing >= 0.5"}, "unknown lever 'magic'"),
        ({"lever": "subsidy", "target": "p_deficit_any_month >= 0.05"}, "takes the operator <="),
        ({"lever": "subsidy", "target": "happiness >= 1"}, "unknown target metric"),
        ({"lever": "subsidy", "target": "p_deficit_any_month <= 0.05", "min": 0}, "both 'min' and 'max'"),
        ({"lever": "subsidy", "target": "p_deficit_any_month <= 0.05", "min": 5, "max": 1}, "must be below"),
    ],
)
async def test_a_bad_solve_is_refused_naming_the_field(
    client: Client, world: World, solve: dict[str, Any], fragment: str
) -> None:
    response = await client.post(URL, json=_solve(**solve), headers=world.headers["official"])
    assert response.status_code == 422, response.text
    assert fragment in response.json()["detail"]
    assert (await client.get(URL, headers=world.headers["official"])).json() == []


async def test_solve_goes_with_kind_solve_only(client: Client, world: World) -> None:
    wanted = {"lever": "subsidy", "target": "self_financing >= 1"}
    body = {"scenarios": [{"scenario": tiny()}], "solve": wanted}
    response = await client.post(URL, json=body, headers=world.headers["official"])
    assert response.status_code == 422 and "kind = 'solve'" in response.json()["detail"]
    unknown = {**_solve(lever="subsidy", target="self_financing >= 1")}
    unknown["solve"] = {**unknown["solve"], "precision": 3}
    assert (await client.post(URL, json=unknown, headers=world.headers["official"])).status_code == 400
