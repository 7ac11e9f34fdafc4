"""The solver: closed-form break-even values without randomness, targets met (and missed one step
away) with it, out-of-reach targets, bad names, and the same seed giving the same solution."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result

from caisse.cli import main
from simulation.population import Population, population_from_households
from simulation.run import simulate
from simulation.scenario import Scenario
from simulation.solve import TargetOutOfReach, metric_of, parse_target, scenario_at, solve
from simulation.sources import build_population
from tests.unit.simulation.simulation_helpers import scenario, three_households

# three_households() under 10 % of income and 150 € per person (as test_simulation_deterministic.py):
INCOMES = (1000.0, 3000.0, 2000.0)
PERSONS = (1, 2, 4)
RATE, PER_PERSON = 0.10, 150.0
CONTRIBUTIONS = sum(RATE * income for income in INCOMES)  # € a month, all three members
ALLOCATIONS = sum(PER_PERSON * persons for persons in PERSONS)  # € a month, all spent the same month
MONTHS = 12


def _certain(initial_reserve: float = 0.0, **changes: Any) -> Scenario:
    """Every household a member throughout, spending all its credit the same month: no randomness."""
    return scenario(
        scenario={"months": MONTHS, "paths": 3, "chunk_size": 3},
        participation={"take_up": 1.0, "join_rate": 0.0, "leave_rate": 0.0},
        spending={"spend_through": 1.0, "redemption_lag_months": 0},
        funding={"initial_reserve": initial_reserve},
        **changes,
    )


def _risky() -> Scenario:
    """Uncertain take-up and spending, and a grant that may stop: the reserve's path is random."""
    return scenario(
        scenario={"months": 12, "paths": 60, "chunk_size": 20, "seed": 3},
        allocation={"rule": {"kind": "per_person", "amount": 200.0}},
        participation={"take_up": 0.5, "leave_rate": 0.02, "join_rate": 0.01},
        spending={"spend_through": 0.8, "redemption_lag_months": 1},
        funding={
            "operating_costs": 500.0,
            "subsidies": [{"amount": 30000.0, "period_months": 6, "renewal_probability": 0.5}],
        },
        uncertainty={
            "take_up": {"distribution": "beta", "a": 5, "b": 5},
            "spend_through": {"distribution": "uniform", "low": 0.6, "high": 0.95},
        },
    )


def test_contribution_scale_for_self_financing_is_allocations_over_contributions() -> None:
    solution = solve(
        _certain(), lever="contribution_scale", target="self_financing>=1", population=three_households()
    )
    assert solution.value == pytest.approx(ALLOCATIONS / CONTRIBUTIONS, abs=1e-9)
    assert solution.metric >= 1.0 and solution.standard_error == 0.0
    assert solution.rules == "17.5 % of household income"


def test_contribution_scale_without_reserve_breaks_even_every_month() -> None:
    solution = solve(
        _certain(), lever="contribution_scale", target="p_deficit_any_month<=0", population=three_households()
    )
    assert solution.value == pytest.approx(ALLOCATIONS / CONTRIBUTIONS, abs=1e-9)
    assert solution.forecast.reserve.p05[-1] == pytest.approx(0.0, abs=1e-6)


def test_largest_allocation_the_reserve_and_contributions_carry_over_the_horizon() -> None:
    reserve = 1000.0
    solution = solve(
        _certain(reserve),
        lever="allocation_scale",
        target="p_deficit_any_month<=0",
        population=three_households(),
    )
    # Final reserve = reserve + months × (contributions − scale × allocations) must stay >= 0; the
    # solver's factors are multiples of 0.001, the largest one that fits is the answer.
    break_even = (reserve + MONTHS * CONTRIBUTIONS) / (MONTHS * ALLOCATIONS)
    assert solution.value == pytest.approx(math.floor(break_even * 1000) / 1000, abs=1e-9)
    assert solution.forecast.allocations.mean[0] == pytest.approx(ALLOCATIONS * solution.value)


@pytest.mark.parametrize("lever", ["initial_reserve", "subsidy"])
def test_reserve_or_yearly_grant_covers_the_months_deficits_to_the_cent(lever: str) -> None:
    solution = solve(
        _certain(),
        lever=lever,
        target="p_deficit_any_month<=0",
        tolerance=0.01,
        population=three_households(),
    )
    # A reserve must cover every month's shortfall; a grant paid monthly, the monthly shortfall × 12.
    shortfall = ALLOCATIONS - CONTRIBUTIONS
    expected = MONTHS * shortfall if lever == "initial_reserve" else 12 * shortfall
    assert solution.value == pytest.approx(expected, abs=0.005)
    assert solution.unit in ("€", "€/year") and solution.metric == 0.0


