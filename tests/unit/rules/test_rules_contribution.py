"""Contribution schemes on examples, and the properties the billing and the simulator rely on."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caisse.rules import (
    ContributionScheme,
    FlatTiersScheme,
    ImposedScheme,
    MarginalBracketsScheme,
    ProportionalScheme,
    SelfDeterminedScheme,
    contribution_bounds,
    contributions,
    household_size,
    suggested_contributions,
)
from caisse.rules.rounding import ceil_to_step, floor_to_step
from tests.unit.rules.rules_strategies import (
    chosen_amounts,
    contribution_schemes,
    households,
    imposed_schemes,
    self_determined_schemes,
)

ARIEGE = ProportionalScheme(rate=0.025, floor=10.0)
BRACKETS = MarginalBracketsScheme(brackets=((0.0, 0.0), (1000.0, 0.02), (2000.0, 0.04)))
TIERS = FlatTiersScheme(tiers=((1000.0, 30.0), (1500.0, 40.0)), top_amount=50.0, per_extra_person=5.0)


def test_proportional_scheme_takes_its_rate_of_household_income() -> None:
    assert contributions(ARIEGE, [1800.0, 4000.0], 1, 0, 0).tolist() == [45.0, 100.0]


def test_proportional_result_is_rounded_half_up_to_the_cent() -> None:
    assert contributions(ARIEGE, [401.0], 1, 0, 0).tolist() == [10.03]  # 10.025 €


def test_per_consumption_unit_basis_applies_the_rate_to_income_per_unit() -> None:
    scheme = ProportionalScheme(rate=0.02, basis="per_consumption_unit")
    # 2 400 € for 1.8 UC is 1 333.33 € per UC; 2 % of it is 26.67 €, paid once by the household.
    assert contributions(scheme, [2400.0, 2400.0], [1, 2], 0, [0, 1]).tolist() == [48.0, 26.67]


def test_floor_grows_with_each_extra_person() -> None:
    scheme = ProportionalScheme(rate=0.0, floor=10.0, extra_floor_per_person=5.0)
    assert contributions(scheme, [0.0] * 3, [1, 2, 2], [0, 0, 1], [0, 1, 1]).tolist() == [10.0, 20.0, 25.0]


def test_ceiling_caps_the_contribution_and_wins_over_a_growing_floor() -> None:
    scheme = ProportionalScheme(rate=0.1, floor=10.0, ceiling=60.0, extra_floor_per_person=30.0)
    assert contributions(scheme, [5000.0, 0.0, 0.0], [1, 1, 3], 0, 0).tolist() == [60.0, 10.0, 60.0]


def test_step_rounds_half_up_to_multiples_of_five_euros() -> None:
    scheme = ProportionalScheme(rate=0.05, step=5.0)
    # 42.00 → 40, 42.50 → 45, 47.50 → 50
    assert contributions(scheme, [840.0, 850.0, 950.0], 1, 0, 0).tolist() == [40.0, 45.0, 50.0]


def test_a_floor_off_the_step_grid_is_raised_to_the_next_step() -> None:
    scheme = ProportionalScheme(rate=0.0, floor=12.0, step=5.0)
    assert contributions(scheme, [0.0], 1, 0, 0).tolist() == [15.0]


def test_marginal_brackets_tax_each_slice_at_its_own_rate() -> None:
    # 2 % × 1 000 + 4 % × 500 = 40 €
    assert contributions(BRACKETS, [500.0, 1500.0, 2500.0], 1, 0, 0).tolist() == [0.0, 10.0, 40.0]


def test_below_the_first_threshold_nothing_is_due_by_brackets() -> None:
    scheme = MarginalBracketsScheme(brackets=((800.0, 0.05),), floor=5.0)
    assert contributions(scheme, [700.0, 1000.0], 1, 0, 0).tolist() == [5.0, 10.0]


def test_flat_tiers_include_their_upper_bound_and_open_top_tier() -> None:
    result = contributions(TIERS, [0.0, 1000.0, 1000.01, 1500.0, 9000.0], 1, 0, 0)
    assert result.tolist() == [30.0, 30.0, 40.0, 40.0, 50.0]


def test_flat_tiers_add_an_amount_per_extra_person() -> None:
    assert contributions(TIERS, [1200.0], 2, 1, 1).tolist() == [55.0]


def test_flat_tiers_on_income_per_unit_put_large_households_in_lower_bands() -> None:
    scheme = FlatTiersScheme(tiers=((1000.0, 30.0),), top_amount=60.0, basis="per_consumption_unit")
    assert contributions(scheme, [1800.0, 1800.0], [1, 2], 0, [0, 1]).tolist() == [60.0, 30.0]


class TestSelfDetermined:
    GIRONDE = SelfDeterminedScheme(minimum=10.0, minimum_per_extra_person=5.0)
    FLERS = SelfDeterminedScheme(minimum=20.0, step=5.0)

    def test_a_chosen_amount_within_bounds_is_billed_as_chosen(self) -> None:
        assert contributions(self.GIRONDE, [1000.0], 2, 0, 1, chosen=[42.5]).tolist() == [42.5]

    def test_a_chosen_amount_below_the_minimum_is_raised_to_it(self) -> None:
        assert contributions(self.GIRONDE, [1000.0], 2, 0, 1, chosen=[12.0]).tolist() == [20.0]

    def test_a_chosen_amount_above_the_maximum_is_capped(self) -> None:
        scheme = SelfDeterminedScheme(minimum=1.0, maximum=250.0)
        assert contributions(scheme, [0.0], 1, 0, 0, chosen=[300.0]).tolist() == [250.0]

    def test_chosen_amounts_round_half_up_to_the_step(self) -> None:
        result = contributions(self.FLERS, [0.0] * 3, 1, 0, 0, chosen=[22.0, 22.5, 120.0])
        assert result.tolist() == [20.0, 25.0, 120.0]

    def test_no_choice_bills_the_grid_suggestion(self) -> None:
        scheme = SelfDeterminedScheme(minimum=10.0, suggestion=ProportionalScheme(rate=0.02, step=1.0))
        result = contributions(scheme, [300.0, 2000.0], 1, 0, 0, chosen=[np.nan, 15.0])
        assert result.tolist() == [10.0, 15.0]
        assert contributions(scheme, [300.0, 2000.0], 1, 0, 0).tolist() == [10.0, 40.0]

    def test_no_choice_and_no_grid_bills_the_minimum(self) -> None:
        assert contributions(self.GIRONDE, [0.0, 0.0], [1, 2], 0, [0, 2]).tolist() == [10.0, 25.0]

    def test_the_suggestion_is_kept_within_the_bounds(self) -> None:
        scheme = SelfDeterminedScheme(minimum=10.0, maximum=50.0, suggestion=ProportionalScheme(rate=0.1))
        assert suggested_contributions(scheme, [50.0, 3000.0], 1, 0, 0).tolist() == [10.0, 50.0]

    def test_infinite_chosen_amounts_are_refused(self) -> None:
        with pytest.raises(ValueError, match="finite amount"):
            contributions(self.FLERS, [0.0], 1, 0, 0, chosen=[np.inf])


def test_imposed_schemes_ignore_chosen_amounts() -> None:
    assert contributions(ARIEGE, [1800.0], 1, 0, 0, chosen=[5.0]).tolist() == [45.0]


def test_suggested_contribution_of_an_imposed_scheme_is_the_amount_due() -> None:
    assert suggested_contributions(ARIEGE, [1800.0], 1, 0, 0).tolist() == [45.0]


@pytest.mark.parametrize("income", [-1.0, float("nan"), float("inf")])
def test_negative_or_missing_income_is_refused(income: float) -> None:
    with pytest.raises(ValueError, match="income"):
        contributions(ARIEGE, [1000.0, income], 1, 0, 0)


def test_contributions_work_on_two_dimensional_arrays_for_the_simulator() -> None:
    income = np.array([[200.0, 1800.0], [400.0, 4000.0]])
    assert contributions(ARIEGE, income, 1, 0, 0).tolist() == [[10.0, 45.0], [10.0, 100.0]]


# ---- properties -------------------------------------------------------------------------------


def _on_step(amounts: np.ndarray, step: float) -> bool:
    quotient = amounts / step
    return bool(np.all(np.abs(quotient - np.round(quotient)) < 1e-6))


@settings(max_examples=120, deadline=None)
@given(contribution_schemes, households(), st.data())
def test_contributions_are_never_negative_and_on_the_step_grid(
    scheme: ContributionScheme, hh: dict[str, np.ndarray], data: st.DataObject
) -> None:
    chosen = data.draw(chosen_amounts(hh["income"].size))
    result = contributions(scheme, **hh, chosen=chosen)
    assert result.shape == hh["income"].shape
    assert np.all(result >= 0)
    assert _on_step(result, scheme.step)


@settings(max_examples=120, deadline=None)
@given(contribution_schemes, households(), st.data())
def test_contributions_respect_floors_and_ceilings(
    scheme: ContributionScheme, hh: dict[str, np.ndarray], data: st.DataObject
) -> None:
    chosen = data.draw(chosen_amounts(hh["income"].size))
    result = contributions(scheme, **hh, chosen=chosen)
    extra = household_size(hh["adults"], hh["others_14_plus"], hh["children_under_14"]) - 1
    if isinstance(scheme, SelfDeterminedScheme):
        low = scheme.minimum + scheme.minimum_per_extra_person * extra
        high = np.inf if scheme.maximum is None else scheme.maximum + scheme.maximum_per_extra_person * extra
    elif isinstance(scheme, FlatTiersScheme):
        low, high = np.zeros(extra.shape), np.full(extra.shape, np.inf)
    else:
        low = scheme.floor + scheme.extra_floor_per_person * extra
        high = np.inf if scheme.ceiling is None else scheme.ceiling
    low, high = np.broadcast_arrays(low, high)
    assert np.all(result <= high + 1e-6)
    # The floor holds wherever a multiple of the step lies between it and the ceiling; elsewhere the
    # ceiling wins (documented), and the result is the highest multiple of the step under the ceiling.
    room = ceil_to_step(low, scheme.step) <= floor_to_step(high, scheme.step)
    assert np.all(result[room] >= low[room] - 1e-6)
    assert np.all(result[~room] == floor_to_step(high, scheme.step)[~room])
    lower, upper = contribution_bounds(scheme, extra + 1)
    assert np.all((lower <= result) & (result <= upper))


@settings(max_examples=120, deadline=None)
@given(imposed_schemes, households(max_size=1), st.lists(st.floats(0, 20000), min_size=2, max_size=40))
def test_imposed_contributions_never_decrease_with_income(
    scheme: ImposedScheme, hh: dict[str, np.ndarray], incomes: list[float]
) -> None:
    income = np.sort(np.array(incomes))
    result = contributions(scheme, income, hh["adults"], hh["others_14_plus"], hh["children_under_14"])
    assert np.all(np.diff(result) >= 0)


@settings(max_examples=150, deadline=None)
@given(contribution_schemes, households(max_size=15), st.data())
def test_vectorised_contributions_equal_a_loop_over_single_households(
    scheme: ContributionScheme, hh: dict[str, np.ndarray], data: st.DataObject
) -> None:
    chosen = data.draw(chosen_amounts(hh["income"].size))
    batch = contributions(scheme, **hh, chosen=chosen)
    one_by_one = [
        contributions(scheme, hh["income"][i:i + 1], hh["adults"][i:i + 1], hh["others_14_plus"][i:i + 1],
                      hh["children_under_14"][i:i + 1], chosen=chosen[i:i + 1])[0]
        for i in range(batch.size)
    ]
    assert batch.tolist() == one_by_one


@settings(max_examples=150, deadline=None)
@given(self_determined_schemes(), households())
def test_billing_no_choice_equals_billing_the_suggestion(
    scheme: SelfDeterminedScheme, hh: dict[str, np.ndarray]
) -> None:
    suggested = suggested_contributions(scheme, **hh)
    assert contributions(scheme, **hh, chosen=np.full(suggested.shape, np.nan)).tolist() == suggested.tolist()
    assert contributions(scheme, **hh, chosen=suggested).tolist() == suggested.tolist()
