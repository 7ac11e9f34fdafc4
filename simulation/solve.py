"""The value of one lever that meets a risk target: "how much must contributions rise for a deficit in
fewer than 5 % of the futures?" (DESIGN.md §4, docs/solver.md).

validate (lever, target, bounds) → evaluate the lever's two bounds → root finding between them →
a frozen :class:`Solution` with the forecast at the value found.

**Method.** Every evaluation runs :func:`simulation.run.simulate` with the *same* seed, paths and
chunk size (common random numbers): path i faces the same uncertain parameters, subsidy renewals and
behaviour draws whatever the lever's value. The metric is then a deterministic function of the lever,
monotone for the levers below when behaviour does not depend on the net cost (and in practice nearly
so when it does). P(deficit) over n paths is a step function (multiples of 1/n), so the solver looks
for the lever value where the target switches from missed to met: :func:`scipy.optimize.bisect` for
P(deficit) (interpolating a step function gains nothing), :func:`scipy.optimize.brentq` for the other
targets (secant and inverse-quadratic steps, falling back to bisection), on values snapped to a grid
(0.001 for a factor; for €, the power of ten at or below the tolerance, at least 1 cent), then
bisection of the last bracket until it is narrower than the tolerance. The value returned is the
bracket's end that meets the target, so the forecast returned with it meets it; one tolerance towards
the other end misses it.

>>> from simulation.scenario import decode_scenario
>>> scenario = decode_scenario({
...     "scenario": {"start": "2027-01", "months": 12, "paths": 20, "seed": 1},
...     "population": {"households": 200, "income_bins": 10},
...     "contribution": {"scheme": {"kind": "proportional", "rate": 0.02}},
...     "allocation": {"rule": {"kind": "per_household", "base": 100.0}},
... })
>>> solution = solve(scenario, lever="contribution_scale", target="self_financing >= 1")
>>> solution.value, solution.metric >= 1.0, solution.rules
(1.572, True, '3.144 % of household income')
>>> try:
...     solve(scenario, lever="contribution_scale", target="self_financing >= 1", bounds=(1.0, 1.5))
... except TargetOutOfReach as error:
...     print(error)  # doctest: +NORMALIZE_WHITESPACE
self_financing >= 1 is out of reach with contribution_scale between 1 and 1.5: it is 0.6363 at 1
and 0.9544 at 1.5; widen the bounds (--min/--max) or move another lever
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import msgspec
import numpy as np
from scipy.optimize import bisect, brentq

from caisse.rules import (
    AllocationRule,
    ContributionScheme,
    FlatTiersScheme,
    MarginalBracketsScheme,
    MutualistAllocation,
    PerConsumptionUnitAllocation,
    PerHouseholdAllocation,
    PerPersonAllocation,
    ProportionalScheme,
    SelfDeterminedScheme,
    describe_allocation,
    describe_contribution,
)
from simulation.billing import rule_in_force, scheme_in_force
from simulation.months import month_labels
from simulation.population import Population
from simulation.results import PathResults, SimulationResult
from simulation.run import Executor, Progress, Simulation, fresh_seed, simulate
from simulation.scenario import Scenario
from simulation.sections import Subsidy
from simulation.sources import build_population

LeverName = Literal["contribution_scale", "allocation_scale", "subsidy", "initial_reserve"]
MetricName = Literal["p_deficit_any_month", "self_financing", "final_reserve_p05"]

SOUGHT_GRANT = "subvention à trouver"
"""Name of the yearly grant the `subsidy` lever adds to the scenario's own."""


@dataclass(frozen=True)
class Lever:
    """A lever the solver moves. `unit`: "×" (a factor of the scenario's rules) or € amounts;
    `raising_helps`: a higher value makes the budget safer (False for the allocation); `grid`: values
    tried are multiples of it; `default_bounds`: None where the upper bound is derived from the
    scenario's spending (€ levers)."""

    name: LeverName
    unit: str
    meaning: str
    raising_helps: bool
    grid: float
    default_bounds: tuple[float, float] | None


