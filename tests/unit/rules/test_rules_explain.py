"""Explanations narrate the billing's own numbers: never a second formula that could drift."""

from __future__ import annotations

import math

import msgspec
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from caisse.rules import (
    AllocationRule,
    ContributionScheme,
    Explanation,
    MutualistAllocation,
    RuleSet,
    SelfDeterminedScheme,
    allocations,
    contributions,
    explain,
    get_preset,
    suggested_contributions,
    to_cents,
)
from caisse.rules.formatting import euros
from tests.unit.rules.rules_strategies import allocation_rules, contribution_schemes
from tests.unit.rules.rules_strategies import euros as euro_amounts


def test_ariege_explanation_shows_rate_and_floor() -> None:
    result = explain(get_preset("ariege-ccampa").latest, 1800.0, 1, 0, 0)
    assert result.contribution_cents == 4500 and result.allocation_cents == 5000
    assert "contribution: 2.5 % × 1 800.00 € = 45.00 €" in result.steps
    assert "contribution: floor 10.00 € → 45.00 €" in result.steps
    assert result.suggested_contribution_cents is None
    assert result.net_transfer_cents == 500


def test_ariege_explanation_says_when_the_floor_applies() -> None:
    result = explain(get_preset("ariege-ccampa").latest, 200.0, 1, 0, 0)
    assert result.contribution_cents == 1000
    assert "contribution: floor 10.00 € → 10.00 € (the floor applies)" in result.steps


def test_lyon_explanation_shows_units_and_allocation() -> None:
    result = explain(get_preset("lyon-8e").latest, 2400.0, 2, 0, 1)
    assert result.consumption_units == 1.8 and result.persons == 3
    assert result.allocation_cents == 27000
    assert "allocation: 150.00 € × 1.8 UC = 270.00 €" in result.steps
    assert result.suggested_contribution_cents == result.contribution_cents


def test_a_chosen_amount_is_explained_and_kept_within_bounds() -> None:
    result = explain(get_preset("flers").latest, 900.0, 1, 0, 0, chosen=22.0)
    assert result.contribution_cents == 2000
    assert any("chosen amount 22.00 € → 20.00 €" in step for step in result.steps)


def test_mutualist_explanation_uses_the_households_own_contribution_without_a_pool() -> None:
    result = explain(get_preset("soli-doume").latest, 1800.0, 1, 0, 0)
    assert result.allocation_cents == result.contribution_cents
    assert any("a single household has no pool" in step for step in result.steps)


def test_mutualist_explanation_uses_the_given_pool_mean() -> None:
    result = explain(get_preset("soli-doume").latest, 1800.0, 1, 0, 0, pool_mean=44.0)
    assert result.allocation_cents == 4400
    assert "allocation: mean of the month's contributions (given): 44.00 €" in result.steps


def test_explanation_serialises_with_the_keys_the_app_reads() -> None:
    data = msgspec.to_builtins(explain(get_preset("gironde").latest, 1500.0, 2, 0, 1))
    assert {"consumption_units", "contribution_cents", "allocation_cents", "steps",
            "suggested_contribution_cents", "rule_set_name", "source"} <= set(data)
    assert msgspec.convert(data, Explanation).allocation_cents == 30000


def _last_contribution_step(result: Explanation) -> str:
    steps = [s for s in result.steps if s.startswith("contribution: ") and "does not apply" not in s]
    return steps[-1]


@settings(max_examples=150, deadline=None)
@given(contribution_schemes, allocation_rules, euro_amounts(0, 12000), st.integers(1, 3), st.integers(0, 2),
       st.integers(0, 3), st.none() | st.just(math.nan) | euro_amounts(-20, 300),
       st.none() | euro_amounts(0, 200))
def test_explanation_equals_the_vectorised_billing(
    scheme: ContributionScheme, rule: AllocationRule, income: float, adults: int, others: int, children: int,
    chosen: float | None, pool: float | None,
) -> None:
    result = explain(RuleSet("2027-01", scheme, rule), income, adults, others, children, chosen, pool)
    picked = None if chosen is None else [chosen]
    contribution = contributions(scheme, [income], [adults], [others], [children], chosen=picked)
    paid = contribution if pool is None else np.array([pool])
    allocation = allocations(rule, [adults], [others], [children], contributions=paid)
    assert result.contribution_cents == int(to_cents(contribution)[0])
    assert result.allocation_cents == int(to_cents(allocation)[0])
    assert result.net_transfer_cents == result.allocation_cents - result.contribution_cents
    if isinstance(scheme, SelfDeterminedScheme):
        suggested = suggested_contributions(scheme, [income], [adults], [others], [children])
        assert result.suggested_contribution_cents == int(to_cents(suggested)[0])
    # The narrated steps end on the billed figure.
    assert euros(result.contribution_cents / 100) in _last_contribution_step(result)
    allocation_steps = [s for s in result.steps if s.startswith("allocation: ")]
    assert allocation_steps[-1].endswith(euros(result.allocation_cents / 100))
    if isinstance(rule, MutualistAllocation):
        assert any("no pool" in s or "(given)" in s for s in allocation_steps)
