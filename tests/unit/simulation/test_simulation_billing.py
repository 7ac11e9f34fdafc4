"""The simulator bills with `caisse.rules` itself: its tables are the rules' own amounts."""

from __future__ import annotations

import numpy as np

from caisse.rules import allocations, contributions, get_preset, suggested_contributions
from simulation.billing import rule_tables
from simulation.plan import build_plan
from simulation.population import synthetic_population
from simulation.run import simulate
from tests.unit.simulation.simulation_helpers import one_type, scenario, three_households


def test_tables_are_the_rules_amounts_for_a_preset() -> None:
    chosen = scenario(
        contribution={"scheme": None, "preset": "gironde"}, allocation={"rule": None, "preset": "gironde"}
    )
    population = synthetic_population(300, income_bins=10)
    plan = build_plan(chosen, population)
    rule_set = get_preset("gironde").latest
    composition = (population.adults, population.others_14_plus, population.children_under_14)
    suggested = suggested_contributions(rule_set.contribution, population.monthly_income, *composition)
    expected = contributions(rule_set.contribution, population.monthly_income, *composition, chosen=suggested)
    assert np.array_equal(plan.tables.contribution[0], expected)
    assert np.array_equal(plan.tables.allocation[0], allocations(rule_set.allocation, *composition))


def test_chosen_ratio_scales_the_suggestion_within_the_scheme_bounds() -> None:
    chosen = scenario(contribution={"scheme": None, "preset": "gironde", "chosen_ratio": 0.0})
    plan = build_plan(chosen, three_households())
    # Choosing nothing is clamped to the minimum: 10 € + 5 € per extra person.
    assert plan.tables.contribution[0].tolist() == [10.0, 15.0, 25.0]


def test_presets_switch_rule_set_in_the_month_the_caisse_did() -> None:
    chosen = scenario(
        scenario={"start": "2023-11", "months": 4}, contribution={"scheme": None, "preset": "montpellier"}
    )
    plan = build_plan(chosen, one_type(1, income=9000.0))
    # Suggested 3 % of 9 000 € = 270 €: capped at 150 € until 2023-12, at 250 € from 2024-01.
    assert plan.tables.contribution[:, 0].tolist() == [150.0, 150.0, 250.0, 250.0]
    pinned = scenario(
        scenario={"start": "2023-11", "months": 4},
        contribution={"scheme": None, "preset": "montpellier", "rule_month": "2023-06"},
    )
    assert build_plan(pinned, one_type(1, income=9000.0)).tables.contribution[:, 0].tolist() == [150.0] * 4


def test_income_uprating_raises_income_based_contributions_yearly() -> None:
    chosen = scenario(scenario={"months": 13}, funding={"income_uprating": 0.05})
    plan = build_plan(chosen, one_type(1, income=2000.0))
    assert plan.tables.contribution[[0, 11, 12], 0].tolist() == [200.0, 200.0, 210.0]


def test_mutualist_allocation_is_the_mean_contribution_of_each_paths_members() -> None:
    chosen = scenario(
        scenario={"months": 1, "paths": 30, "chunk_size": 30},
        allocation={"rule": {"kind": "mutualist", "share": 1.0}},
        participation={"take_up": 0.5},
        spending={"spend_through": 1.0},
    )
    run = simulate(chosen, population=three_households())
    results = run.results
    # Each path hands out exactly what its members owe: the reserve never moves.
    assert np.all(results.reserve == 0.0)
    assert np.array_equal(results.contributions_total, results.allocations_total)


def test_rule_tables_start_from_the_first_month_of_the_scenario() -> None:
    population = three_households()
    chosen = scenario(scenario={"months": 2})
    tables = rule_tables(
        population, ("2027-01", "2027-02"), chosen.contribution, chosen.allocation, chosen.funding
    )
    assert tables.contribution.shape == (2, population.types)
    assert tables.mutualist == (None, None)
