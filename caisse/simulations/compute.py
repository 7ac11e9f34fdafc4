"""The computation itself, run in a worker thread (numpy releases the GIL inside its C loops): a
prepared run in, the result's JSON out. Nothing here touches the database."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from caisse.simulations.models import RunKind
from caisse.simulations.privacy import private
from caisse.simulations.scenarios import PreparedRun
from caisse.simulations.solving import solve_computation
from simulation import Comparison, compare_scenarios, simulate
from simulation.run import Progress

Compute = Callable[[Progress], bytes]


def computation(prepared: PreparedRun) -> Compute:
    """A function of a progress callback that runs `prepared` and returns the
    result's JSON: a forecast for "simulate", every forecast and the differences for "compare", the
    lever's value and the forecast there for "solve"."""
    if prepared.kind is RunKind.SIMULATE:
        return lambda on_progress: _forecast(prepared, on_progress)
    if prepared.kind is RunKind.COMPARE:
        return lambda on_progress: _comparison(prepared, on_progress)
    return solve_computation(prepared)


def _forecast(prepared: PreparedRun, on_progress: Progress) -> bytes:
    run = simulate(
        prepared.scenarios[0],
        paths=prepared.paths,
        seed=prepared.seed,
        engine=prepared.engine,
        population=prepared.populations[0],
        on_progress=on_progress,
    )
    return msgspec.json.encode(private(run.summary(), prepared.populations[0]))


def _comparison(prepared: PreparedRun, on_progress: Progress) -> bytes:
    """`simulation.compare_scenarios` (common random numbers) with each scenario's own population."""
    compared = compare_scenarios(
        prepared.scenarios, paths=prepared.paths, seed=prepared.seed, engine=prepared.engine,
        populations=prepared.populations, on_progress=on_progress,
    )  # fmt: skip
    results = [
        private(result, population)
        for result, population in zip(compared.comparison.results, prepared.populations, strict=True)
    ]
    return msgspec.json.encode(Comparison(results, compared.comparison.differences))
