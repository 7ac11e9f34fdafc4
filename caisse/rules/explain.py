"""Explain one household's contribution and allocation, step by step, for members and staff.

The amounts come from the vectorised functions the billing and the simulator call, run on 1-element
arrays; the steps narrate the same stage functions. Tests check the two never disagree.
"""

from __future__ import annotations

import math

import msgspec
import numpy as np

from caisse.rules.allocation import (
    AllocationRule,
    PerConsumptionUnitAllocation,
    PerHouseholdAllocation,
    PerPersonAllocation,
    allocations,
)
from caisse.rules.contribution import contributions, suggested_contributions
from caisse.rules.formatting import euros, percent, persons, units
from caisse.rules.inputs import Households, households
from caisse.rules.narrate import imposed_steps, self_determined_steps
from caisse.rules.rounding import to_cents
from caisse.rules.ruleset import RuleSet
from caisse.rules.schemes import SelfDeterminedScheme


class Explanation(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One household's month under a rule set. Money in integer cents per month; `steps` in words."""

    rule_set_name: str
    effective_from: str
    source: str
    contribution_kind: str
    allocation_kind: str
    persons: int
    consumption_units: float
    contribution_cents: int
    allocation_cents: int
    suggested_contribution_cents: int | None
    net_transfer_cents: int  # allocation − contribution: what the household gains from the caisse
    steps: list[str]


def _household_steps(hh: Households) -> list[str]:
    a, o, c = int(hh.adults[0]), int(hh.others_14_plus[0]), int(hh.children_under_14[0])
    return [
        f"household: {persons(a, 'adult')}, {persons(o, 'other person')} aged 14+, "
        f"{c} {'child' if c == 1 else 'children'} under 14 = {persons(int(hh.persons[0]))}",
        f"consumption units: 1 + 0.5 × {a - 1 + o} + 0.3 × {c} = {units(float(hh.units[0]))}",
    ]


def _allocation_steps(
    rule: AllocationRule, hh: Households, allocation: float, pool: float, given: bool
) -> list[str]:
    n, extra = int(hh.persons[0]), int(hh.persons[0]) - 1
    if isinstance(rule, PerPersonAllocation):
        return [f"{euros(rule.amount)} × {persons(n)} = {euros(allocation)}"]
    if isinstance(rule, PerConsumptionUnitAllocation):
        return [f"{euros(rule.amount_per_unit)} × {units(float(hh.units[0]))} = {euros(allocation)}"]
    if isinstance(rule, PerHouseholdAllocation):
        children = int(hh.children_under_14[0])
        if rule.per_child_under_14 is None:
            terms = [(extra, rule.per_extra_person, persons(extra, "extra person"))]
        else:
            older = extra - children
            terms = [(older, rule.per_extra_person, f"{persons(older, 'extra person')} 14+"),
                     (children, rule.per_child_under_14, f"{children} under 14")]
        shown = [f"{euros(rule.base)} per household"]
        shown += [f"{euros(amount)} × {label}" for count, amount, label in terms if count]
        return [f"{' + '.join(shown)} = {euros(allocation)}"]
    # What remains of the closed AllocationRule union is the mutualist rule.
    pool_step = (f"mean of the month's contributions (given): {euros(pool)}" if given else
                 f"a single household has no pool: its own contribution {euros(pool)} stands for the mean")
    return [pool_step, f"{percent(rule.share)} × {euros(pool)} = {euros(allocation)}"]


def explain(
    rule_set: RuleSet,
    income: float,
    adults: int,
    others_14_plus: int,
    children_under_14: int,
    chosen: float | None = None,
    pool_mean: float | None = None,
) -> Explanation:
    """Explain the contribution and allocation of one household (income in € per month).

    `chosen` is the member's chosen amount in € (self-determined schemes). `pool_mean` is the month's
    mean contribution in € for a mutualist allocation; without it the household's own contribution is
    used, and a step says so.

    >>> from caisse.rules.presets import get_preset
    >>> result = explain(get_preset("ariege-ccampa").latest, 1800.0, 1, 0, 0)
    >>> result.contribution_cents, result.allocation_cents, result.steps[3]
    (4500, 5000, 'contribution: 2.5 % × 1 800.00 € = 45.00 €')
    """
    if pool_mean is not None and not (math.isfinite(pool_mean) and pool_mean >= 0):
        raise ValueError(f"pool_mean must be an amount >= 0 €, got {pool_mean!r}")
    hh = households([income], [adults], [others_14_plus], [children_under_14])
    scheme, rule = rule_set.contribution, rule_set.allocation
    picked = None if chosen is None else np.array([chosen], dtype=np.float64)
    composition = (hh.adults, hh.others_14_plus, hh.children_under_14)
    contribution = contributions(scheme, hh.income, *composition, picked)
    pool = float(contribution[0]) if pool_mean is None else float(pool_mean)
    allocation = allocations(rule, *composition, np.array([pool]))
    suggested = None
    if isinstance(scheme, SelfDeterminedScheme):
        suggested = int(to_cents(suggested_contributions(scheme, hh.income, *composition))[0])
        scheme_steps = self_determined_steps(scheme, hh, chosen)
    else:
        scheme_steps = imposed_steps(scheme, hh)
        if chosen is not None and not math.isnan(chosen):
            scheme_steps.append("a chosen amount does not apply: this scheme sets the contribution")
    contribution_cents, allocation_cents = int(to_cents(contribution)[0]), int(to_cents(allocation)[0])
    net = allocation_cents - contribution_cents
    steps = [
        *_household_steps(hh),
        *(f"contribution: {step}" for step in scheme_steps),
        f"contribution due: {euros(contribution_cents / 100)} a month",
        *(f"allocation: {step}" for step in _allocation_steps(rule, hh, float(allocation[0]), pool,
                                                               pool_mean is not None)),
        f"allocation credited: {euros(allocation_cents / 100)} a month",
        f"net transfer (allocation − contribution): {'+' if net >= 0 else ''}{euros(net / 100)} a month",
    ]
    return Explanation(
        rule_set_name=rule_set.name, effective_from=rule_set.effective_from, source=rule_set.source,
        contribution_kind=str(type(scheme).__struct_config__.tag),
        allocation_kind=str(type(rule).__struct_config__.tag),
        persons=int(hh.persons[0]), consumption_units=float(hh.units[0]),
        contribution_cents=contribution_cents, allocation_cents=allocation_cents,
        suggested_contribution_cents=suggested, net_transfer_cents=net, steps=steps,
    )
