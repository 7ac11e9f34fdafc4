"""Allocation rules and their vectorised amounts: food credit in € per month per household, to the cent."""

from __future__ import annotations

from typing import TypeAlias

import msgspec
import numpy as np

from caisse.rules import checks
from caisse.rules.rounding import round_to_step
from caisse.rules.types import ArrayLike, FloatArray
from caisse.rules.units import household_composition, oecd_scale


class PerPersonAllocation(msgspec.Struct, frozen=True, forbid_unknown_fields=True,
                          tag_field="kind", tag="per_person"):
    """`amount` € for each person in the household (national proposal: 150 €/person)."""

    amount: float

    def __post_init__(self) -> None:
        checks.amount("PerPersonAllocation", "amount", self.amount)


class PerConsumptionUnitAllocation(msgspec.Struct, frozen=True, forbid_unknown_fields=True,
                                   tag_field="kind", tag="per_consumption_unit"):
    """`amount_per_unit` € × consumption units.

    Lyon 8e: 150 € × UC = 150 € + 75 € per other person aged 14+ + 45 € per child under 14.
    """

    amount_per_unit: float

    def __post_init__(self) -> None:
        checks.amount("PerConsumptionUnitAllocation", "amount_per_unit", self.amount_per_unit)


class PerHouseholdAllocation(msgspec.Struct, frozen=True, forbid_unknown_fields=True,
                             tag_field="kind", tag="per_household"):
    """`base` € per household plus `per_extra_person` € per member beyond the first (Gironde: 150 + 75).

    With `per_child_under_14` set, children under 14 get that amount instead of `per_extra_person`;
    left None, children count as extra persons.
    """

    base: float
    per_extra_person: float = 0.0
    per_child_under_14: float | None = None

    def __post_init__(self) -> None:
        checks.amount("PerHouseholdAllocation", "base", self.base)
        checks.amount("PerHouseholdAllocation", "per_extra_person", self.per_extra_person)
        if self.per_child_under_14 is not None:
            checks.amount("PerHouseholdAllocation", "per_child_under_14", self.per_child_under_14)


class MutualistAllocation(msgspec.Struct, frozen=True, forbid_unknown_fields=True,
                          tag_field="kind", tag="mutualist"):
    """Everyone receives `share` × the mean of the month's contributions (Soli'Doume, SoliCagnole).

    share 1.0 balances the caisse by construction; 0.95 keeps 5 % back (Soli'Doume's proposed levy).
    """

    share: float = 1.0

    def __post_init__(self) -> None:
        checks.non_negative("MutualistAllocation", "share", self.share)


AllocationRule: TypeAlias = (
    PerPersonAllocation | PerConsumptionUnitAllocation | PerHouseholdAllocation | MutualistAllocation
)


def pool_mean(contributions: ArrayLike, weights: ArrayLike | None = None) -> FloatArray:
    """Mean contribution in € over the last axis (the households billed together), weighted by the
    number of households each entry stands for; keeps that axis with length 1 so it broadcasts back."""
    values = np.atleast_1d(np.asarray(contributions, dtype=np.float64))
    if not np.all(np.isfinite(values)) or (values.size and values.min() < 0):
        raise ValueError("contributions must be finite amounts >= 0 € to share them out")
    if values.shape[-1] == 0:  # nobody billed: nothing to share
        return np.zeros((*values.shape[:-1], 1))
    if weights is None:
        w = np.ones_like(values)
    else:
        w = np.broadcast_to(np.asarray(weights, dtype=np.float64), values.shape)
    total = w.sum(axis=-1, keepdims=True)
    if not np.all(np.isfinite(w)) or np.any(w < 0) or np.any(total <= 0):
        raise ValueError("weights must be >= 0 with at least one household in each pool")
    return (w * values).sum(axis=-1, keepdims=True) / total


def allocations(
    rule: AllocationRule,
    adults: ArrayLike,
    others_14_plus: ArrayLike,
    children_under_14: ArrayLike,
    contributions: ArrayLike | None = None,
    *,
    weights: ArrayLike | None = None,
) -> FloatArray:
    """Food credit for each household, € per month, rounded half up to the cent.

    A mutualist rule needs `contributions`: the month's contributions (€) of the households billed
    together, along the last axis. `weights` (same shape) counts the households each entry stands for,
    for the simulator's stratified engine; the billing leaves it None.

    >>> allocations(PerConsumptionUnitAllocation(150.0), [1, 2], [0, 0], [0, 1]).tolist()
    [150.0, 270.0]
    >>> allocations(MutualistAllocation(), [1, 1, 1], 0, 0, contributions=[30.0, 40.0, 50.0]).tolist()
    [40.0, 40.0, 40.0]
    """
    a, o, c = household_composition(adults, others_14_plus, children_under_14)
    if isinstance(rule, PerPersonAllocation):
        amount = rule.amount * (a + o + c)
    elif isinstance(rule, PerConsumptionUnitAllocation):
        amount = rule.amount_per_unit * oecd_scale(a, o, c)
    elif isinstance(rule, PerHouseholdAllocation):
        child = rule.per_extra_person if rule.per_child_under_14 is None else rule.per_child_under_14
        amount = rule.base + rule.per_extra_person * (a - 1 + o) + child * c
    else:
        if contributions is None:
            raise ValueError("a mutualist allocation needs the month's contributions to share out")
        shared = rule.share * pool_mean(contributions, weights)
        shape = np.broadcast_shapes(shared.shape, a.shape, np.shape(contributions))
        amount = np.broadcast_to(shared, shape)
    return round_to_step(amount, 0.01)
