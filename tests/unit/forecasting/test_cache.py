"""The forecasts kept by the application: computed once per key while fresh, again once stale,
never twice at once, and an error is not kept."""

from __future__ import annotations

import asyncio

import pytest

from caisse.forecasting.cache import ForecastCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_an_entry_is_computed_once_while_fresh_and_again_once_stale() -> None:
    clock, calls = Clock(), []

    async def compute() -> int:
        calls.append(clock.now)
        return len(calls)

    cache = ForecastCache(ttl=600, clock=clock)
    assert await cache.get("a", compute) == 1
    clock.now = 600
    assert await cache.get("a", compute) == 1  # 600 s old: still fresh
    clock.now = 601
    assert await cache.get("a", compute) == 2
    assert await cache.get("b", compute) == 3  # another key, its own entry
    assert calls == [0.0, 601, 601]


async def test_views_asking_at_once_wait_for_one_computation() -> None:
    started = 0
    release = asyncio.Event()

    async def compute() -> str:
        nonlocal started
        started += 1
        await release.wait()
        return "forecast"

    cache = ForecastCache()
    views = [asyncio.create_task(cache.get(("caisse", 1), compute)) for _ in range(5)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*views) == ["forecast"] * 5
    assert started == 1


async def test_an_error_reaches_the_caller_and_is_not_kept() -> None:
    attempts = 0

    async def compute() -> str:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise ValueError("the database went away")
        return "forecast"

    cache = ForecastCache()
    with pytest.raises(ValueError, match="went away"):
        await cache.get("a", compute)
    assert await cache.get("a", compute) == "forecast"


async def test_the_oldest_entries_make_room() -> None:
    async def compute() -> object:
        return object()

    cache = ForecastCache(size=2)
    first = await cache.get(1, compute)
    await cache.get(2, compute)
    await cache.get(3, compute)
    assert await cache.get(2, compute) is not None
    assert await cache.get(1, compute) is not first  # 1 was dropped: computed anew