LEVERS: dict[str, Lever] = {
    lever.name: lever
    for lever in (
        Lever(
            "contribution_scale",
            "×",
            "every household's contribution × this factor (rates, amounts, floors, ceilings, "
            "self-determined bounds, suggestions and recorded choices)",
            True,
            0.001,
            (0.0, 3.0),
        ),
        Lever(
            "allocation_scale",
            "×",
            "every household's allocation × this factor (a mutualist allocation's share)",
            False,
            0.001,
            (0.0, 3.0),
        ),
        Lever(
            "subsidy",
            "€/year",
            "a grant added to the scenario's, € a year paid in twelve monthly parts, renewed for sure",
            True,
            0.01,
            None,
        ),
        Lever("initial_reserve", "€", "the fund before the first month, €", True, 0.01, None),
    )
}

# Subsidies and the reserve do not enter contributions ÷ allocations.
MOVES_SELF_FINANCING = ("contribution_scale", "allocation_scale")


@dataclass(frozen=True)
class Metric:
    """A figure of the forecast a target bounds: `at_most` for a risk (P(deficit)), else at least."""

    name: MetricName
    at_most: bool
    meaning: str


METRICS: dict[str, Metric] = {
    metric.name: metric
    for metric in (
        Metric("p_deficit_any_month", True, "probability that the reserve is below 0 in some month"),
        Metric("self_financing", False, "contributions paid ÷ allocations credited over the horizon"),
        Metric("final_reserve_p05", False, "the final reserve (€) that 95 % of the paths reach"),
    )
}


class Target(msgspec.Struct, frozen=True):
    """`metric` <= `bound` (a risk) or >= `bound`; `text` as a person writes it."""

    metric: MetricName
    bound: float

    @property
    def at_most(self) -> bool:
        return METRICS[self.metric].at_most

    @property
    def text(self) -> str:
        return f"{self.metric} {'<=' if self.at_most else '>='} {self.bound:g}"

    def margin(self, value: float) -> float:
        """How far `value` is on the right side of the bound (>= 0: met)."""
        return self.bound - value if self.at_most else value - self.bound


_TARGET = re.compile(r"^\s*(?P<metric>[a-z_0-9]+)\s*(?P<op><=|>=|<|>|=)\s*(?P<bound>[-+0-9.eE]+)\s*$")


def parse_target(text: str) -> Target:
    """A target written ``"p_deficit_any_month <= 0.05"``, ``"self_financing >= 0.8"`` or
    ``"final_reserve_p05 >= 0"`` (€); ValueError naming what is accepted.

    >>> parse_target("p_deficit_any_month<=0.05").text
    'p_deficit_any_month <= 0.05'
    """
    accepted = "; write one of " + ", ".join(
        f"{m.name}{'<=' if m.at_most else '>='}X ({m.meaning})" for m in METRICS.values()
    )
    found = _TARGET.match(text)
    if found is None:
        raise ValueError(f"cannot read the target {text!r}{accepted}")
    name, operator = found["metric"], found["op"]
    if name not in METRICS:
        raise ValueError(f"unknown target metric {name!r}{accepted}")
    metric = METRICS[name]
    expected = "<=" if metric.at_most else ">="
    if operator != expected:
        raise ValueError(f"{name} takes the operator {expected}: write {name}{expected}X")
    try:
        bound = float(found["bound"])
    except ValueError:
        raise ValueError(f"the target's bound {found['bound']!r} is not a number{accepted}") from None
    if not math.isfinite(bound):
        raise ValueError(f"the target's bound must be a finite number, got {found['bound']}")
    if metric.name == "p_deficit_any_month" and not 0.0 <= bound < 1.0:
        raise ValueError(f"p_deficit_any_month is a probability: give a bound in [0, 1), got {bound:g}")
    if metric.name == "self_financing" and bound <= 0.0:
        raise ValueError(f"self_financing is a ratio: give a bound above 0 (1 = break-even), got {bound:g}")
    return Target(metric.name, bound)


class TargetOutOfReach(ValueError):
    """No value of the lever between its bounds meets the target; the message gives the metric at each
    bound. `lever`, `target`, `bounds` and `reached` (the metric at each bound) for programs."""

    def __init__(
        self, lever: str, target: Target, bounds: tuple[float, float], reached: tuple[float, float]
    ) -> None:
        low, high = bounds
        super().__init__(
            f"{target.text} is out of reach with {lever} between {low:g} and {high:g}: it is "
            f"{reached[0]:.4g} at {low:g} and {reached[1]:.4g} at {high:g}; widen the bounds "
            "(--min/--max) or move another lever"
        )
        self.lever = lever
        self.target = target
        self.bounds = bounds
        self.reached = reached


