"""Vectorised contributions, € per month per household, rounded to the scheme's step.

An imposed scheme runs four stages, each public so that :mod:`caisse.rules.explain` narrates the very
numbers the billing uses: :func:`assessment_base` → :func:`scheme_amount` → :func:`contribution_bounds`
→ :func:`settle` (round half up to the step, then clamp into the bounds).
"""

from __future__ import annotations

import numpy as np

from caisse.rules.inputs import Households, households, validate_chosen
from caisse.rules.rounding import ceil_to_step, floor_to_step, round_to_step
from caisse.rules.schemes import (
    ContributionScheme,
    FlatTiersScheme,
    ImposedScheme,
    MarginalBracketsScheme,
    ProportionalScheme,
    SelfDeterminedScheme,
)
from caisse.rules.types import ArrayLike, Basis, FloatArray, IntArray


def assessment_base(basis: Basis, income: FloatArray, units: FloatArray) -> FloatArray:
    """What a rate or band applies to: household income, or income per consumption unit (€/month)."""
    return income if basis == "household" else income / units


def bracket_portions(scheme: MarginalBracketsScheme, base: FloatArray) -> FloatArray:
    """€ of the base falling in each bracket; shape ``base.shape + (brackets,)``."""
    thresholds = np.array([t for t, _ in scheme.brackets], dtype=np.float64)
    widths = np.append(np.diff(thresholds), np.inf)
    return np.clip(base[..., None] - thresholds, 0.0, widths)


def bracket_slices(scheme: MarginalBracketsScheme, base: FloatArray) -> FloatArray:
    """€ due on each bracket's portion of the base; shape ``base.shape + (brackets,)``."""
    rates = np.array([r for _, r in scheme.brackets], dtype=np.float64)
    return rates * bracket_portions(scheme, base)


def tier_index(scheme: FlatTiersScheme, base: FloatArray) -> IntArray:
    """Index of each base's band; ``len(scheme.tiers)`` is the open top tier."""
    uppers = np.array([u for u, _ in scheme.tiers], dtype=np.float64)
    return np.searchsorted(uppers, base, side="left").astype(np.int64)


def scheme_amount(scheme: ImposedScheme, base: FloatArray, persons: IntArray) -> FloatArray:
    """The scheme's formula in € before rounding and bounds."""
    if isinstance(scheme, ProportionalScheme):
        return scheme.rate * base
    if isinstance(scheme, MarginalBracketsScheme):
        return bracket_slices(scheme, base).sum(axis=-1)
    amounts = np.array([a for _, a in scheme.tiers] + [scheme.top_amount], dtype=np.float64)
    return amounts[tier_index(scheme, base)] + scheme.per_extra_person * (persons - 1)


def contribution_bounds(scheme: ContributionScheme, persons: IntArray) -> tuple[FloatArray, FloatArray]:
    """Lowest and highest contribution in € for households of `persons`, both multiples of the step.

    The upper bound is +inf when there is no ceiling. Where the floor (grown per person, raised to the
    step) overtakes the ceiling, the ceiling wins.
    """
    if isinstance(scheme, FlatTiersScheme):
        return np.zeros(persons.shape), np.full(persons.shape, np.inf)
    if isinstance(scheme, SelfDeterminedScheme):
        low, per_low = scheme.minimum, scheme.minimum_per_extra_person
        high, per_high = scheme.maximum, scheme.maximum_per_extra_person
    else:
        low, per_low, high, per_high = scheme.floor, scheme.extra_floor_per_person, scheme.ceiling, 0.0
    extra = persons - 1
    lower = ceil_to_step(low + per_low * extra, scheme.step)
    if high is None:
        upper = np.full(persons.shape, np.inf)
    else:
        upper = floor_to_step(high + per_high * extra, scheme.step)
    return np.minimum(lower, upper), upper


def settle(amount: FloatArray, lower: FloatArray, upper: FloatArray, step: float) -> FloatArray:
    """Round half up to a multiple of `step` €, then clamp into [lower, upper] (bounds are on the grid)."""
    return np.minimum(np.maximum(round_to_step(amount, step), lower), upper)


def imposed_contributions(scheme: ImposedScheme, hh: Households) -> FloatArray:
    base = assessment_base(scheme.basis, hh.income, hh.units)
    lower, upper = contribution_bounds(scheme, hh.persons)
    return settle(scheme_amount(scheme, base, hh.persons), lower, upper, scheme.step)


def grid_suggestions(scheme: SelfDeterminedScheme, hh: Households) -> FloatArray:
    """The grid's amount kept within the scheme's bounds and step; the minimum when there is no grid."""
    lower, upper = contribution_bounds(scheme, hh.persons)
    if scheme.suggestion is None:
        return lower
    return settle(imposed_contributions(scheme.suggestion, hh), lower, upper, scheme.step)


def contributions(
    scheme: ContributionScheme,
    income: ArrayLike,
    adults: ArrayLike,
    others_14_plus: ArrayLike,
    children_under_14: ArrayLike,
    chosen: ArrayLike | None = None,
) -> FloatArray:
    """Contribution owed by each household, € per month, a multiple of the scheme's step.

    `income` is the declared monthly household income in € (>= 0). For a self-determined scheme,
    `chosen` holds each member's chosen amount in € (NaN = no choice recorded: the grid's suggestion is
    billed); every amount is clamped into the bounds and rounded to the step, so the function is total —
    the app refuses out-of-range choices at input time with :func:`check_chosen`. Imposed schemes ignore
    `chosen` (members keep their past choices on file when a caisse changes grid).

    >>> contributions(ProportionalScheme(rate=0.025, floor=10.0), [1800, 200], 1, 0, 0).tolist()
    [45.0, 10.0]
    >>> lyon = SelfDeterminedScheme(minimum=1.0, minimum_per_extra_person=1.0)
    >>> contributions(lyon, [900, 2400], 2, 0, 1, chosen=[np.nan, 0.5]).tolist()
    [3.0, 3.0]
    """
    hh = households(income, adults, others_14_plus, children_under_14)
    if not isinstance(scheme, SelfDeterminedScheme):
        return imposed_contributions(scheme, hh)
    suggested = grid_suggestions(scheme, hh)
    if chosen is None:
        return suggested
    picked = np.broadcast_to(validate_chosen(chosen), suggested.shape)
    lower, upper = contribution_bounds(scheme, hh.persons)
    return settle(np.where(np.isnan(picked), suggested, picked), lower, upper, scheme.step)


def suggested_contributions(
    scheme: ContributionScheme,
    income: ArrayLike,
    adults: ArrayLike,
    others_14_plus: ArrayLike,
    children_under_14: ArrayLike,
) -> FloatArray:
    """Amount shown to each member, € per month: the self-determination grid's suggestion within the
    scheme's bounds (the minimum without a grid). For an imposed scheme, the amount due itself.

    >>> grid = SelfDeterminedScheme(minimum=10.0, suggestion=ProportionalScheme(rate=0.02, step=1.0))
    >>> suggested_contributions(grid, [300, 2000], 1, 0, 0).tolist()
    [10.0, 40.0]
    """
    hh = households(income, adults, others_14_plus, children_under_14)
    if isinstance(scheme, SelfDeterminedScheme):
        return grid_suggestions(scheme, hh)
    return imposed_contributions(scheme, hh)
