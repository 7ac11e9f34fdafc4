"""The size estimate the API uses to refuse oversized runs."""

from __future__ import annotations

from simulation import estimate_work
from simulation.sources import build_population
from tests.unit.simulation.simulation_helpers import scenario


def test_estimate_work_counts_paths_months_and_types() -> None:
    base = scenario()
    types = build_population(base.population).types
    assert estimate_work(base) == 40 * 12 * types
    assert estimate_work(base, paths=1000) == 1000 * 12 * types
    assert estimate_work(scenario(scenario={"months": 24})) == 40 * 24 * types
