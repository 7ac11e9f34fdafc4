"""Each type's contribution owed and allocation for each simulated month, computed by `caisse.rules`
(the code that bills real members), with the scenario's yearly uprating of incomes and allocations.

A mutualist allocation (the mean of the month's contributions) depends on who is a member, so it is
computed by the engines, month by month and path by path, with :func:`mutualist_allocation`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from caisse.rules import (
    AllocationRule,
    ContributionScheme,
    MutualistAllocation,
    RuleSet,
    SelfDeterminedScheme,
    allocations,
    contributions,
    get_preset,
    round_to_step,
    suggested_contributions,
)
from simulation.population import Population
from simulation.sections import AllocationSection, ContributionSection, FundingSection
from simulation.types import CountsByTypes, FloatArray, MonthsByTypes, PathsByTypes


@dataclass(frozen=True)
class RuleTables:
    """`contribution` and `allocation` are (M, T) € per household per month; `allocation` is NaN in
    months whose rule is mutualist, and `mutualist[m]` holds that rule (None otherwise)."""

    contribution: MonthsByTypes
    allocation: MonthsByTypes
    mutualist: tuple[MutualistAllocation | None, ...]


def _rule_set(preset_name: str, month: str, what: str) -> RuleSet:
    preset = get_preset(preset_name)
    try:
        return preset.in_force(month)
    except ValueError as error:
        raise ValueError(
            f"[{what}] preset {preset.name}: {error}; set rule_month or start the scenario later"
        ) from None


def scheme_in_force(section: ContributionSection, month: str) -> ContributionScheme:
    """The contribution scheme billed in `month` ("YYYY-MM"): the inline one, or the preset's."""
    if section.scheme is not None:
        return section.scheme
    return _rule_set(section.preset or "", section.rule_month or month, "contribution").contribution


def rule_in_force(section: AllocationSection, month: str) -> AllocationRule:
    """The allocation rule credited in `month` ("YYYY-MM"): the inline one, or the preset's."""
    if section.rule is not None:
        return section.rule
    return _rule_set(section.preset or "", section.rule_month or month, "allocation").allocation


def yearly_factor(rate: float, months: int) -> FloatArray:
    """(1 + rate) raised to the number of whole years since the start, for each month.

    >>> yearly_factor(0.1, 14)[[0, 11, 12, 13]].round(6).tolist()
    [1.0, 1.0, 1.1, 1.1]
    """
    return np.power(1.0 + rate, np.arange(months) // 12, dtype=np.float64)


def owed(
    scheme: ContributionScheme, population: Population, income_factor: float, chosen_ratio: float
) -> FloatArray:
    """Contribution owed by a household of each type, € per month (caisse.rules.contributions)."""
    income = population.monthly_income * income_factor
    composition = (population.adults, population.others_14_plus, population.children_under_14)
    chosen = None
    if isinstance(scheme, SelfDeterminedScheme):
        suggested = suggested_contributions(scheme, income, *composition)
        chosen = np.where(np.isnan(population.chosen), chosen_ratio * suggested, population.chosen)
    return contributions(scheme, income, *composition, chosen=chosen)


def rule_tables(
    population: Population,
    months: tuple[str, ...],
    contribution: ContributionSection,
    allocation: AllocationSection,
    funding: FundingSection,
) -> RuleTables:
    """The (M, T) tables of contributions owed and allocations, € per household per month."""
    income_factor = yearly_factor(funding.income_uprating, len(months))
    allocation_factor = yearly_factor(funding.allocation_uprating, len(months))
    composition = (population.adults, population.others_14_plus, population.children_under_14)
    owed_table = np.empty((len(months), population.types))
    credit_table = np.empty((len(months), population.types))
    mutualist: list[MutualistAllocation | None] = []
    cache: dict[tuple[int, float], FloatArray] = {}
    for m, month in enumerate(months):
        scheme = scheme_in_force(contribution, month)
        key = (id(scheme), float(income_factor[m]))
        if key not in cache:
            cache[key] = owed(scheme, population, float(income_factor[m]), contribution.chosen_ratio)
        owed_table[m] = cache[key]
        rule = rule_in_force(allocation, month)
        if isinstance(rule, MutualistAllocation):
            mutualist.append(rule)
            credit_table[m] = np.nan
        else:
            mutualist.append(None)
            base = allocations(rule, *composition)
            credit_table[m] = round_to_step(base * allocation_factor[m], 0.01)
    return RuleTables(owed_table, credit_table, tuple(mutualist))


def mutualist_allocation(
    rule: MutualistAllocation, population: Population, owed_now: FloatArray, members: CountsByTypes
) -> PathsByTypes:
    """(P, T) allocation under a mutualist rule: the mean contribution owed by each path's members
    (caisse.rules.allocations with the member counts as weights). A path without members shares
    nothing, so its (unused) allocation is computed over the whole population instead."""
    nobody = members.sum(axis=-1, keepdims=True) == 0
    weights = np.where(nobody, population.households, members)
    composition = (population.adults, population.others_14_plus, population.children_under_14)
    pooled = np.broadcast_to(owed_now, members.shape)
    return allocations(rule, *composition, contributions=pooled, weights=weights)


def relative_net_cost(population: Population, tables: RuleTables) -> FloatArray:
    """(T,) what a household weighs when it decides to take part: its net cost in the first month
    (contribution owed − allocation, €, everyone eligible a member) minus the eligible households'
    mean net cost, so that the scenario's take-up stays the take-up of an average household."""
    rule = tables.mutualist[0]
    if rule is None:
        credit = tables.allocation[0]
    else:
        credit = mutualist_allocation(
            rule, population, tables.contribution[0], population.households[None, :]
        )[0]
    net_cost = tables.contribution[0] - credit
    mean: float = np.average(net_cost, weights=population.households)
    return net_cost - mean
