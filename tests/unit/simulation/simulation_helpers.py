"""Small scenarios and populations for the simulator's tests."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from simulation.population import Population, population_from_households
from simulation.scenario import Scenario, decode_scenario

BASE: dict[str, Any] = {
    "scenario": {"start": "2027-01", "months": 12, "paths": 40, "seed": 11, "chunk_size": 20},
    "population": {"households": 200, "income_bins": 10},
    "contribution": {"scheme": {"kind": "proportional", "rate": 0.1}},
    "allocation": {"rule": {"kind": "per_person", "amount": 150.0}},
}


def merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`base` with `changes` applied table by table: keys of a top-level table are replaced one by one
    (a value None removes the key), other tables are added or replaced whole."""
    result = copy.deepcopy(base)
    for table, value in changes.items():
        if isinstance(value, dict) and isinstance(result.get(table), dict):
            for key, item in value.items():
                if item is None:
                    result[table].pop(key, None)
                else:
                    result[table][key] = copy.deepcopy(item)
        else:
            result[table] = copy.deepcopy(value)
    return result


def scenario(**tables: dict[str, Any]) -> Scenario:
    """The base scenario with some tables changed: ``scenario(participation={"take_up": 0.5})``."""
    return decode_scenario(merged(BASE, tables))


def one_type(households: int, income: float = 2000.0, adults: int = 1) -> Population:
    """`households` identical households: one type."""
    return population_from_households(
        np.array([adults]), np.array([0]), np.array([0]), np.array([income]), weight=np.array([households])
    )


def three_households() -> Population:
    """The hand-computed population: incomes 1 000, 3 000 and 2 000 € a month; 1, 2 and 4 persons."""
    return population_from_households(
        adults=np.array([1, 2, 2]),
        others_14_plus=np.array([0, 0, 0]),
        children_under_14=np.array([0, 0, 2]),
        monthly_income=np.array([1000.0, 3000.0, 2000.0]),
    )