class Solution(msgspec.Struct, frozen=True):
    """The lever's value meeting the target (`caisse solve --json`).

    * ``lever``, ``unit`` ("×", "€", "€/year"), ``value``: the value found, on the lever's grid (0.001
      for a factor, cents for €): the smallest meeting the target for a lever whose rise makes the
      budget safer, the largest for the allocation.
    * ``target``: as parsed; ``metric`` and ``standard_error``: the target's figure at ``value`` and its
      Monte Carlo standard error (0 when every path agrees).
    * ``met_at_bound``: the target is met over the whole range: ``value`` is the bound that asks least.
    * ``bounds``, ``tolerance``: the range searched and the width of the last bracket (the lever's
      unit); ``evaluations``: simulations run, each with ``paths`` paths and ``seed``.
    * ``rules``: the scaled contribution or allocation rule in words (factor levers), else None.
    * ``forecast``: the forecast at ``value`` (as ``caisse simulate --json``).
    """

    lever: str
    unit: str
    value: float
    target: str
    metric: float
    standard_error: float
    met_at_bound: bool
    bounds: tuple[float, float]
    tolerance: float
    evaluations: int
    paths: int
    seed: int
    rules: str | None
    forecast: SimulationResult


# --- the scenario at a lever's value ---------------------------------------------------------------


def _pairs(pairs: tuple[tuple[float, float], ...], factor: float) -> tuple[tuple[float, float], ...]:
    return tuple((threshold, value * factor) for threshold, value in pairs)


def scaled_scheme(scheme: ContributionScheme, factor: float) -> ContributionScheme:
    """`scheme` with every amount it bills × `factor`: rates, floors, ceilings, tier amounts,
    self-determined bounds and suggestion grid (income thresholds and rounding steps unchanged).
    ValueError when a rate would exceed 1.

    >>> scaled_scheme(ProportionalScheme(rate=0.02, floor=10.0), 1.5).rate
    0.03
    """
    replace = msgspec.structs.replace
    ceiling = getattr(scheme, "ceiling", None)
    if isinstance(scheme, ProportionalScheme):
        return replace(
            scheme,
            rate=round(scheme.rate * factor, 12),
            floor=scheme.floor * factor,
            ceiling=None if ceiling is None else ceiling * factor,
            extra_floor_per_person=scheme.extra_floor_per_person * factor,
        )
    if isinstance(scheme, MarginalBracketsScheme):
        return replace(
            scheme,
            brackets=tuple((t, round(r * factor, 12)) for t, r in scheme.brackets),
            floor=scheme.floor * factor,
            ceiling=None if ceiling is None else ceiling * factor,
            extra_floor_per_person=scheme.extra_floor_per_person * factor,
        )
    if isinstance(scheme, FlatTiersScheme):
        return replace(
            scheme,
            tiers=_pairs(scheme.tiers, factor),
            top_amount=scheme.top_amount * factor,
            per_extra_person=scheme.per_extra_person * factor,
        )
    assert isinstance(scheme, SelfDeterminedScheme)
    suggestion = scheme.suggestion
    return replace(
        scheme,
        minimum=scheme.minimum * factor,
        minimum_per_extra_person=scheme.minimum_per_extra_person * factor,
        maximum=None if scheme.maximum is None else scheme.maximum * factor,
        maximum_per_extra_person=scheme.maximum_per_extra_person * factor,
        suggestion=None if suggestion is None else scaled_scheme(suggestion, factor),  # type: ignore[arg-type]
    )


def scaled_rule(rule: AllocationRule, factor: float) -> AllocationRule:
    """`rule` with every allocation × `factor` (a mutualist rule's share of the mean contribution).

    >>> scaled_rule(PerPersonAllocation(amount=150.0), 0.5).amount
    75.0
    """
    replace = msgspec.structs.replace
    if isinstance(rule, PerPersonAllocation):
        return replace(rule, amount=rule.amount * factor)
    if isinstance(rule, PerConsumptionUnitAllocation):
        return replace(rule, amount_per_unit=rule.amount_per_unit * factor)
    if isinstance(rule, PerHouseholdAllocation):
        child = rule.per_child_under_14
        return replace(
            rule,
            base=rule.base * factor,
            per_extra_person=rule.per_extra_person * factor,
            per_child_under_14=None if child is None else child * factor,
        )
    assert isinstance(rule, MutualistAllocation)
    return replace(rule, share=rule.share * factor)


