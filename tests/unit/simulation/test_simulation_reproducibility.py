"""A seed and a chunk size fix the results, whatever runs the chunks and in whichever order."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest

from simulation.chunks import chunk_specs
from simulation.plan import build_plan
from simulation.results import combine
from simulation.run import run_chunks, simulate
from simulation.sources import build_population
from simulation.types import EngineName
from tests.unit.simulation.simulation_helpers import scenario

RANDOM: dict[str, Any] = {
    "scenario": {"months": 10, "paths": 50, "chunk_size": 12, "seed": 77},
    "participation": {"take_up": 0.5, "join_rate": 0.05, "leave_rate": 0.05},
    "spending": {"spend_through": 0.8, "concentration": 6.0, "redemption_lag_months": 1},
    "funding": {"subsidies": [{"amount": 5000.0, "period_months": 4, "renewal_probability": 0.5}]},
    "uncertainty": {"take_up": {"distribution": "truncated_normal", "mean": 0.5, "sd": 0.1}},
}


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.array_equal(a, b))


@pytest.mark.parametrize("engine", ["stratified", "micro"])
def test_same_seed_gives_identical_results(engine: EngineName) -> None:
    first = simulate(scenario(**RANDOM), engine=engine)
    again = simulate(scenario(**RANDOM), engine=engine)
    assert _same(first.results.reserve, again.results.reserve)
    assert _same(first.results.members, again.results.members)
    assert first.summary() == again.summary()


def test_a_different_seed_gives_different_paths() -> None:
    first = simulate(scenario(**RANDOM))
    other = simulate(scenario(**RANDOM), seed=78)
    assert not _same(first.results.reserve, other.results.reserve)


def test_running_chunks_in_parallel_threads_gives_identical_results() -> None:
    alone = simulate(scenario(**RANDOM))
    with ThreadPoolExecutor(max_workers=2) as pool:
        parallel = simulate(scenario(**RANDOM), executor=pool)
    assert _same(alone.results.reserve, parallel.results.reserve)
    assert alone.summary() == parallel.summary()


def test_running_chunks_in_reverse_order_gives_identical_results() -> None:
    chosen = scenario(**RANDOM)
    plan = build_plan(chosen, build_population(chosen.population))
    specs = chunk_specs(50, 12, 77)
    forward = combine(run_chunks(plan, specs))
    backward = combine(run_chunks(plan, specs[::-1]))
    assert _same(forward.reserve, backward.reserve)
    assert _same(forward.net_transfer, backward.net_transfer)
    assert _same(simulate(chosen).results.reserve, forward.reserve)


def test_running_a_chunk_twice_draws_the_same_numbers() -> None:
    chosen = scenario(**RANDOM)
    plan = build_plan(chosen, build_population(chosen.population))
    spec = chunk_specs(50, 12, 77)[1]
    first, again = run_chunks(plan, [spec]), run_chunks(plan, [spec])
    assert _same(first[0].reserve, again[0].reserve)


def test_more_paths_keep_the_first_chunks_paths_unchanged() -> None:
    few = simulate(scenario(**RANDOM), paths=24)
    many = simulate(scenario(**RANDOM), paths=60)
    assert _same(few.results.reserve, many.results.reserve[:24])


def test_progress_reports_every_chunk_up_to_all_paths() -> None:
    seen: list[tuple[int, int]] = []
    simulate(scenario(**RANDOM), on_progress=lambda done, total: seen.append((done, total)))
    assert seen == [(12, 50), (24, 50), (36, 50), (48, 50), (50, 50)]
