"""Synthetic French households: INSEE 2022 incomes and RP2022 household types.

Pure numpy, seeded by the caller's Generator. Sources are in
shared/research/ssa_facts.md §5; figures marked [derived] are our interpolation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from caisse.rules import consumption_units
from simulation.insee import (
    CHILDREN_COUNTS,
    CHILDREN_SHARES,
    HOUSEHOLD_TYPES,
    INCOME_FLOOR_PER_UC,
    INCOME_PER_UC_DECILES_2022,
    PARETO_ALPHA,
    SHARE_CHILDREN_UNDER_14,
    TOP_MEAN_ABOVE_D9,
    income_per_uc_quantile,
)

# The INSEE 2022 and RP2022 tables live with the simulator, which builds its synthetic populations from
# them too; they are re-exported here under their historical names.
__all__ = [
    "CHILDREN_COUNTS",
    "CHILDREN_SHARES",
    "HOUSEHOLD_TYPES",
    "INCOME_FLOOR_PER_UC",
    "INCOME_PER_UC_DECILES_2022",
    "PARETO_ALPHA",
    "SHARE_CHILDREN_UNDER_14",
    "TOP_MEAN_ABOVE_D9",
    "Households",
    "draw_households",
    "income_per_uc_quantile",
]


@dataclass(frozen=True)
class Households:
    """One entry per household. Income is the household's monthly income in €."""

    adults: np.ndarray
    others_14_plus: np.ndarray
    children_under_14: np.ndarray
    monthly_income: np.ndarray

    def __len__(self) -> int:
        return int(self.adults.size)


def draw_households(n: int, rng: np.random.Generator) -> Households:
    """`n` households with RP2022 compositions and INSEE 2022 incomes per consumption unit."""
    if n < 0:
        raise ValueError(f"n must be 0 or more, got {n}")
    names = list(HOUSEHOLD_TYPES)
    shares = np.array([HOUSEHOLD_TYPES[k] for k in names])
    kind = rng.choice(len(names), size=n, p=shares / shares.sum())
    adults = np.where(
        np.isin(kind, [names.index("couple_without_children"), names.index("couple_with_children")]), 2, 1
    )
    with_children = np.isin(kind, [names.index("couple_with_children"), names.index("single_parent")])
    children = np.where(with_children, rng.choice(CHILDREN_COUNTS, size=n, p=CHILDREN_SHARES), 0)
    under_14 = rng.binomial(children, SHARE_CHILDREN_UNDER_14)
    others = children - under_14
    # "Other" households (flatmates, several generations): one more adult-aged person.
    others = others + (kind == names.index("other"))
    units = consumption_units(adults, others, under_14)
    annual_per_uc = income_per_uc_quantile(rng.random(n))
    monthly = np.round(annual_per_uc * units / 12, 2)
    return Households(adults.astype(np.int64), others.astype(np.int64), under_14.astype(np.int64), monthly)
