"""Which inputs move the forecast most: each input set lower then higher, every other one as written,
all runs on common random numbers (the same seed, paths and chunk size), sorted by how far the mean
final reserve swings (a tornado chart, :func:`tornado_svg`).

How far each input moves (docs/solver.md):

* the rules and money — contributions and allocations (factors of the rules, as the solver's levers),
  subsidies' amounts, initial reserve, operating costs, unpaid share, sensitivity of take-up to the
  net cost — by −10 % and +10 %;
* a probability written as a value (take-up, joining, leaving, spend-through, subsidy renewal) by
  −10 % and +10 % of it (capped at 1); one given as a distribution in ``[uncertainty]`` is fixed at
  that distribution's 10th and 90th percentiles;
* a yearly uprating (incomes, allocations) by −1 and +1 percentage point.

An input that is 0 (no reserve, no costs…) has nothing to move by 10 % and is left out, as is one
the scenario cannot move (a preset switching rules within the forecast), with the reason.

>>> from simulation.scenario import decode_scenario
>>> scenario = decode_scenario({
...     "scenario": {"start": "2027-01", "months": 12, "paths": 20, "seed": 1},
...     "population": {"households": 200, "income_bins": 10},
...     "contribution": {"scheme": {"kind": "proportional", "rate": 0.05}},
...     "allocation": {"rule": {"kind": "per_household", "base": 100.0}},
...     "funding": {"initial_reserve": 5000.0, "operating_costs": 100.0},
... })
>>> result = sensitivity(scenario)
>>> [swing.input for swing in result.inputs][:2]
['contribution_scale', 'allocation_scale']
>>> first = result.inputs[0]
>>> first.low, first.high, first.mean_final_reserve_low < first.mean_final_reserve_high
(0.9, 1.1, True)
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib
import msgspec
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from simulation.population import Population
from simulation.run import Executor, Progress, fresh_seed, simulate
from simulation.scenario import Scenario
from simulation.solve import scenario_at
from simulation.sources import build_population

RELATIVE_MOVE = 0.10
"""Rules, money and fixed probabilities move by ±10 % of their value."""

UPRATING_MOVE = 0.01
"""Yearly upratings move by ±1 percentage point."""

UNCERTAIN_QUANTILES = (0.10, 0.90)
"""An input drawn from a distribution is fixed at these quantiles."""


class Swing(msgspec.Struct, frozen=True):
    """One input moved down then up (``caisse sensitivity --json``).

    `input` (its name in the scenario or the solver's lever), `label` (French, for the chart), `unit`
    ("×" for a factor of the scenario's values, "share", "€", "€/month", "share/year"); `base`, `low`
    and `high` its values (`base` is the median for an input drawn from a distribution); then, with the
    input at `low` and at `high`, P(deficit in any month) and the mean final reserve (€);
    `final_reserve_swing`: |high − low| of that mean, what the inputs are sorted by.
    """

    input: str
    label: str
    unit: str
    base: float
    low: float
    high: float
    p_deficit_low: float
    p_deficit_high: float
    mean_final_reserve_low: float
    mean_final_reserve_high: float
    final_reserve_swing: float


class Sensitivity(msgspec.Struct, frozen=True):
    """The scenario as written (P(deficit in any month), mean final reserve in € with its Monte Carlo
    standard error), each input's swing (largest first), the inputs left out and why; every run with
    `paths` paths and `seed`."""

    scenario: str
    paths: int
    seed: int
    p_deficit_any_month: float
    mean_final_reserve: float
    standard_error_final_reserve: float
    inputs: list[Swing]
    left_out: list[str]


Setter = Callable[[Scenario, Population, float], tuple[Scenario, Population]]


@dataclass(frozen=True)
class Input:
    """An input the tornado moves: its (base, low, high) in a scenario (None: nothing to move, with
    the reason) and how to set it."""

    name: str
    label: str
    unit: str
    values: Callable[[Scenario], tuple[float, float, float] | str]
    set: Setter


def _relative(value: float, cap: float | None = None) -> tuple[float, float, float] | str:
    if value == 0:
        return "it is 0"
    low, high = value - RELATIVE_MOVE * abs(value), value + RELATIVE_MOVE * abs(value)
    return value, round(low, 12), round(high if cap is None else min(high, cap), 12)


def _lever(name: str, label: str) -> Input:
    """A solver lever (contribution or allocation factor) moved by ±10 %."""
    return Input(name, label, "×", lambda _s: _relative(1.0), lambda s, p, v: scenario_at(s, p, name, v))


def _funding(name: str, label: str, unit: str) -> Input:
    def put(scenario: Scenario, population: Population, value: float) -> tuple[Scenario, Population]:
        funding = msgspec.structs.replace(scenario.funding, **{name: value})
        return msgspec.structs.replace(scenario, funding=funding), population

    if name.endswith("uprating"):
        return Input(
            name,
            label,
            unit,
            lambda s: (
                (rate := getattr(s.funding, name)),
                round(rate - UPRATING_MOVE, 12),
                round(rate + UPRATING_MOVE, 12),
            ),
            put,
        )
    return Input(name, label, unit, lambda s: _relative(getattr(s.funding, name)), put)


def _section_of(name: str) -> str:
    return "spending" if name == "spend_through" else "participation"


def _probability(name: str, label: str) -> Input:
    """A probability of `[participation]` or `[spending]`, or its `[uncertainty]` distribution."""

    def values(scenario: Scenario) -> tuple[float, float, float] | str:
        distribution = getattr(scenario.uncertainty, name)
        if distribution is None:
            return _relative(getattr(getattr(scenario, _section_of(name)), name), cap=1.0)
        median, low, high = distribution.quantile(np.array([0.5, *UNCERTAIN_QUANTILES])).tolist()
        return median, low, high

    def put(scenario: Scenario, population: Population, value: float) -> tuple[Scenario, Population]:
        replace = msgspec.structs.replace
        section = replace(getattr(scenario, _section_of(name)), **{name: value})
        uncertainty = replace(scenario.uncertainty, **{name: None})
        return replace(scenario, **{_section_of(name): section, "uncertainty": uncertainty}), population

    return Input(name, label, "share", values, put)


def _subsidies(name: str, label: str, field: str, cap: float | None) -> Input:
    """Every subsidy's `field` (amount or renewal probability) × the factor."""

    def values(scenario: Scenario) -> tuple[float, float, float] | str:
        if not scenario.funding.subsidies:
            return "the scenario has no subsidy"
        return _relative(1.0)

    def put(scenario: Scenario, population: Population, factor: float) -> tuple[Scenario, Population]:
        replace = msgspec.structs.replace
        moved = tuple(
            replace(s, **{field: min(getattr(s, field) * factor, cap if cap is not None else math.inf)})
            for s in scenario.funding.subsidies
        )
        return replace(scenario, funding=replace(scenario.funding, subsidies=moved)), population

    return Input(name, label, "×", values, put)


def _contribution_field(name: str, label: str) -> Input:
    def put(scenario: Scenario, population: Population, value: float) -> tuple[Scenario, Population]:
        replace = msgspec.structs.replace
        return replace(scenario, contribution=replace(scenario.contribution, **{name: value})), population

    return Input(name, label, "share", lambda s: _relative(getattr(s.contribution, name), cap=1.0), put)


def _adverse_selection() -> Input:
    def put(scenario: Scenario, population: Population, value: float) -> tuple[Scenario, Population]:
        replace = msgspec.structs.replace
        participation = replace(scenario.participation, net_cost_sensitivity=value)
        return replace(scenario, participation=participation), population

    return Input(
        "net_cost_sensitivity",
        "Sélection adverse",
        "per 100 €",
        lambda s: _relative(s.participation.net_cost_sensitivity),
        put,
    )


INPUTS: tuple[Input, ...] = (
    _lever("contribution_scale", "Cotisations"),
    _lever("allocation_scale", "Allocations"),
    _subsidies("subsidies", "Subventions", "amount", None),
    _subsidies("subsidy_renewal", "Renouvellement des subventions", "renewal_probability", 1.0),
    _funding("initial_reserve", "Réserve initiale", "€"),
    _funding("operating_costs", "Frais de fonctionnement", "€/month"),
    _probability("take_up", "Adhésion initiale"),
    _probability("join_rate", "Adhésions mensuelles"),
    _probability("leave_rate", "Départs mensuels"),
    _probability("spend_through", "Part du crédit dépensée"),
    _contribution_field("unpaid_share", "Impayés"),
    _adverse_selection(),
    _funding("income_uprating", "Revalorisation des revenus", "share/year"),
    _funding("allocation_uprating", "Revalorisation des allocations", "share/year"),
)


@dataclass(frozen=True)
class _Move:
    """An input with its values and the two scenarios it gives."""

    input: Input
    values: tuple[float, float, float]
    low: tuple[Scenario, Population]
    high: tuple[Scenario, Population]


def _moves(scenario: Scenario, population: Population) -> tuple[list[_Move], list[str]]:
    """The inputs that can move in `scenario`, and the others with the reason."""
    moves, left_out = [], []
    for item in INPUTS:
        values = item.values(scenario)
        if isinstance(values, str):
            left_out.append(f"{item.name}: {values}")
            continue
        _, low, high = values
        if low == high:
            left_out.append(f"{item.name}: it cannot move")
            continue
        try:
            moved = item.set(scenario, population, low), item.set(scenario, population, high)
        except ValueError as error:
            left_out.append(f"{item.name}: {error}")
            continue
        moves.append(_Move(item, values, *moved))
    return moves, left_out


def sensitivity(
    scenario: Scenario,
    *,
    paths: int | None = None,
    seed: int | None = None,
    population: Population | None = None,
    executor: Executor | None = None,
    on_progress: Progress | None = None,
) -> Sensitivity:
    """Each input of `scenario` moved down and up (module docstring), 1 + 2 × inputs runs with the same
    seed and paths; the inputs sorted by the swing of the mean final reserve, largest first.

    `paths`, `seed`, `population`, `executor` as for :func:`simulation.run.simulate`; a scenario without
    a seed gets a fresh one, used by every run and reported. `on_progress(done, total)` counts paths
    over all runs.
    """
    if paths is not None and paths < 1:
        raise ValueError(f"paths must be >= 1, got {paths}")
    households = population if population is not None else build_population(scenario.population)
    run_seed = seed if seed is not None else scenario.scenario.seed
    run_seed = run_seed if run_seed is not None else fresh_seed()
    run_paths = paths or scenario.scenario.paths
    moves, left_out = _moves(scenario, households)
    runs = 1 + 2 * len(moves)
    done = 0

    def run(changed: Scenario, people: Population) -> tuple[float, float, float]:
        nonlocal done
        report = None
        if on_progress is not None:
            before, to = done, on_progress
            report = lambda finished, _total: to(before * run_paths + finished, runs * run_paths)  # noqa: E731
        forecast = simulate(
            changed, paths=run_paths, seed=run_seed, population=people, executor=executor, on_progress=report
        ).summary()
        done += 1
        return (
            forecast.depletion_month.p_ever,
            forecast.reserve.mean[-1],
            forecast.mc_standard_error.mean_final_reserve,
        )

    base_deficit, base_reserve, base_error = run(scenario, households)
    swings = []
    for move in moves:
        deficit_low, reserve_low, _ = run(*move.low)
        deficit_high, reserve_high, _ = run(*move.high)
        base, low, high = move.values
        swings.append(
            Swing(
                input=move.input.name,
                label=move.input.label,
                unit=move.input.unit,
                base=base,
                low=low,
                high=high,
                p_deficit_low=deficit_low,
                p_deficit_high=deficit_high,
                mean_final_reserve_low=reserve_low,
                mean_final_reserve_high=reserve_high,
                final_reserve_swing=round(abs(reserve_high - reserve_low), 2),
            )
        )
    # Largest swing first; ties (often 0) keep the inputs' order above.
    swings.sort(key=lambda swing: -swing.final_reserve_swing)
    return Sensitivity(
        scenario=scenario.scenario.name,
        paths=run_paths,
        seed=run_seed,
        p_deficit_any_month=base_deficit,
        mean_final_reserve=base_reserve,
        standard_error_final_reserve=base_error,
        inputs=swings,
        left_out=left_out,
    )


def _count(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")


def _value(swing: Swing, value: float) -> str:
    if swing.unit == "×":
        return f"{value:.0%}".replace("%", "\u202f%")
    if swing.unit.startswith("€"):
        return f"{_count(value)} €"
    if swing.unit.startswith("share"):
        return f"{100 * value:.3g}\u202f%"
    return f"{value:.3g}"


def tornado_figure(result: Sensitivity) -> Figure:
    """The tornado chart as a matplotlib Figure (object API, no pyplot): see :func:`tornado_svg`."""
    shown = list(reversed(result.inputs))  # barh draws from the bottom up
    figure = Figure(figsize=(10, 1.6 + 0.45 * max(len(shown), 1)), layout="constrained")
    axes = figure.add_subplot()
    centre = result.mean_final_reserve
    for row, swing in enumerate(shown):
        for end, colour, name in (
            (swing.mean_final_reserve_low, "#fdae6b", "Entrée basse"),
            (swing.mean_final_reserve_high, "#4292c6", "Entrée haute"),
        ):
            axes.barh(
                row, end - centre, left=centre, color=colour, height=0.6, label=name if row == 0 else None
            )
    axes.set_yticks(
        range(len(shown)),
        [f"{s.label} ({_value(s, s.low)} – {_value(s, s.high)})" for s in shown],
        fontsize="small",
    )
    axes.axvline(centre, color="#08306b", linewidth=1.5, label="Scénario tel quel")
    axes.axvline(0.0, color="#cb181d", linewidth=1, linestyle="--", label="Zéro")
    axes.xaxis.set_major_locator(MaxNLocator(nbins=6))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{_count(v)} €"))
    axes.set_xlabel("Réserve finale moyenne (€)")
    axes.set_title(
        f"{result.scenario}\nsensibilité de la réserve finale ({_count(result.paths)} trajectoires, "
        "mêmes tirages aléatoires)"
    )
    axes.grid(True, axis="x", alpha=0.3)
    axes.legend(loc="best", fontsize="small")
    return figure


def tornado_svg(result: Sensitivity) -> str:
    """The SVG tornado chart: for each input (largest swing at the top) a bar from the mean final
    reserve with the input low to that with it high, around the scenario's own; French labels.

    >>> from simulation.scenario import decode_scenario
    >>> scenario = decode_scenario({"scenario": {"start": "2027-01", "months": 4, "paths": 5, "seed": 3},
    ...     "contribution": {"preset": "gironde"}, "allocation": {"preset": "gironde"}})
    >>> svg = tornado_svg(sensitivity(scenario))
    >>> svg.startswith("<?xml") and "Réserve finale moyenne (€)" in svg and "Cotisations" in svg
    True
    """
    figure = tornado_figure(result)
    buffer = io.StringIO()
    # As the fan chart: a fixed hash salt and no date, so the same result gives the same file.
    with matplotlib.rc_context({"svg.hashsalt": "caisse-commune", "svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
