"""The simulations API: a run starts as a background job, reports its progress from the database
(so any worker can answer), ends with the forecast's JSON; guards, limits and bad scenarios are
refused with a 4xx that says what to change."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.app import create_app
from caisse.db.base import utcnow
from caisse.members.models import Member, MemberStatus
from caisse.settings import Settings
from caisse.simulations.jobs import STOPPED
from caisse.simulations.limits import MAX_ACTIVE_PER_CAISSE
from caisse.simulations.models import RunKind, RunStatus, SimulationRun
from tests.conftest import World

Client = AsyncTestClient[Litestar]
URL = "/api/v1/caisses/test/simulations"


def tiny(name: str = "Tiny", **tables: Any) -> dict[str, Any]:
    """A scenario that runs in a blink: 40 households, 3 months."""
    document: dict[str, Any] = {
        "scenario": {"name": name, "start": "2027-01", "months": 3, "paths": 20, "seed": 7, "chunk_size": 10},
        "population": {"households": 40, "income_bins": 10},
        "contribution": {"preset": "ariege-ccampa"},
        "allocation": {"preset": "ariege-ccampa"},
        "participation": {"take_up": 0.5},
    }
    document.update(tables)
    return document


async def wait_done(client: Client, url: str, headers: dict[str, str]) -> dict[str, Any]:
    """Poll until the run is finished (the job runs on this event loop while we sleep)."""
    for _ in range(1200):
        response = await client.get(url, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["status"] in ("done", "failed"):
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"run {url} never finished: {body}")


async def test_a_forecast_runs_in_the_background_and_any_worker_reports_it(
    settings: Settings, world: World
) -> None:
    official = world.headers["official"]
    # Two applications on one database stand for two server workers.
    async with (
        AsyncTestClient(app=create_app(settings)) as first,
        AsyncTestClient(app=create_app(settings)) as second,
    ):
        started = await first.post(URL, json={"scenarios": [{"scenario": tiny()}]}, headers=official)
        assert started.status_code == 202, started.text
        body = started.json()
        assert body["status"] == "queued" and body["kind"] == "simulate"
        assert body["paths_total"] == 20 and body["request"]["seed"] == 7
        assert started.headers["location"] == body["url"]
        finished = await wait_done(second, body["url"], official)
        assert finished["status"] == "done", finished["error"]
        assert finished["paths_done"] == finished["paths_total"] == 20 and finished["progress"] == 1.0
        assert finished["started_at"] is not None and finished["finished_at"] is not None
        result = finished["result"]
        assert result["months"] == ["2027-01", "2027-02", "2027-03"]
        assert result["paths"] == 20 and result["seed"] == 7
        for band in ("mean", "p05", "p25", "p50", "p75", "p95"):
            assert len(result["reserve"][band]) == 3
        assert len(result["p_deficit"]) == 3 and len(result["net_transfer_by_decile"]) == 10
        assert {"p_deficit_any_month", "mean_final_reserve"} <= set(result["mc_standard_error"])
        listed = await second.get(URL, headers=official)
        assert [(r["id"], r["status"], r["label"]) for r in listed.json()] == [(body["id"], "done", "Tiny")]
        assert "result" not in listed.json()[0]
        # The same request gives the same forecast (the seed was fixed in the request).
        again = await first.post(
            URL, json={"scenarios": [{"scenario": tiny()}]}, headers=world.headers["staff"]
        )
        repeat = await wait_done(first, again.json()["url"], official)
        assert repeat["result"] == result


async def test_a_comparison_uses_common_random_numbers_and_the_caisse_members(
    client: Client, db: AsyncSession, world: World
) -> None:
    for i, income in enumerate((900_00, 1_500_00, 2_400_00, 1_500_00)):
        db.add(
            Member(
                caisse_id=world.caisse_id, code=f"T-{i:06d}", reference_person=f"Foyer {i}", adults=1 + i % 2,
                monthly_income_cents=income, income_declared_on=date(2026, 12, 1), status=MemberStatus.ACTIVE,
                applied_on=date(2026, 12, 1),
            )
        )  # fmt: skip
    await db.commit()
    richer = {"funding": {"initial_reserve": 5000.0}}
    request = {
        "kind": "compare",
        "paths": 30,
        "seed": 11,
        "scenarios": [
            {"preset": "caisse", "overrides": {"scenario": {"months": 4, "chunk_size": 10}}},
            {
                "preset": "caisse",
                "overrides": {"scenario": {"months": 4, "name": "Plus de réserve"}, **richer},
            },
        ],
    }
    started = await client.post(URL, json=request, headers=world.headers["admin"])
    assert started.status_code == 202, started.text
    scenario = started.json()["request"]["scenarios"][0]
    assert scenario["population"] == {**scenario["population"], "source": "caisse", "caisse": "test"}
    assert started.json()["paths_total"] == 60
    finished = await wait_done(client, started.json()["url"], world.headers["official"])
    assert finished["status"] == "done", finished["error"]
    first, second = finished["result"]["results"]
    assert first["households"] == 4 and second["scenario"] == "Plus de réserve"
    difference = finished["result"]["differences"][0]
    # Same paths, same draws: only the reserve differs, by exactly the extra 5 000 €.
    assert difference["mean_final_reserve"] == pytest.approx(5000.0)
    assert difference["standard_error_final_reserve"] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(
    ("request_body", "fragment"),
    [
        ({"scenarios": [{"scenario": tiny(spending={"spend_throuh": 0.9})}]}, "unknown key 'spend_throuh'"),
        ({"scenarios": [{"scenario": tiny(participation={"take_up": 1.5})}]}, "take_up"),
        (
            {"scenarios": [{"preset": "montpellier", "overrides": {"scenario": {"paths": 20000}}}]},
            "too large",
        ),
        ({"scenarios": [{"scenario": tiny(population={"source": "csv", "csv": "/etc/passwd"})}]}, '"csv"'),
        (
            {"scenarios": [{"scenario": tiny(population={"source": "caisse", "caisse": "other"})}]},
            "only use its own members",
        ),
        ({"scenarios": [{"preset": "caisse"}]}, "no active member"),
        ({"kind": "compare", "scenarios": [{"scenario": tiny()}]}, "at least two scenarios"),
        ({"scenarios": [{"scenario": tiny(), "preset": "gironde"}]}, "not both"),
    ],
)
async def test_bad_requests_are_refused_naming_what_to_change(
    client: Client, world: World, request_body: dict[str, Any], fragment: str
) -> None:
    response = await client.post(URL, json=request_body, headers=world.headers["official"])
    assert response.status_code == 422, response.text
    assert fragment in response.json()["detail"]
    assert (await client.get(URL, headers=world.headers["official"])).json() == []


async def test_a_malformed_body_and_too_many_paths_are_refused(client: Client, world: World) -> None:
    official = world.headers["official"]
    assert (await client.post(URL, json={"scenarios": []}, headers=official)).status_code == 400
    too_many = await client.post(
        URL, json={"paths": 10**6, "scenarios": [{"scenario": tiny()}]}, headers=official
    )
    assert too_many.status_code == 400 and "paths" in too_many.json()["detail"]


async def test_only_officials_staff_and_admins_of_the_caisse_see_runs(client: Client, world: World) -> None:
    body = {"scenarios": [{"scenario": tiny()}]}
    assert (await client.post(URL, json=body)).status_code == 401
    for who in ("committee", "outlet", "outsider", "nobody"):
        assert (await client.post(URL, json=body, headers=world.headers[who])).status_code == 403, who
        assert (await client.get(URL, headers=world.headers[who])).status_code == 403, who
    started = await client.post(URL, json=body, headers=world.headers["official"])
    url = started.json()["url"]
    await wait_done(client, url, world.headers["official"])
    other_caisse = url.replace("/caisses/test/", "/caisses/other/")
    assert (await client.get(other_caisse, headers=world.headers["outsider"])).status_code == 404


async def test_runs_under_way_are_limited_and_a_dead_workers_run_is_marked_failed(
    client: Client, db: AsyncSession, world: World
) -> None:
    stale = utcnow() - timedelta(minutes=5)
    for _ in range(MAX_ACTIVE_PER_CAISSE):
        db.add(
            SimulationRun(
                caisse_id=world.caisse_id, kind=RunKind.SIMULATE, status=RunStatus.RUNNING, label="x",
                paths_total=10, request="{}", worker="gone:1:abcd", heartbeat_at=utcnow(),
            )
        )  # fmt: skip
    dead = SimulationRun(
        caisse_id=world.caisse_id, kind=RunKind.SIMULATE, status=RunStatus.RUNNING, label="dead",
        paths_total=10, request="{}", worker="gone:2:abcd", heartbeat_at=stale,
    )  # fmt: skip
    db.add(dead)
    await db.commit()
    official = world.headers["official"]
    refused = await client.post(URL, json={"scenarios": [{"scenario": tiny()}]}, headers=official)
    assert refused.status_code == 429 and "wait for one to finish" in refused.json()["detail"]
    found = (await client.get(f"{URL}/{dead.id}", headers=official)).json()
    assert found["status"] == "failed" and found["error"] == STOPPED