def _only_rule(scenario: Scenario, what: str) -> ContributionScheme | AllocationRule:
    """The one contribution scheme or allocation rule in force over the whole horizon; a preset that
    switches rule set within it cannot be scaled as one rule (ValueError saying what to do)."""
    months = month_labels(scenario.scenario.start, scenario.scenario.months)
    section = scenario.contribution if what == "contribution" else scenario.allocation
    pick: Callable[[str], ContributionScheme | AllocationRule] = (
        (lambda month: scheme_in_force(scenario.contribution, month))
        if what == "contribution"
        else (lambda month: rule_in_force(scenario.allocation, month))
    )
    rules = [pick(month) for month in months]
    for month, rule in zip(months, rules, strict=True):
        if rule != rules[0]:
            raise ValueError(
                f"[{what}] preset {section.preset} changes its rules in {month}, within the forecast: "
                f'set rule_month = "{month}" (or start the scenario then) to scale one rule set'
            )
    return rules[0]


def lever_value(scenario: Scenario, lever: str) -> float:
    """The lever's value in the scenario as written: factors 1, no sought grant, its reserve (€)."""
    if lever == "subsidy":
        return 0.0
    if lever == "initial_reserve":
        return scenario.funding.initial_reserve
    return 1.0


def scenario_at(
    scenario: Scenario, population: Population, lever: str, value: float
) -> tuple[Scenario, Population]:
    """`scenario` and `population` with `lever` set to `value` (see :data:`LEVERS`); the population
    changes only for recorded contribution choices under `contribution_scale`."""
    replace = msgspec.structs.replace
    if lever == "initial_reserve":
        return replace(scenario, funding=replace(scenario.funding, initial_reserve=value)), population
    if lever == "subsidy":
        # Always present (even at 0 €), so that every evaluation draws the same renewal numbers.
        grant = Subsidy(name=SOUGHT_GRANT, amount=value, period_months=12, payment="monthly")
        funding = replace(scenario.funding, subsidies=(*scenario.funding.subsidies, grant))
        return replace(scenario, funding=funding), population
    if lever == "allocation_scale":
        rule = scaled_rule(_only_rule(scenario, "allocation"), value)  # type: ignore[arg-type]
        allocation = replace(scenario.allocation, preset=None, rule_month=None, rule=rule)
        return replace(scenario, allocation=allocation), population
    scheme = scaled_scheme(_only_rule(scenario, "contribution"), value)  # type: ignore[arg-type]
    section = replace(scenario.contribution, preset=None, rule_month=None, scheme=scheme)
    chosen = dataclasses.replace(population, chosen=population.chosen * value)
    return replace(scenario, contribution=section), chosen


def rules_in_words(scenario: Scenario, lever: str) -> str | None:
    """The scaled rule a factor lever leads to, in words (for the summary and the JSON)."""
    if lever == "contribution_scale":
        return describe_contribution(scheme_in_force(scenario.contribution, scenario.scenario.start))
    if lever == "allocation_scale":
        return describe_allocation(rule_in_force(scenario.allocation, scenario.scenario.start))
    return None


# --- the metrics --------------------------------------------------------------------------------


def metric_of(metric: str, run: Simulation, forecast: SimulationResult) -> tuple[float, float]:
    """The target's figure for a finished run and its Monte Carlo standard error.

    P(deficit): the share of paths, binomial error. Self-financing: mean of the paths' ratios (+inf
    without any allocation), error of that mean. Final reserve p05: the 5th percentile (€), error from
    the order statistics one binomial standard deviation of rank either side, halved.
    """
    results = run.results
    n = results.paths
    if metric == "p_deficit_any_month":
        return forecast.depletion_month.p_ever, forecast.mc_standard_error.p_deficit_any_month
    if metric == "self_financing":
        funded = results.allocations_total > 0
        if not funded.any():
            return math.inf, 0.0
        ratio = results.contributions_total[funded] / results.allocations_total[funded]
        spread = float(ratio.std(ddof=1) / math.sqrt(ratio.size)) if ratio.size > 1 else 0.0
        return float(ratio.mean()), spread
    # Per-path final reserves are kept by every run, also one too large to keep its months.
    final = np.sort(results.final_reserve)
    rank, spread = 0.05 * (n - 1), math.sqrt(n * 0.05 * 0.95)
    low, high = final[max(0, math.floor(rank - spread))], final[min(n - 1, math.ceil(rank + spread))]
    return float(np.percentile(final, 5)), float(high - low) / 2.0


