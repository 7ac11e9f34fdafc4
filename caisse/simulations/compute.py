"""The computation itself, run in a worker thread (numpy releases the GIL inside its C loops): a
prepared run in, the result's JSON out. Nothing here touches the database."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from caisse.simulations.models import RunKind
from caisse.simulations.privacy import private
from caisse.simulations.scenarios import PreparedRun
from caisse.simulations.solving import solve_computation
from simulation import Comparison, simulate
from simulation.compare import _paired  # the paired differences of a comparison, with their errors
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
    """As `simulation.compare_scenarios` (common random numbers: the first scenario's seed, paths and
    chunk size for all), with each scenario's own population, which that function cannot take."""
    count = len(prepared.scenarios)
    chunk_size = prepared.scenarios[0].scenario.chunk_size
    runs = []
    for index, (scenario, population) in enumerate(
        zip(prepared.scenarios, prepared.populations, strict=True)
    ):
        aligned = msgspec.structs.replace(
            scenario, scenario=msgspec.structs.replace(scenario.scenario, chunk_size=chunk_size)
        )

        def overall(done: int, total: int, index: int = index) -> None:
            on_progress(index * total + done, count * total)

        runs.append(
            simulate(
                aligned,
                paths=prepared.paths,
                seed=prepared.seed,
                engine=prepared.engine,
                population=population,
                on_progress=overall,
            )
        )
    baseline = runs[0].results
    differences = [_paired(baseline, run.results, run.plan.name) for run in runs[1:]]
    results = [
        private(run.summary(), population) for run, population in zip(runs, prepared.populations, strict=True)
    ]
    return msgspec.json.encode(Comparison(results, differences))
