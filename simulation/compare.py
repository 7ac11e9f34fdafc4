"""Several scenarios side by side with common random numbers: the same seed, chunk size and paths for
each, so path i of every scenario faces the same uncertain-parameter quantiles, subsidy renewal draws
and behaviour streams. Differences between scenarios then have much smaller Monte Carlo errors than
the forecasts themselves, and the paired standard errors below say how small.

>>> from simulation.scenario import decode_scenario
>>> base = {"scenario": {"start": "2027-01", "months": 12, "paths": 200, "seed": 5},
...         "population": {"households": 300}, "contribution": {"preset": "montpellier"},
...         "allocation": {"preset": "montpellier"}, "participation": {"take_up": 0.3},
...         "uncertainty": {"spend_through": {"distribution": "beta", "a": 8, "b": 2}}}
>>> richer = dict(base, funding={"initial_reserve": 10000.0})
>>> comparison = compare_scenarios([decode_scenario(base), decode_scenario(richer)])
>>> gap = comparison.differences[0]
>>> round(gap.mean_final_reserve, 6), round(gap.standard_error_final_reserve, 6)
(10000.0, 0.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import msgspec
import numpy as np

from simulation.population import Population
from simulation.results import Results, SimulationResult
from simulation.run import Executor, Progress, Simulation, fresh_seed, simulate
from simulation.scenario import Scenario
from simulation.types import EngineName


class Difference(msgspec.Struct, frozen=True):
    """A scenario minus the first (the baseline), over paired paths. `p_deficit_any_month`: difference of
    the probabilities of a deficit in some month; `mean_final_reserve`: of the mean final reserves (€);
    each with its paired Monte Carlo standard error; `final_reserve_correlation`: correlation of the two
    scenarios' final reserves across paths (near 1: the common random numbers pay off)."""

    scenario: str
    p_deficit_any_month: float
    standard_error_p_deficit: float
    mean_final_reserve: float
    standard_error_final_reserve: float
    final_reserve_correlation: float | None


class Comparison(msgspec.Struct, frozen=True):
    """Every scenario's forecast (as ``caisse simulate --json``), then each one's difference from the
    first."""

    results: list[SimulationResult]
    differences: list[Difference]


def _paired(baseline: Results, other: Results, name: str) -> Difference:
    n = baseline.paths
    deficit = other.deficit_any_month.astype(float) - baseline.deficit_any_month
    final_other, final_base = other.final_reserve, baseline.final_reserve
    gap = final_other - final_base
    spread = final_other.std() * final_base.std()
    correlation = float(np.corrcoef(final_other, final_base)[0, 1]) if spread > 0 else None
    root = np.sqrt(n)
    return Difference(
        scenario=name,
        p_deficit_any_month=float(deficit.mean()),
        standard_error_p_deficit=float(deficit.std(ddof=1) / root) if n > 1 else 0.0,
        mean_final_reserve=float(gap.mean()),
        standard_error_final_reserve=float(gap.std(ddof=1) / root) if n > 1 else 0.0,
        final_reserve_correlation=correlation,
    )


def _overall(on_progress: Progress, index: int, count: int) -> Progress:
    """Progress of scenario `index` reported as progress over all `count` scenarios."""
    return lambda done, total: on_progress(index * total + done, count * total)


@dataclass(frozen=True)
class ComparedRuns:
    """The runs themselves (every path) and their comparison."""

    runs: tuple[Simulation, ...]
    comparison: Comparison

    @property
    def differences(self) -> list[Difference]:
        return self.comparison.differences


def compare_scenarios(
    scenarios: Sequence[Scenario],
    *,
    paths: int | None = None,
    seed: int | None = None,
    engine: EngineName = "stratified",
    populations: Sequence[Population | None] | None = None,
    executor: Executor | None = None,
    on_progress: Progress | None = None,
) -> ComparedRuns:
    """Run every scenario with the first one's seed, paths and chunk size (or `paths` and `seed`), and
    compare each with the first. The scenarios must have the same number of months. `populations`:
    each scenario's population when it is given rather than built from the scenario (a caisse's
    members), as `population=` of :func:`simulate`; None for those built from their scenario."""
    if len(scenarios) < 2:
        raise ValueError("a comparison needs at least two scenarios")
    given = list(populations) if populations is not None else [None] * len(scenarios)
    if len(given) != len(scenarios):
        raise ValueError(f"{len(given)} populations for {len(scenarios)} scenarios")
    first = scenarios[0].scenario
    months = {s.scenario.months for s in scenarios}
    if len(months) > 1:
        raise ValueError(f"scenarios compared month by month need the same months; got {sorted(months)}")
    shared_seed = seed if seed is not None else first.seed if first.seed is not None else fresh_seed()
    shared_paths = paths or first.paths
    runs = []
    for index, (scenario, population) in enumerate(zip(scenarios, given, strict=True)):
        aligned = msgspec.structs.replace(scenario.scenario, chunk_size=first.chunk_size)
        same = msgspec.structs.replace(scenario, scenario=aligned)
        report = None if on_progress is None else _overall(on_progress, index, len(scenarios))
        runs.append(
            simulate(
                same,
                paths=shared_paths,
                seed=shared_seed,
                engine=engine,
                population=population,
                executor=executor,
                on_progress=report,
            )
        )
    baseline = runs[0].results
    differences = [_paired(baseline, run.results, run.plan.name) for run in runs[1:]]
    return ComparedRuns(tuple(runs), Comparison([run.summary() for run in runs], differences))
