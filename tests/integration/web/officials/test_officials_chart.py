"""The reserve's fan chart is drawn by matplotlib in a worker thread, once per finished run, and the
browser may keep it: page views never block the event loop on it again."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from simulation.results import SimulationResult
from tests.conftest import World
from tests.integration.web.officials.test_officials_pages import BASE, finished_page, run_scenario
from tests.integration.web.web_fixtures import Client, csrf_token, log_in
from web.pages.officials import reserve_chart


async def test_the_chart_is_drawn_once_off_the_event_loop_and_kept(
    world: World, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[threading.Thread] = []
    draw = reserve_chart.fan_chart_svg

    def spy(result: SimulationResult) -> str:
        drawn.append(threading.current_thread())
        return draw(result)

    monkeypatch.setattr(reserve_chart, "fan_chart_svg", spy)
    assert (await log_in(client, "official@example.org")).status_code == 303
    token = csrf_token((await client.get(f"{BASE}/nouvelle?base=montpellier")).text)
    location = await run_scenario(client, token)
    await finished_page(client, location)
    answers: list[Any] = [await client.get(f"{location}/reserve.svg") for _ in range(3)]
    answers.append(await client.get(f"{location}/reserve.svg?download=true"))
    assert all(a.status_code == 200 and "<svg" in a.text for a in answers)
    assert len({a.text for a in answers}) == 1
    assert len(drawn) == 1 and drawn[0] is not threading.main_thread()
    cache = answers[0].headers["cache-control"]
    assert "private" in cache and "max-age=86400" in cache and "no-cache" not in cache