@dataclass(frozen=True)
class Evaluation:
    """One simulation at a lever value: the target's figure, its error, the run and its summary."""

    value: float
    metric: float
    standard_error: float
    run: Simulation
    forecast: SimulationResult


# --- validation ---------------------------------------------------------------------------------


def _check_lever(lever: str, target: Target) -> Lever:
    if lever not in LEVERS:
        accepted = "; ".join(f"{name} ({item.unit}: {item.meaning})" for name, item in LEVERS.items())
        raise ValueError(f"unknown lever {lever!r}; choose one of: {accepted}")
    if target.metric == "self_financing" and lever not in MOVES_SELF_FINANCING:
        raise ValueError(
            f"{lever} does not change self_financing (contributions ÷ allocations); solve it with "
            f"{' or '.join(MOVES_SELF_FINANCING)}"
        )
    return LEVERS[lever]


def _check_bounds(lever: Lever, bounds: tuple[float, float]) -> tuple[float, float]:
    low, high = bounds
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"{lever.name}'s bounds must be finite numbers, got {low} and {high}")
    if low >= high:
        raise ValueError(f"{lever.name}'s lower bound ({low:g}) must be below its upper bound ({high:g})")
    if lever.name != "initial_reserve" and low < 0:
        raise ValueError(f"{lever.name} cannot be negative: give a lower bound >= 0, got {low:g}")
    return _snap(low, lever.grid), _snap(high, lever.grid)


def _snap(value: float, grid: float) -> float:
    """`value` on the lever's grid, without binary noise (0.1 + 0.2 stays 0.3)."""
    decimals = max(0, -math.floor(math.log10(grid)))
    return round(round(value / grid) * grid, decimals)


def _upper_from_spending(lever: Lever, at_low: Evaluation, low: float) -> float:
    """A default upper bound for a € lever: twice what leaves the fund over the horizon (redemptions
    and costs, mean over paths) above the lower bound; as a yearly grant for `subsidy`."""
    forecast = at_low.forecast
    out = sum(forecast.redemptions.mean) + sum(forecast.costs.mean)
    months = len(forecast.months)
    spent = out * 12.0 / months if lever.name == "subsidy" else out
    return _snap(low + max(2.0 * spent, 1000.0), lever.grid)


# --- the search ---------------------------------------------------------------------------------


class _Search:
    """Runs and remembers the evaluations of one solve (each value once), reporting progress."""

    def __init__(
        self,
        evaluate: Callable[[float, Progress | None], Evaluation],
        target: Target,
        raising_helps: bool,
        paths: int,
        expected: int,
        on_progress: Progress | None,
    ) -> None:
        self.evaluate = evaluate
        self.target = target
        self.raising_helps = raising_helps
        self.paths = paths
        self.expected = expected
        self.on_progress = on_progress
        self.done: dict[float, Evaluation] = {}

    def at(self, value: float) -> Evaluation:
        if value not in self.done:
            self.done[value] = self.evaluate(value, self._reporter())
        return self.done[value]

    def _reporter(self) -> Progress | None:
        """Progress of the next evaluation as paths done over the expected evaluations' paths."""
        report_to = self.on_progress
        if report_to is None:
            return None
        before, expected = len(self.done), max(self.expected, len(self.done) + 1)
        return lambda done, _total: report_to(before * self.paths + done, expected * self.paths)

    def meets(self, value: float) -> bool:
        return self.target.margin(self.at(value).metric) >= 0


def _bracket(search: _Search, raising_helps: bool) -> tuple[float, float]:
    """(the value that meets the target nearest the crossing, the value that misses it nearest the
    crossing) among the evaluations so far."""
    meeting = [v for v, e in search.done.items() if search.target.margin(e.metric) >= 0]
    met = min(meeting) if raising_helps else max(meeting)
    missing = [
        v
        for v, e in search.done.items()
        if search.target.margin(e.metric) < 0 and (v < met if raising_helps else v > met)
    ]
    return met, (max(missing) if raising_helps else min(missing))


