"""Strata: cell keys, dimension and stratum checks, the income band of a household."""

from __future__ import annotations

import doctest
import importlib

import pytest

from caisse.committee.strata import (
    cell_key,
    dimension_problems,
    income_band,
    income_decile,
    parse_cell_key,
    stratum_problems,
)
from caisse.demo.population import INCOME_PER_UC_DECILES_2022

D = INCOME_PER_UC_DECILES_2022


@pytest.mark.parametrize(
    "name", ["caisse.committee.strata", "caisse.committee.lottery", "caisse.committee.volunteers"]
)
def test_docstring_examples_hold(name: str) -> None:
    assert doctest.testmod(importlib.import_module(name)).failed == 0


def test_cell_keys_sort_dimensions_and_round_trip() -> None:
    stratum = {"income_band": "low", "age_group": "60+", "commune": "Saint-Girons"}
    key = cell_key(stratum)
    assert key == "age_group=60+;commune=Saint-Girons;income_band=low"
    assert parse_cell_key(key) == stratum


def _monthly_cents_for(annual_per_unit: float, units: float = 1.0) -> int:
    return round(annual_per_unit * units / 12 * 100)


@pytest.mark.parametrize(
    ("annual_per_unit", "decile", "band"),
    [
        (D[0] - 100, 1, "low"),
        (D[0] + 1, 2, "low"),
        (D[2] - 10, 3, "low"),
        (D[2] + 10, 4, "middle"),
        (D[6] - 10, 7, "middle"),
        (D[6] + 10, 8, "high"),
        (D[8] + 10, 10, "high"),
    ],
)
def test_income_band_follows_the_insee_deciles_per_consumption_unit(
    annual_per_unit: float, decile: int, band: str
) -> None:
    # A couple with a child under 14: 1 + 0.5 + 0.3 = 1.8 units.
    cents = _monthly_cents_for(annual_per_unit, 1.8)
    assert income_decile(cents, 2, 0, 1) == decile
    assert income_band(cents, 2, 0, 1) == band


def test_bad_dimensions_are_each_named() -> None:
    problems = dimension_problems(
        {"Age": ["a"], "income_band": ["poor"], "commune": [], "gender": ["f", "f"], "x": ["a=b", " y"]}
    )
    text = " | ".join(problems)
    for expected in (
        "'Age'",
        "income bands",
        "commune: list",
        "gender: a value is listed twice",
        "'a=b'",
        "' y'",
    ):
        assert expected in text


def test_a_stratum_needs_one_allowed_value_per_dimension() -> None:
    dimensions = {"age_group": ["18-34", "35+"], "gender": ["f", "m", "x"]}
    assert stratum_problems({"age_group": "18-34", "gender": "x"}, dimensions) == []
    problems = stratum_problems({"age_group": "12", "shoe": "42"}, dimensions)
    assert any("'shoe' is not a dimension" in p for p in problems)
    assert any("age_group: '12' is not one of" in p for p in problems)
    assert any("gender: missing" in p for p in problems)
