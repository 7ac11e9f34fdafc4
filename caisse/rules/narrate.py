"""Human-readable steps of one household's contribution, narrated from the billing's own stages.

Every figure shown comes from the stage functions of :mod:`caisse.rules.contribution` run on the
household (1-element arrays); nothing here recomputes a rule.
"""

from __future__ import annotations

import math

import numpy as np

from caisse.rules.contribution import (
    assessment_base,
    bracket_portions,
    bracket_slices,
    contribution_bounds,
    grid_suggestions,
    imposed_contributions,
    scheme_amount,
    settle,
    tier_index,
)
from caisse.rules.formatting import euros, percent, persons, units
from caisse.rules.inputs import Households
from caisse.rules.rounding import round_to_step
from caisse.rules.schemes import (
    FlatTiersScheme,
    ImposedScheme,
    MarginalBracketsScheme,
    ProportionalScheme,
    SelfDeterminedScheme,
)


def _one(array: np.ndarray) -> float:
    return float(array.reshape(-1)[0])


def _formula_steps(scheme: ImposedScheme, base: float, hh: Households) -> list[str]:
    base_array = np.array([base])
    if isinstance(scheme, ProportionalScheme):
        amount = _one(scheme_amount(scheme, base_array, hh.persons))
        return [f"{percent(scheme.rate)} × {euros(base)} = {euros(amount)}"]
    if isinstance(scheme, MarginalBracketsScheme):
        portions, slices = bracket_portions(scheme, base_array)[0], bracket_slices(scheme, base_array)[0]
        steps = [
            f"{percent(rate)} × {euros(portion)} above {euros(threshold)} = {euros(due)}"
            for (threshold, rate), portion, due in zip(scheme.brackets, portions, slices, strict=True)
            if portion > 0
        ]
        total = _one(scheme_amount(scheme, base_array, hh.persons))
        if not steps:
            return [f"{euros(base)} is below the first bracket ({euros(scheme.brackets[0][0])}): 0.00 €"]
        return [*steps, f"sum of the brackets = {euros(total)}"] if len(steps) > 1 else steps
    index = int(tier_index(scheme, base_array)[0])
    if index < len(scheme.tiers):
        band, amount = f"up to {euros(scheme.tiers[index][0])}", scheme.tiers[index][1]
    else:
        band, amount = f"above {euros(scheme.tiers[-1][0])}", scheme.top_amount
    steps = [f"{euros(base)} falls in the band {band} → {euros(amount)}"]
    extra = int(hh.persons[0]) - 1
    if scheme.per_extra_person and extra:
        total = _one(scheme_amount(scheme, base_array, hh.persons))
        steps.append(f"{euros(amount)} + {euros(scheme.per_extra_person)} × {persons(extra, 'extra person')}"
                     f" = {euros(total)}")
    return steps


def _bound_steps(scheme: ProportionalScheme | MarginalBracketsScheme, rounded: float,
                 lower: float, upper: float, final: float, extra: int) -> list[str]:
    steps = []
    if lower > 0:
        floor = scheme.floor + scheme.extra_floor_per_person * extra
        if scheme.extra_floor_per_person and extra:
            steps.append(f"floor {euros(scheme.floor)} + {euros(scheme.extra_floor_per_person)} × "
                         f"{persons(extra, 'extra person')} = {euros(floor)}")
        binds = " (the floor applies)" if lower > rounded else ""
        steps.append(f"floor {euros(lower)} → {euros(max(rounded, lower))}{binds}")
    if math.isfinite(upper):
        binds = " (the ceiling applies)" if final < max(rounded, lower) else ""
        steps.append(f"ceiling {euros(upper)} → {euros(final)}{binds}")
    return steps


def imposed_steps(scheme: ImposedScheme, hh: Households) -> list[str]:
    """Steps from income to the amount due under an imposed scheme; the last figure is the amount."""
    income, uc = float(hh.income[0]), float(hh.units[0])
    base = _one(assessment_base(scheme.basis, hh.income, hh.units))
    steps = [f"household income {euros(income)} a month"]
    if scheme.basis == "per_consumption_unit":
        steps.append(f"income per consumption unit: {euros(income)} / {units(uc)} = {euros(base)}")
    steps += _formula_steps(scheme, base, hh)
    amount = scheme_amount(scheme, np.array([base]), hh.persons)
    rounded = _one(round_to_step(amount, scheme.step))
    if abs(rounded - _one(amount)) > 1e-9:
        grid = "the cent" if scheme.step == 0.01 else f"a multiple of {euros(scheme.step)}"
        steps.append(f"rounded half up to {grid} → {euros(rounded)}")
    lower, upper = (_one(b) for b in contribution_bounds(scheme, hh.persons))
    final = _one(settle(amount, np.array([lower]), np.array([upper]), scheme.step))
    if not isinstance(scheme, FlatTiersScheme):
        steps += _bound_steps(scheme, rounded, lower, upper, final, int(hh.persons[0]) - 1)
    return steps


def self_determined_steps(scheme: SelfDeterminedScheme, hh: Households, chosen: float | None) -> list[str]:
    """Bounds, suggestion and choice of a self-determined contribution; the last figure is billed."""
    extra = int(hh.persons[0]) - 1
    lower, upper = (_one(b) for b in contribution_bounds(scheme, hh.persons))
    top = "no maximum" if math.isinf(upper) else f"at most {euros(upper)}"
    steps = [f"self-determined: at least {euros(lower)}, {top}, in steps of {euros(scheme.step)}, "
             f"for a household of {persons(extra + 1)}"]
    suggested = _one(grid_suggestions(scheme, hh))
    if scheme.suggestion is None:
        steps.append(f"no suggestion grid: the minimum {euros(suggested)} is suggested")
    else:
        steps += [f"grid: {step}" for step in imposed_steps(scheme.suggestion, hh)]
        grid = _one(imposed_contributions(scheme.suggestion, hh))
        kept = "" if abs(grid - suggested) < 1e-9 else " (the grid's amount kept within the bounds and step)"
        steps.append(f"suggested contribution {euros(suggested)}{kept}")
    if chosen is None or math.isnan(chosen):
        steps.append(f"no amount chosen: the suggestion {euros(suggested)} is billed")
        return steps
    billed = _one(settle(np.array([chosen]), np.array([lower]), np.array([upper]), scheme.step))
    note = "" if abs(billed - chosen) < 1e-9 else " (kept within the bounds and rounded to the step)"
    steps.append(f"chosen amount {euros(chosen)} → {euros(billed)}{note}")
    return steps