def _crossing(search: _Search, grid: float, low: float, high: float, tolerance: float) -> float:
    """The meeting end of a bracket narrower than `tolerance` around the switch from missed to met."""

    def margin(value: float) -> float:
        # The bounds as given (they may lie off the grid), other values on the grid and within them.
        tried = value if value in (low, high) else min(max(_snap(value, grid), low), high)
        found = search.target.margin(search.at(tried).metric)
        # Never exactly 0 on a met value, so brentq keeps a bracket instead of stopping on a plateau.
        return found if found != 0.0 else 1e-12

    # P(deficit) is a step function of the lever (multiples of 1/paths): interpolation has nothing to
    # work with, so plain bisection; the other metrics move smoothly and Brent's method saves steps.
    find_root = bisect if search.target.metric == "p_deficit_any_month" else brentq
    find_root(margin, low, high, xtol=tolerance, maxiter=200)
    met, missed = _bracket(search, search.raising_helps)
    while abs(met - missed) > tolerance:
        middle = _snap((met + missed) / 2.0, grid)
        if middle in (met, missed):
            break
        search.at(middle)
        met, missed = _bracket(search, search.raising_helps)
    return met


def _reserve_from_paths(search: _Search, goal: Target, low: float, high: float, grid: float) -> float | None:
    """The initial reserve meeting the target, read from one run's paths and confirmed by a second
    run; None when the paths cannot tell (a run too large to keep its months, a self-financing
    target the reserve does not move) or the confirmation misses: the search then runs as for any
    lever.

    On common random numbers the initial reserve changes no flow of any path: every month's reserve
    moves one for one with it. Path i, run at `low`, is never in deficit from the reserve
    `low − min_t reserve_it` on; P(deficit) <= x leaves at most ⌊x·n⌋ paths in deficit, so the
    smallest reserve meeting it is an order statistic of those needs, rounded up to the grid. The
    final reserve's 5th percentile moves one for one likewise. A third run checks that one grid step
    less misses the target."""
    base = search.at(low)
    results = base.run.results
    if not isinstance(results, PathResults) or goal.metric == "self_financing":
        return None
    if goal.metric == "p_deficit_any_month":
        needs = np.sort(low - results.reserve.min(axis=1))
        in_deficit = math.floor(goal.bound * results.paths + 1e-9)
        needed = float(needs[results.paths - in_deficit - 1]) if in_deficit < results.paths else low
    else:
        needed = low + goal.bound - base.metric
    value = _snap(max(low, math.ceil(needed / grid - 1e-9) * grid), grid)
    if value > high or not search.meets(value):
        return None
    # Sums in floating point can leave the order statistic a hair above a grid value that meets the
    # target already: step down while the value below meets it too (one run, usually, to see not).
    below = _snap(value - grid, grid)
    while below >= low and search.meets(below):
        value, below = below, _snap(below - grid, grid)
    return value


def _grid(lever: Lever, tolerance: float) -> float:
    """Values tried: multiples of 0.001 for a factor; for €, of the power of ten at or below the
    tolerance (at least a cent), so that the value reported has no digits the search did not fix."""
    if lever.unit == "×":
        return lever.grid
    return max(lever.grid, 10.0 ** math.floor(math.log10(tolerance) + 1e-9))