def test_stochastic_solution_meets_its_target_and_one_tolerance_less_does_not() -> None:
    base = _risky()
    solution = solve(base, lever="initial_reserve", target="p_deficit_any_month <= 0.1")
    assert solution.metric <= 0.1 and solution.forecast.depletion_month.p_ever == solution.metric
    assert solution.forecast.paths == 60 and solution.seed == 3 and not solution.met_at_bound
    assert 0 < solution.standard_error < 0.1
    people = build_population(base.population)
    short, _ = scenario_at(base, people, "initial_reserve", solution.value - solution.tolerance)
    missed = simulate(short, paths=solution.paths, seed=solution.seed).summary()
    assert missed.depletion_month.p_ever > 0.1


@pytest.mark.parametrize("target", ["p_deficit_any_month <= 0.1", "final_reserve_p05 >= 20000"])
def test_the_reserve_read_from_the_paths_is_the_smallest_on_its_grid_that_meets_the_target(
    target: str,
) -> None:
    """The initial reserve moves every month's reserve one for one: one run's paths give the answer,
    a second confirms it, a third that one grid step (a cent here) less misses the target."""
    base = _risky()
    solution = solve(base, lever="initial_reserve", target=target, tolerance=0.01)
    assert solution.evaluations <= 4 and solution.value > 0 and not solution.met_at_bound
    goal = parse_target(target)
    assert goal.margin(solution.metric) >= 0
    people = build_population(base.population)
    short, _ = scenario_at(base, people, "initial_reserve", round(solution.value - 0.01, 2))
    missed = simulate(short, paths=solution.paths, seed=solution.seed)
    # The figure as the solver reads it (the summary rounds its percentiles to the cent).
    figure = metric_of(goal.metric, missed, missed.summary())[0]
    assert goal.margin(figure) < 0


def test_stochastic_allocation_solution_is_the_largest_that_meets_the_target() -> None:
    base = _risky()
    solution = solve(base, lever="allocation_scale", target="final_reserve_p05 >= 0")
    assert solution.metric >= 0.0
    people = build_population(base.population)
    above, _ = scenario_at(base, people, "allocation_scale", solution.value + solution.tolerance)
    missed = simulate(above, paths=solution.paths, seed=solution.seed).summary()
    assert missed.reserve.p05[-1] < 0.0


def test_unreachable_target_names_the_bounds_and_the_figure_at_each() -> None:
    with pytest.raises(TargetOutOfReach, match=r"between 1 and 1\.2: it is 1 at 1 and 1 at 1\.2") as caught:
        solve(
            _certain(),
            lever="contribution_scale",
            target="p_deficit_any_month <= 0",
            bounds=(1.0, 1.2),
            population=three_households(),
        )
    assert caught.value.bounds == (1.0, 1.2) and caught.value.reached == (1.0, 1.0)


def test_target_met_over_the_whole_range_gives_the_bound_that_asks_least() -> None:
    solution = solve(
        _certain(10**6),
        lever="contribution_scale",
        target="p_deficit_any_month <= 0",
        bounds=(0.5, 2.0),
        population=three_households(),
    )
    assert solution.value == 0.5 and solution.met_at_bound and solution.evaluations == 2


def test_unknown_lever_and_target_name_the_accepted_ones() -> None:
    with pytest.raises(ValueError, match=r"contribution_scale.*allocation_scale.*subsidy.*initial_reserve"):
        solve(_certain(), lever="cotisation", target="p_deficit_any_month<=0.05")
    with pytest.raises(ValueError, match=r"p_deficit_any_month<=X.*self_financing>=X.*final_reserve_p05>=X"):
        parse_target("deficit<=0.05")
    with pytest.raises(ValueError, match="takes the operator <="):
        parse_target("p_deficit_any_month >= 0.05")
    with pytest.raises(ValueError, match="probability"):
        parse_target("p_deficit_any_month <= 5")
    with pytest.raises(ValueError, match="does not change self_financing"):
        solve(_certain(), lever="subsidy", target="self_financing >= 1")
    with pytest.raises(ValueError, match="lower bound"):
        solve(_certain(), lever="initial_reserve", target="p_deficit_any_month<=0", bounds=(10.0, 5.0))


def test_preset_switching_rules_within_the_forecast_asks_for_rule_month() -> None:
    switching = scenario(
        scenario={"start": "2023-06"},
        contribution={"preset": "montpellier", "scheme": None},
        allocation={"preset": "montpellier", "rule": None},
    )
    with pytest.raises(ValueError, match=r'changes its rules in 2024-01.*rule_month = "2024-01"'):
        solve(switching, lever="contribution_scale", target="p_deficit_any_month<=0.05")


