"""Synthetic households follow the INSEE 2022 income deciles and RP2022 household types."""

from __future__ import annotations

import numpy as np

from caisse.demo.population import (
    HOUSEHOLD_TYPES,
    INCOME_PER_UC_DECILES_2022,
    draw_households,
    income_per_uc_quantile,
)
from caisse.rules import consumption_units


def test_quantile_function_passes_through_the_published_deciles() -> None:
    p = np.linspace(0.1, 0.9, 9)
    np.testing.assert_allclose(income_per_uc_quantile(p), INCOME_PER_UC_DECILES_2022)


def test_quantile_function_is_increasing() -> None:
    values = income_per_uc_quantile(np.linspace(0, 0.999, 2000))
    assert np.all(np.diff(values) > 0)


def test_drawn_incomes_per_unit_match_the_deciles_within_sampling_error() -> None:
    n = 40_000
    drawn = draw_households(n, np.random.default_rng(2022))
    units = consumption_units(drawn.adults, drawn.others_14_plus, drawn.children_under_14)
    per_uc = drawn.monthly_income * 12 / units
    # The share below each decile is binomial(n, p): allow four standard errors.
    for p, decile in zip(np.linspace(0.1, 0.9, 9), INCOME_PER_UC_DECILES_2022, strict=True):
        share = float(np.mean(per_uc <= decile * 1.0001))
        assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / n), (p, share)


def test_household_types_and_mean_size_match_the_census() -> None:
    n = 40_000
    drawn = draw_households(n, np.random.default_rng(2022))
    size = drawn.adults + drawn.others_14_plus + drawn.children_under_14
    alone = float(np.mean(size == 1))
    p = HOUSEHOLD_TYPES["person_alone"]
    assert abs(alone - p) < 4 * np.sqrt(p * (1 - p) / n)
    # RP2022 mean household size is 2.15; the children-per-family shares are our assumption,
    # so the tolerance is wider than sampling error alone.
    assert abs(float(size.mean()) - 2.15) < 0.1


def test_same_generator_seed_gives_the_same_households() -> None:
    a = draw_households(500, np.random.default_rng(5))
    b = draw_households(500, np.random.default_rng(5))
    np.testing.assert_array_equal(a.monthly_income, b.monthly_income)
    np.testing.assert_array_equal(a.children_under_14, b.children_under_14)