def solve(
    scenario: Scenario,
    *,
    lever: str,
    target: str | Target,
    bounds: tuple[float | None, float | None] | None = None,
    tolerance: float | None = None,
    paths: int | None = None,
    seed: int | None = None,
    population: Population | None = None,
    executor: Executor | None = None,
    on_progress: Progress | None = None,
) -> Solution:
    """The value of `lever` within `bounds` that meets `target`, with common random numbers.

    >>> from simulation.scenario import decode_scenario
    >>> scenario = decode_scenario({
    ...     "scenario": {"start": "2027-01", "months": 12, "paths": 20, "seed": 1},
    ...     "population": {"households": 200, "income_bins": 10},
    ...     "contribution": {"scheme": {"kind": "proportional", "rate": 0.02}},
    ...     "allocation": {"rule": {"kind": "per_household", "base": 100.0}},
    ... })
    >>> needed = solve(scenario, lever="initial_reserve", target="p_deficit_any_month <= 0.05")
    >>> needed.value, needed.unit, needed.tolerance, needed.evaluations
    (87300.0, '€', 48.0, 3)

    `lever`: ``contribution_scale`` (factor, default bounds 0–3), ``allocation_scale`` (factor, 0–3),
    ``subsidy`` (€ a year added, 0 to twice the yearly spending) or ``initial_reserve`` (€, 0 to twice
    the spending over the horizon); `bounds` (low, high), either None for its default. `target`:
    ``"p_deficit_any_month <= X"``, ``"self_financing >= X"`` or ``"final_reserve_p05 >= X"`` (€).
    `tolerance`: width of the last bracket, in the lever's unit (default 0.001 for a factor; for €,
    1/10 000 of the range, at least 1 cent). `paths`, `seed`, `population`, `executor` as for
    :func:`simulation.run.simulate`; a scenario without a seed gets a fresh one, used by every
    evaluation and reported. `on_progress(done, total)` counts paths over the expected evaluations.

    Raises ValueError (bad lever, target, bounds, or a preset that switches rules mid-forecast) before
    any simulation, and :class:`TargetOutOfReach` when even the safer bound misses the target.
    """
    goal = target if isinstance(target, Target) else parse_target(target)
    chosen = _check_lever(lever, goal)
    if paths is not None and paths < 1:
        raise ValueError(f"paths must be >= 1, got {paths}")
    if tolerance is not None and not (math.isfinite(tolerance) and tolerance > 0):
        raise ValueError(f"tolerance must be a positive number in the lever's unit, got {tolerance}")
    given_low, given_high = bounds or (None, None)
    default_low, default_high = chosen.default_bounds or (0.0, None)
    low = default_low if given_low is None else given_low
    high = default_high if given_high is None else given_high
    derive_high = high is None  # € levers: from the scenario's spending, once the lower bound has run
    low, high = _check_bounds(chosen, (low, low + 1.0 if high is None else high))
    households = population if population is not None else build_population(scenario.population)
    tried = low if derive_high else high
    try:  # a rule that cannot be scaled fails here, before any simulation
        scenario_at(scenario, households, lever, tried)
    except ValueError as error:
        raise ValueError(f"{lever} = {tried:g} cannot apply: {error}; give a lower upper bound") from None
    run_seed = seed if seed is not None else scenario.scenario.seed
    run_seed = run_seed if run_seed is not None else fresh_seed()
    run_paths = paths or scenario.scenario.paths

    def evaluate(value: float, report: Progress | None) -> Evaluation:
        changed, people = scenario_at(scenario, households, lever, value)
        run = simulate(
            changed, paths=run_paths, seed=run_seed, population=people, executor=executor, on_progress=report
        )
        forecast = run.summary()
        metric, error = metric_of(goal.metric, run, forecast)
        return Evaluation(value, metric, error, run, forecast)

    search = _Search(evaluate, goal, chosen.raising_helps, run_paths, 12, on_progress)
    if derive_high:
        high = _upper_from_spending(chosen, search.at(low), low)
    width = tolerance if tolerance is not None else max(chosen.grid, (high - low) * 1e-4)
    grid = _grid(chosen, width)
    search.expected = 3 + math.ceil(math.log2(max((high - low) / width, 1.0)))
    direct = _reserve_from_paths(search, goal, low, high, grid) if lever == "initial_reserve" else None
    if direct is not None:
        value, met_at_bound = direct, direct == low
    else:
        safe, risky = (high, low) if chosen.raising_helps else (low, high)
        if not search.meets(safe):
            reached = (search.at(low).metric, search.at(high).metric)
            raise TargetOutOfReach(lever, goal, (low, high), reached)
        met_at_bound = search.meets(risky)
        value = risky if met_at_bound else _crossing(search, grid, low, high, width)
    found = search.at(value)
    if on_progress is not None:
        on_progress(len(search.done) * run_paths, len(search.done) * run_paths)
    return Solution(
        lever=lever,
        unit=chosen.unit,
        value=value,
        target=goal.text,
        metric=found.metric,
        standard_error=found.standard_error,
        met_at_bound=met_at_bound,
        bounds=(low, high),
        tolerance=width,
        evaluations=len(search.done),
        paths=run_paths,
        seed=run_seed,
        rules=rules_in_words(scenario_at(scenario, households, lever, value)[0], lever),
        forecast=found.forecast,
    )