def test_contribution_scale_doubles_self_determined_contributions_and_recorded_choices() -> None:
    chosen: Population = population_from_households(
        adults=np.array([1, 1]),
        others_14_plus=np.array([0, 0]),
        children_under_14=np.array([0, 0]),
        monthly_income=np.array([1500.0, 2500.0]),
        chosen=np.array([np.nan, 80.0]),
    )
    base = _certain(contribution={"preset": "montpellier", "scheme": None})
    doubled, people = scenario_at(base, chosen, "contribution_scale", 2.0)
    before = simulate(base, population=chosen).summary().contributions.mean[0]
    after = simulate(doubled, population=people).summary().contributions.mean[0]
    assert after == pytest.approx(2 * before)


def test_same_seed_gives_the_same_solution() -> None:
    first = solve(_risky(), lever="contribution_scale", target="p_deficit_any_month<=0.2", paths=40)
    again = solve(_risky(), lever="contribution_scale", target="p_deficit_any_month<=0.2", paths=40)
    assert (first.value, first.metric, first.evaluations) == (again.value, again.metric, again.evaluations)


CLI_SCENARIO = """
[scenario]
name = "Quartier test"
start = "2027-01"
months = 6
paths = 30
seed = 4

[population]
households = 150
income_bins = 10

[contribution]
scheme = { kind = "proportional", rate = 0.03 }

[allocation]
rule = { kind = "per_household", base = 100.0 }

[participation]
take_up = 0.4

[uncertainty]
spend_through = { distribution = "uniform", low = 0.7, high = 1.0 }
"""


def _solve_cli(tmp_path: Path, *args: str) -> Result:
    path = tmp_path / "quartier.toml"
    path.write_text(CLI_SCENARIO, encoding="utf-8")
    result = CliRunner().invoke(main, ["solve", str(path), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_cli_solve_prints_the_value_and_writes_the_json(tmp_path: Path) -> None:
    out = tmp_path / "solution.json"
    result = _solve_cli(
        tmp_path, "--lever", "initial_reserve", "--target", "p_deficit_any_month<=0.1", "--json", str(out)
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["lever"] == "initial_reserve" and data["seed"] == 4 and data["paths"] == 30
    assert data["metric"] <= 0.1 and data["forecast"]["depletion_month"]["p_ever"] == data["metric"]
    assert "Valeur trouvée / value found" in result.output and "Quartier test" in result.output


def test_cli_solve_out_of_reach_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = _solve_cli(
        tmp_path,
        "--lever",
        "allocation_scale",
        "--target",
        "p_deficit_any_month<=0",
        "--min",
        "2",
        "--max",
        "3",
    )
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert "out of reach with allocation_scale between 2 and 3" in result.output


def test_cli_solve_bad_lever_or_target_is_a_usage_error_naming_the_accepted_ones(tmp_path: Path) -> None:
    lever = _solve_cli(tmp_path, "--lever", "reserve", "--target", "p_deficit_any_month<=0.05")
    assert lever.exit_code == 2 and "initial_reserve" in lever.output
    target = _solve_cli(tmp_path, "--lever", "subsidy", "--target", "deficit<0.05")
    assert target.exit_code == 2 and "p_deficit_any_month<=X" in target.output


def test_one_bound_given_keeps_the_other_default_and_progress_ends_complete() -> None:
    seen: list[tuple[int, int]] = []
    solution = solve(
        _certain(),
        lever="initial_reserve",
        target="p_deficit_any_month<=0",
        bounds=(100.0, None),
        population=three_households(),
        on_progress=lambda done, total: seen.append((done, total)),
    )
    low, high = solution.bounds
    assert low == 100.0 and high > MONTHS * (ALLOCATIONS - CONTRIBUTIONS)
    assert all(done <= total for done, total in seen) and seen[-1][0] == seen[-1][1]
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_bounds_off_the_search_grid_are_kept_as_given() -> None:
    # The search grid is 1 € here; a lower bound 40 cents short of the answer still brackets it.
    solution = solve(
        _certain(),
        lever="initial_reserve",
        target="p_deficit_any_month<=0",
        bounds=(5399.6, 10000.5),
        tolerance=1.0,
        population=three_households(),
    )
    assert solution.value == MONTHS * (ALLOCATIONS - CONTRIBUTIONS) and solution.bounds == (5399.6, 10000.5)
