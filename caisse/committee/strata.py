"""Strata of a lottery: dimensions and their values, cells, and a household's income band.

Pure: no database. A *cell* is one combination of dimension values (one value per dimension);
its key is the canonical text ``name=value;name=value`` with the names in code-point order, so
that anyone re-running a draw from its public record orders the cells the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from caisse.rules import consumption_units
from simulation.insee import INCOME_PER_UC_DECILES_2022

MAX_DIMENSIONS = 4
MAX_VALUES = 24
MAX_VALUE_LENGTH = 40
DIMENSION_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
# '=' and ';' build cell keys: keeping them out of names and values keeps keys unambiguous.
FORBIDDEN_IN_VALUE = re.compile(r"[=;\x00-\x1f\x7f]")

INCOME_BAND = "income_band"
# Deciles of income per consumption unit (INSEE 2022): D1–D3 low, D4–D7 middle, D8–D10 high.
INCOME_BANDS = ("low", "middle", "high")
_BAND_OF_DECILE = {d: "low" if d <= 3 else "middle" if d <= 7 else "high" for d in range(1, 11)}


def cell_key(stratum: Mapping[str, str]) -> str:
    """The canonical key of a cell.

    >>> cell_key({"income_band": "low", "age_group": "18-34"})
    'age_group=18-34;income_band=low'
    >>> cell_key({})
    ''
    """
    return ";".join(f"{name}={stratum[name]}" for name in sorted(stratum))


def parse_cell_key(key: str) -> dict[str, str]:
    """The stratum of a cell key (inverse of `cell_key`).

    >>> parse_cell_key("age_group=18-34;income_band=low")
    {'age_group': '18-34', 'income_band': 'low'}
    """
    if not key:
        return {}
    return dict(part.split("=", 1) for part in key.split(";"))


def value_problem(value: object) -> str | None:
    """Why `value` cannot be a dimension value, or None when it can."""
    if not isinstance(value, str):
        return "a value is text."
    if value != value.strip() or not 1 <= len(value) <= MAX_VALUE_LENGTH:
        return f"a value has 1 to {MAX_VALUE_LENGTH} characters, without surrounding spaces: '{value}'."
    if FORBIDDEN_IN_VALUE.search(value):
        return f"'{value}': a value cannot contain '=', ';' or control characters."
    return None


def dimension_problems(dimensions: Mapping[str, Sequence[str]]) -> list[str]:
    """What is wrong with a draw's dimensions (name -> allowed values); empty when they are fine."""
    problems: list[str] = []
    if len(dimensions) > MAX_DIMENSIONS:
        problems.append(f"at most {MAX_DIMENSIONS} dimensions, got {len(dimensions)}.")
    for name, values in dimensions.items():
        if not DIMENSION_NAME.fullmatch(name):
            problems.append(f"'{name}': a dimension name is lowercase letters, digits and _, e.g. age_group.")
            continue
        if not 1 <= len(values) <= MAX_VALUES:
            problems.append(f"{name}: list 1 to {MAX_VALUES} values.")
            continue
        for value in values:
            problem = value_problem(value)
            if problem:
                problems.append(f"{name}: {problem}")
        if len(set(values)) != len(values):
            problems.append(f"{name}: a value is listed twice.")
        if name == INCOME_BAND and not set(values) <= set(INCOME_BANDS):
            problems.append(f"{name}: the income bands are {', '.join(INCOME_BANDS)}.")
    return problems


def stratum_problems(stratum: Mapping[str, str], dimensions: Mapping[str, Sequence[str]]) -> list[str]:
    """What is wrong with a stratum (one value per dimension, each allowed); empty when fine."""
    problems = [f"'{name}' is not a dimension of this draw." for name in stratum if name not in dimensions]
    for name, allowed in dimensions.items():
        if name not in stratum:
            problems.append(f"{name}: missing; one of {', '.join(allowed)}.")
        elif stratum[name] not in allowed:
            problems.append(f"{name}: '{stratum[name]}' is not one of {', '.join(allowed)}.")
    return problems


def income_decile(monthly_income_cents: int, adults: int, others_14_plus: int, children_under_14: int) -> int:
    """The decile (1–10) of the household's annual income per consumption unit among French
    households (INSEE 2022): 1 below D1, 10 at or above D9.

    >>> income_decile(100_000, 1, 0, 0)  # 12 000 €/year for one adult: below D1
    1
    >>> income_decile(250_000, 2, 0, 0)  # 30 000 € / 1.5 units = 20 000 €/UC: between D3 and D4
    4
    """
    units = float(consumption_units(adults, others_14_plus, children_under_14))
    annual_per_unit = monthly_income_cents * 12 / 100 / units
    return int(np.searchsorted(INCOME_PER_UC_DECILES_2022, annual_per_unit, side="right")) + 1


def income_band(monthly_income_cents: int, adults: int, others_14_plus: int, children_under_14: int) -> str:
    """ "low" (D1–D3), "middle" (D4–D7) or "high" (D8–D10) for the household's income per unit.

    >>> income_band(400_000, 1, 0, 0)  # 48 000 €/UC/year: above D9
    'high'
    """
    return _BAND_OF_DECILE[income_decile(monthly_income_cents, adults, others_14_plus, children_under_14)]
