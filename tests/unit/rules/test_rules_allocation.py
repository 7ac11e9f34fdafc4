"""Allocation rules: per person, per consumption unit, per household, mutualist."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caisse.rules import (
    AllocationRule,
    MutualistAllocation,
    PerConsumptionUnitAllocation,
    PerHouseholdAllocation,
    PerPersonAllocation,
    allocations,
    pool_mean,
    to_cents,
)
from tests.unit.rules.rules_strategies import allocation_rules, euros, households


def test_per_person_allocation_counts_everyone() -> None:
    assert allocations(PerPersonAllocation(150.0), [1, 2], [0, 1], [0, 1]).tolist() == [150.0, 600.0]


def test_per_consumption_unit_allocation_follows_the_oecd_scale() -> None:
    rule = PerConsumptionUnitAllocation(150.0)
    result = allocations(rule, [1, 2, 2, 1], [0, 0, 0, 1], [0, 1, 2, 0])
    assert result.tolist() == [150.0, 270.0, 315.0, 225.0]


def test_per_household_allocation_counts_children_as_extra_persons_by_default() -> None:
    rule = PerHouseholdAllocation(base=150.0, per_extra_person=75.0)
    assert allocations(rule, [1, 2, 1], [0, 0, 1], [0, 1, 2]).tolist() == [150.0, 300.0, 375.0]


def test_per_household_allocation_can_give_children_their_own_amount() -> None:
    rule = PerHouseholdAllocation(base=150.0, per_extra_person=75.0, per_child_under_14=45.0)
    assert allocations(rule, [2], [1], [2]).tolist() == [390.0]


def test_mutualist_allocation_gives_everyone_the_mean_contribution() -> None:
    result = allocations(MutualistAllocation(), [1, 2, 1], 0, 0, contributions=[30.0, 40.0, 70.0])
    assert result.tolist() == [46.67, 46.67, 46.67]


def test_mutualist_share_keeps_part_of_the_pool_back() -> None:
    result = allocations(MutualistAllocation(share=0.95), [1, 1], 0, 0, contributions=[40.0, 60.0])
    assert result.tolist() == [47.5, 47.5]


def test_mutualist_allocation_needs_the_months_contributions() -> None:
    with pytest.raises(ValueError, match="needs the month's contributions"):
        allocations(MutualistAllocation(), [1], 0, 0)


def test_mutualist_allocation_refuses_missing_contributions() -> None:
    with pytest.raises(ValueError, match="finite amounts"):
        allocations(MutualistAllocation(), [1, 1], 0, 0, contributions=[30.0, np.nan])


def test_mutualist_pool_is_per_path_along_the_last_axis() -> None:
    contributions = np.array([[30.0, 50.0], [60.0, 60.0]])  # (paths, households)
    result = allocations(MutualistAllocation(), 1, 0, 0, contributions=contributions)
    assert result.tolist() == [[40.0, 40.0], [60.0, 60.0]]


def test_weights_let_a_stratum_stand_for_many_households() -> None:
    # 3 households paying 30 € and 1 paying 70 €: the mean is 40 €.
    assert pool_mean([30.0, 70.0], weights=[3, 1]).tolist() == [40.0]
    result = allocations(MutualistAllocation(), [1, 1], 0, 0, contributions=[30.0, 70.0], weights=[3, 1])
    assert result.tolist() == [40.0, 40.0]


def test_an_empty_month_shares_nothing() -> None:
    assert allocations(MutualistAllocation(), np.array([], dtype=np.int64), 0, 0, contributions=[]).size == 0


def test_rules_other_than_mutualist_ignore_contributions() -> None:
    assert allocations(PerPersonAllocation(100.0), [1], 0, 0, contributions=[999.0]).tolist() == [100.0]


@settings(max_examples=120, deadline=None)
@given(allocation_rules, households(), st.data())
def test_allocations_are_never_negative_and_whole_cents(
    rule: AllocationRule, hh: dict[str, np.ndarray], data: st.DataObject
) -> None:
    size = hh["income"].size
    paid = np.array(data.draw(st.lists(euros(0, 300), min_size=size, max_size=size)))
    result = allocations(rule, hh["adults"], hh["others_14_plus"], hh["children_under_14"], paid)
    assert result.shape == (size,) and np.all(result >= 0)
    assert np.all(np.abs(result * 100 - np.round(result * 100)) < 1e-6)


@settings(max_examples=120, deadline=None)
@given(euros(0, 1.5), st.lists(euros(0, 500), min_size=1, max_size=200))
def test_mutualist_allocations_sum_to_share_of_total_contributions(share: float, paid: list[float]) -> None:
    contributions = np.array(paid)
    result = allocations(MutualistAllocation(share), 1, 0, 0, contributions=contributions)
    # Each household's amount is rounded to the cent once: at most 1 cent of drift per household.
    drift = abs(int(to_cents(result).sum()) - share * contributions.sum() * 100)
    assert drift <= contributions.size
