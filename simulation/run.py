"""Run a scenario: validate once, build the plan, run the chunks (here or on an executor), combine.

Entry points for callers outside this package (the web API among them):

- :func:`simulate` (``on_progress(done_paths, total_paths)`` is called once per finished chunk);
- :func:`estimate_work` before a run, to refuse requests too large for the machine;
- ``simulation.compare.compare_scenarios`` for several scenarios with common random numbers;
- ``simulation.population.population_from_households`` for a population given as weighted
  household records (a caisse's members), passed to :func:`simulate` as ``population=``.

>>> from simulation.scenario import decode_scenario
>>> scenario = decode_scenario({
...     "scenario": {"start": "2027-01", "months": 12, "paths": 50, "seed": 1},
...     "population": {"households": 200},
...     "contribution": {"preset": "montpellier"},
...     "allocation": {"preset": "montpellier"},
...     "participation": {"take_up": 0.5},
... })
>>> forecast = simulate(scenario).summary()
>>> forecast.paths, len(forecast.reserve.p50), forecast.engine
(50, 12, 'stratified')
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

import numpy as np

from simulation.chunks import ChunkSpec, chunk_specs
from simulation.engines import CHECKS, ENGINES, ChunkOutcome, run_chunk
from simulation.plan import Plan, build_plan
from simulation.population import Population
from simulation.results import Results, ResultsFolder, SimulationResult, keeps_paths, summarise
from simulation.scenario import Scenario
from simulation.sources import build_population
from simulation.types import ENGINE_NAMES, EngineName

Progress = Callable[[int, int], None]
"""Called with (paths done, paths in all) each time a chunk is done."""


class Executor(Protocol):
    """Anything with ``submit(fn, *args)`` returning a future with ``result()``: a
    ``concurrent.futures`` executor or a ``distributed.Client``."""

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any: ...


@dataclass(frozen=True)
class Simulation:
    """A finished run: the plan it ran, how (engine, seed, chunk size) and its paths' results: every
    path's months (:class:`~simulation.results.PathResults`) or, above
    :data:`~simulation.results.KEEP_PATHS_LIMIT` path-months, streamed summaries
    (:class:`~simulation.results.StreamedResults`)."""

    plan: Plan
    engine: EngineName
    seed: int
    chunk_size: int
    results: Results

    def summary(self) -> SimulationResult:
        """The JSON summary of DESIGN.md §3 (bands, risks, standard errors)."""
        return summarise(
            self.results,
            name=self.plan.name,
            engine=self.engine,
            months=self.plan.months,
            seed=self.seed,
            chunk_size=self.chunk_size,
            households=self.plan.population.total_households,
            types=self.plan.population.types,
        )


def chunk_outcomes(
    plan: Plan,
    specs: Sequence[ChunkSpec],
    engine: EngineName = "stratified",
    *,
    executor: Executor | None = None,
    on_progress: Progress | None = None,
) -> Iterator[ChunkOutcome]:
    """Every chunk's outcome, in chunk order, as soon as it and those before it are done; on
    `executor` when given (every chunk submitted at once), else one after the other."""
    total = sum(spec.paths for spec in specs)
    done = 0
    futures = None if executor is None else [executor.submit(run_chunk, plan, spec, engine) for spec in specs]
    for i, spec in enumerate(specs):
        outcome = run_chunk(plan, spec, engine) if futures is None else futures[i].result()
        if futures is not None:
            futures[i] = None  # the folded outcome need not outlive its turn
        done += spec.paths
        if on_progress is not None:
            on_progress(done, total)
        yield outcome


def run_chunks(
    plan: Plan,
    specs: Sequence[ChunkSpec],
    engine: EngineName = "stratified",
    *,
    executor: Executor | None = None,
    on_progress: Progress | None = None,
) -> list[ChunkOutcome]:
    """Every chunk's outcome, in chunk order (see :func:`chunk_outcomes`)."""
    return list(chunk_outcomes(plan, specs, engine, executor=executor, on_progress=on_progress))


def estimate_work(
    scenario: Scenario, *, paths: int | None = None, population: Population | None = None
) -> int:
    """The size of a run in path-months-types, what time and memory grow with; `paths` and
    `population` as for :func:`simulate`.

    >>> from simulation.scenario import decode_scenario
    >>> scenario = decode_scenario({
    ...     "scenario": {"start": "2027-01", "months": 12, "paths": 50, "seed": 1},
    ...     "population": {"households": 200},
    ...     "contribution": {"preset": "montpellier"},
    ...     "allocation": {"preset": "montpellier"},
    ... })
    >>> estimate_work(scenario, paths=10) % (10 * 12)
    0
    """
    types = (population if population is not None else build_population(scenario.population)).types
    return (paths or scenario.scenario.paths) * scenario.scenario.months * types


def fresh_seed() -> int:
    """A new seed from the operating system's entropy, small enough to be given back with --seed."""
    # A SeedSequence built without entropy draws one integer from the operating system.
    return cast(int, np.random.SeedSequence().entropy) % (2**63)


def simulate(
    scenario: Scenario,
    *,
    paths: int | None = None,
    seed: int | None = None,
    engine: EngineName = "stratified",
    population: Population | None = None,
    executor: Executor | None = None,
    on_progress: Progress | None = None,
    keep_paths: bool | None = None,
) -> Simulation:
    """Run `scenario` with `engine`; `paths` and `seed` override the scenario's.

    `population` replaces the one the scenario describes (the web application passes a caisse's
    members this way). Results depend only on the scenario, the seed, the chunk size and the
    engine — not on the executor or the order chunks finish in. `keep_paths`: keep every path's
    monthly figures (True) or stream summaries (False); by default, keep them up to
    :data:`~simulation.results.KEEP_PATHS_LIMIT` path-months (see :mod:`simulation.results`).
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINE_NAMES)}")
    if paths is not None and paths < 1:
        raise ValueError(f"paths must be >= 1, got {paths}")
    if seed is not None and not 0 <= seed < 2**63:
        raise ValueError(f"seed must be between 0 and 2^63 - 1, got {seed}")
    run = scenario.scenario
    chosen_seed = seed if seed is not None else run.seed if run.seed is not None else fresh_seed()
    plan = build_plan(
        scenario, population if population is not None else build_population(scenario.population)
    )
    total = paths or run.paths
    specs = chunk_specs(total, run.chunk_size, chosen_seed)
    CHECKS[engine](plan, specs[0].paths)
    folder = ResultsFolder(keep_paths=keeps_paths(total, run.months) if keep_paths is None else keep_paths)
    for outcome in chunk_outcomes(plan, specs, engine, executor=executor, on_progress=on_progress):
        folder.add(outcome)
    return Simulation(plan, engine, chosen_seed, run.chunk_size, folder.results())
