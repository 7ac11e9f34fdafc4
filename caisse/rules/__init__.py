"""Contribution and allocation rules of an SSA caisse: pure, vectorised (numpy arrays in, arrays out).

Shared by the billing (monthly close) and the Monte Carlo simulator, so both bill with the same code.
Money is € per month as float64 in arrays; :func:`to_cents` converts to integer cents once, half up.

>>> from caisse.rules import get_preset, contributions, allocations
>>> lyon = get_preset("lyon-8e").latest
>>> allocations(lyon.allocation, adults=[2], others_14_plus=[0], children_under_14=[1]).tolist()
[270.0]
"""

from __future__ import annotations

from caisse.rules.allocation import (
    AllocationRule,
    MutualistAllocation,
    PerConsumptionUnitAllocation,
    PerHouseholdAllocation,
    PerPersonAllocation,
    allocations,
    pool_mean,
)
from caisse.rules.chosen import check_chosen
from caisse.rules.contribution import contribution_bounds, contributions, suggested_contributions
from caisse.rules.describe import describe_allocation, describe_contribution, describe_rule_set
from caisse.rules.explain import Explanation, explain
from caisse.rules.presets import PRESETS, Preset, get_preset
from caisse.rules.rounding import round_to_step, to_cents
from caisse.rules.ruleset import RuleSet, rule_in_force, validate_month
from caisse.rules.schemes import (
    ContributionScheme,
    FlatTiersScheme,
    ImposedScheme,
    MarginalBracketsScheme,
    ProportionalScheme,
    SelfDeterminedScheme,
)
from caisse.rules.types import Basis, FloatArray, IntArray
from caisse.rules.units import consumption_units, household_composition, household_size

__all__ = [
    "PRESETS",
    "AllocationRule",
    "Basis",
    "ContributionScheme",
    "Explanation",
    "FlatTiersScheme",
    "FloatArray",
    "ImposedScheme",
    "IntArray",
    "MarginalBracketsScheme",
    "MutualistAllocation",
    "PerConsumptionUnitAllocation",
    "PerHouseholdAllocation",
    "PerPersonAllocation",
    "Preset",
    "ProportionalScheme",
    "RuleSet",
    "SelfDeterminedScheme",
    "allocations",
    "check_chosen",
    "consumption_units",
    "contribution_bounds",
    "contributions",
    "describe_allocation",
    "describe_contribution",
    "describe_rule_set",
    "explain",
    "get_preset",
    "household_composition",
    "household_size",
    "pool_mean",
    "round_to_step",
    "rule_in_force",
    "suggested_contributions",
    "to_cents",
    "validate_month",
]
