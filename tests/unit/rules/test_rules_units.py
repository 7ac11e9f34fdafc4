"""Consumption units, household size and the validation of household counts."""

from __future__ import annotations

import numpy as np
import pytest

from caisse.rules import consumption_units, household_composition, household_size


def test_first_adult_counts_one_unit() -> None:
    assert consumption_units(1, 0, 0).tolist() == 1.0


def test_other_adults_and_others_14_plus_count_half_a_unit_each() -> None:
    assert consumption_units([2, 1, 3], [0, 1, 1], [0, 0, 0]).tolist() == [1.5, 1.5, 2.5]


def test_children_under_14_count_three_tenths_each() -> None:
    assert consumption_units([2, 1], [0, 0], [1, 3]).tolist() == [1.8, 1.9]


def test_units_are_the_nearest_float_to_the_decimal_value() -> None:
    units = consumption_units([1] * 5, [0] * 5, [1, 2, 3, 4, 5])
    assert units.tolist() == [1.3, 1.6, 1.9, 2.2, 2.5]


def test_household_size_counts_everyone() -> None:
    assert household_size([1, 2], [0, 1], [0, 2]).tolist() == [1, 5]


def test_scalar_counts_broadcast_against_arrays() -> None:
    adults, others, children = household_composition(1, [0, 1, 2], 0)
    assert adults.tolist() == [1, 1, 1] and children.tolist() == [0, 0, 0] and others.dtype == np.int64


def test_whole_valued_floats_are_accepted_as_counts() -> None:
    assert consumption_units(np.array([2.0]), 0, np.array([1.0])).tolist() == [1.8]


@pytest.mark.parametrize(
    ("adults", "others", "children", "message"),
    [
        (0, 0, 0, "adults must be >= 1"),
        ([1, 0], 0, 0, "household at position 1"),
        (1, -1, 0, "others_14_plus must be >= 0"),
        (1, 0, -2, "children_under_14 must be >= 0"),
        (1.5, 0, 0, "whole numbers"),
        (1, float("nan"), 0, "whole numbers"),
        ([1, 1], [0, 0, 0], 0, "incompatible shapes"),
    ],
)
def test_invalid_counts_are_refused_with_a_message(adults: object, others: object, children: object,
                                                   message: str) -> None:
    with pytest.raises(ValueError, match=message):
        consumption_units(adults, others, children)  # type: ignore[arg-type]
