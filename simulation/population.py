"""The eligible population as weighted household types: every household of a type has the same rule
inputs (composition, income, chosen contribution), so the rules are computed once per type.

>>> population = synthetic_population(1000, income_bins=10)
>>> int(population.households.sum()), population.types
(1000, 160)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from caisse.rules import consumption_units, household_composition
from simulation.insee import HOUSEHOLD_TYPES, household_compositions, income_decile, income_per_uc_quantile
from simulation.types import BoolArray, FloatArray, IntArray


@dataclass(frozen=True)
class Population:
    """T household types, one entry per type (all arrays of shape (T,)).

    `monthly_income` is the household's declared income in € per month at the scenario's start;
    `chosen` its chosen contribution in € per month (NaN: none recorded, the scenario's chosen_ratio of
    the grid's suggestion is used); `households` how many eligible households the type stands for;
    `decile` its national income decile (0–9) by income per consumption unit (INSEE 2022).

    `members`, when known, how many of the type's households are already members as the forecast
    starts (a caisse's own members, its applicants being the others): the first month then starts
    from them, with its leaving and joining like any later month, and no take-up is drawn. None:
    nobody is a member yet, and the first month draws the scenario's take-up. `credit`, with
    `members`: the food credit (€) those members already hold, in all, by type; it is spent, and
    lapses when its holder leaves, like any other.
    """

    adults: IntArray
    others_14_plus: IntArray
    children_under_14: IntArray
    monthly_income: FloatArray
    chosen: FloatArray
    households: IntArray
    decile: IntArray
    members: IntArray | None = None
    credit: FloatArray | None = None

    @property
    def types(self) -> int:
        return int(self.households.size)

    @property
    def total_households(self) -> int:
        return int(self.households.sum())


def largest_remainder(expected: FloatArray, total: int) -> IntArray:
    """Whole counts summing to `total`, each the floor of `expected` plus one for the largest
    remainders (ties to the lower index), so rounding never changes the population's size.

    >>> largest_remainder(np.array([0.5, 1.25, 1.25]), 3).tolist()
    [1, 1, 1]
    """
    scaled = expected * (total / expected.sum())
    counts = np.floor(scaled).astype(np.int64)
    remainder = scaled - counts
    extra = total - int(counts.sum())
    order = np.argsort(-remainder, kind="stable")[:extra]
    counts[order] += 1
    return counts


def _decile(monthly_income: FloatArray, units: FloatArray, scale: float = 1.0) -> IntArray:
    return income_decile(monthly_income * 12.0 / units / scale)


def synthetic_population(
    households: int,
    composition: Mapping[str, float] = HOUSEHOLD_TYPES,
    income_bins: int = 20,
    income_scale: float = 1.0,
) -> Population:
    """`households` eligible households split into compositions (RP2022 shares, or `composition`) ×
    `income_bins` equal-probability classes of income per consumption unit (INSEE 2022 quantile function,
    interpolated between deciles, at each class's middle), times `income_scale`.

    Income is assumed independent of the composition (INSEE's scale already adjusts income to it). The
    decile is that of the unscaled INSEE income, so it stays the national decile.
    """
    if households < 1 or income_bins < 10 or income_bins % 10:
        raise ValueError("households must be >= 1 and income_bins a multiple of 10 (>= 10)")
    adults, others, children, share = household_compositions(dict(composition))
    middle = (np.arange(income_bins) + 0.5) / income_bins
    per_uc_monthly = income_per_uc_quantile(middle) / 12.0
    units = consumption_units(adults, others, children)
    expected = (share[:, None] * np.full(income_bins, 1.0 / income_bins)).ravel()
    counts = largest_remainder(expected, households)
    income = (units[:, None] * per_uc_monthly[None, :] * income_scale).ravel()
    decile = np.broadcast_to(np.floor(middle * 10).astype(np.int64), (adults.size, income_bins)).ravel()
    keep = counts > 0
    return Population(
        adults=np.repeat(adults, income_bins)[keep],
        others_14_plus=np.repeat(others, income_bins)[keep],
        children_under_14=np.repeat(children, income_bins)[keep],
        monthly_income=np.round(income, 2)[keep],
        chosen=np.full(int(keep.sum()), np.nan),
        households=counts[keep],
        decile=decile[keep].copy(),
    )


def population_from_households(
    adults: IntArray,
    others_14_plus: IntArray,
    children_under_14: IntArray,
    monthly_income: FloatArray,
    chosen: FloatArray | None = None,
    weight: IntArray | None = None,
    member: BoolArray | None = None,
    credit: FloatArray | None = None,
) -> Population:
    """Group households with identical rule inputs into types; `weight` counts the households each
    entry stands for (default 1). Incomes in € per month; `chosen` in € per month or NaN; `member`
    whether the entry's households are already members and `credit` the € they hold (see
    :class:`Population`; default: unknown, none).

    >>> population = population_from_households(
    ...     np.array([1, 1, 2]), np.array([0, 0, 0]), np.array([0, 0, 2]), np.array([900.0, 900.0, 3000.0]))
    >>> population.households.tolist(), population.decile.tolist()
    ([2, 1], [0, 2])
    """
    a, o, c = household_composition(adults, others_14_plus, children_under_14)
    income = np.asarray(monthly_income, dtype=np.float64)
    if not np.all(np.isfinite(income)) or np.any(income < 0):
        raise ValueError("monthly incomes must be finite amounts >= 0 €")
    picked = np.full(a.shape, np.nan) if chosen is None else np.asarray(chosen, dtype=np.float64)
    counts = np.ones(a.shape, dtype=np.int64) if weight is None else np.asarray(weight, dtype=np.int64)
    if a.size == 0 or np.any(counts < 1):
        raise ValueError("a population needs at least one household, and every weight must be >= 1")
    # NaN never equals itself: key the chosen amount by a sentinel so "no choice" rows group together.
    keys = np.stack([a, o, c, income, np.where(np.isnan(picked), -1.0, picked)], axis=1)
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    totals = np.bincount(inverse.ravel(), weights=counts, minlength=len(unique)).astype(np.int64)
    members = None
    if member is not None:
        joined = counts * np.asarray(member, dtype=bool)
        members = np.bincount(inverse.ravel(), weights=joined, minlength=len(unique)).astype(np.int64)
    held: FloatArray | None = None
    if credit is not None:
        weights = np.asarray(credit, dtype=np.float64)
        held = np.bincount(inverse.ravel(), weights=weights, minlength=len(unique)).astype(np.float64)
    ua, uo, uc = (unique[:, i].astype(np.int64) for i in range(3))
    return Population(
        adults=ua,
        others_14_plus=uo,
        children_under_14=uc,
        monthly_income=unique[:, 3].copy(),
        chosen=np.where(unique[:, 4] < 0, np.nan, unique[:, 4]),
        households=totals,
        decile=_decile(unique[:, 3], consumption_units(ua, uo, uc)),
        members=members,
        credit=held,
    )
