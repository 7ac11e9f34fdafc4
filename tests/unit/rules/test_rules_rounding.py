"""Rounding to a step and to cents: half up, robust to float noise."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caisse.rules import round_to_step, to_cents
from caisse.rules.rounding import ceil_to_step, floor_to_step, step_in_cents


def test_to_cents_rounds_exact_halves_up() -> None:
    assert to_cents([0.125, 0.375, 10.005, 2.675]).tolist() == [13, 38, 1001, 268]


def test_to_cents_rounds_halves_towards_plus_infinity_for_negative_amounts() -> None:
    assert to_cents([-0.125, -0.126]).tolist() == [-12, -13]


def test_to_cents_returns_int64() -> None:
    assert to_cents([1.0]).dtype == np.int64


def test_to_cents_ignores_float_noise_from_products() -> None:
    assert to_cents([0.1 + 0.2, 150 * 1.8, 0.025 * 401]).tolist() == [30, 27000, 1003]


@pytest.mark.parametrize("amount", [float("nan"), float("inf"), 1e13])
def test_to_cents_refuses_amounts_that_are_not_money(amount: float) -> None:
    with pytest.raises(ValueError):
        to_cents([amount])


def test_round_to_step_rounds_half_up_to_multiples_of_five_euros() -> None:
    assert round_to_step([42.49, 42.5, 47.5, 0.0], 5.0).tolist() == [40.0, 45.0, 50.0, 0.0]


def test_ceil_and_floor_to_step_keep_a_value_already_on_the_grid() -> None:
    assert ceil_to_step(0.1 + 0.2, 0.1).tolist() == pytest.approx(0.3)
    assert floor_to_step(0.3, 0.1).tolist() == pytest.approx(0.3)
    assert ceil_to_step(12.0, 5.0).tolist() == 15.0 and floor_to_step(12.0, 5.0).tolist() == 10.0


@pytest.mark.parametrize("step", [0.0, -1.0, 0.001, 0.015, float("nan")])
def test_a_step_that_is_not_a_whole_number_of_cents_is_refused(step: float) -> None:
    with pytest.raises(ValueError, match="whole number of cents"):
        step_in_cents(step)


@settings(max_examples=300, deadline=None)
@given(st.integers(-10**9, 10**9))
def test_to_cents_rounds_every_half_cent_up(cents: int) -> None:
    assert to_cents([cents / 100, (cents + 0.5) / 100]).tolist() == [cents, cents + 1]


@settings(max_examples=300, deadline=None)
@given(st.floats(-1e7, 1e7, allow_nan=False))
def test_to_cents_is_within_half_a_cent(amount: float) -> None:
    # Within half a cent, give or take the documented 1e-12 relative tolerance.
    assert abs(int(to_cents(amount)) - amount * 100) <= 0.5 + 1e-12 * abs(amount * 100) + 1e-9


@settings(max_examples=300, deadline=None)
@given(st.floats(0, 1e6, allow_nan=False), st.sampled_from([0.01, 0.05, 1.0, 5.0, 10.0]))
def test_round_to_step_gives_the_nearest_multiple_converting_exactly_to_cents(
    amount: float, step: float
) -> None:
    rounded = float(round_to_step(amount, step))
    cents = int(to_cents(rounded))
    assert cents % step_in_cents(step) == 0
    assert abs(rounded - amount) <= step / 2 + 1e-12 * amount + 1e-9
    assert cents == round(rounded * 100)
