"""Everything an engine needs, computed once from a scenario and its population: plain arrays and
frozen sections, picklable, so chunks can run in other processes or on a Dask cluster."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.billing import RuleTables, relative_net_cost, rule_tables, yearly_factor
from simulation.months import month_labels, months_between
from simulation.population import Population
from simulation.scenario import Scenario
from simulation.sections import ParticipationSection, SpendingSection, Subsidy, UncertaintySection
from simulation.types import FloatArray, IntArray


@dataclass(frozen=True)
class SubsidySchedule:
    """One subsidy over the horizon: `period` (M,) is the index of the grant period each month falls
    in (-1 before the first); `cash` (M,) the € it pays that month if that period is granted."""

    name: str
    period: IntArray
    cash: FloatArray
    renewal_probability: float

    @property
    def periods(self) -> int:
        return int(self.period.max()) + 1 if self.period.size else 0


def subsidy_schedule(subsidy: Subsidy, start: str, months: int) -> SubsidySchedule:
    """When the subsidy pays, period by period, € per month (before any renewal is refused).

    >>> plan = subsidy_schedule(Subsidy(amount=1200.0, period_months=3), "2027-01", 7)
    >>> plan.period.tolist(), plan.cash.tolist()
    ([0, 0, 0, 1, 1, 1, 2], [1200.0, 0.0, 0.0, 1200.0, 0.0, 0.0, 1200.0])
    >>> ending = Subsidy(amount=1200.0, period_months=3, last_month="2027-05")
    >>> subsidy_schedule(ending, "2027-01", 7).cash.tolist()
    [1200.0, 0.0, 0.0, 1200.0, 0.0, 0.0, 0.0]
    """
    offset = 0 if subsidy.first_month is None else months_between(start, subsidy.first_month)
    since = np.arange(months) - offset
    if subsidy.last_month is not None:  # nothing after the agreement's last month
        since = np.where(np.arange(months) <= months_between(start, subsidy.last_month), since, -1)
    period = np.where(since >= 0, since // subsidy.period_months, -1).astype(np.int64)
    if subsidy.payment == "monthly":
        cash = np.where(since >= 0, subsidy.amount / subsidy.period_months, 0.0)
    else:
        cash = np.where((since >= 0) & (since % subsidy.period_months == 0), subsidy.amount, 0.0)
    return SubsidySchedule(subsidy.name, period, cash, subsidy.renewal_probability)


@dataclass(frozen=True)
class Strata:
    """What the stratified engine follows: the population's types merged where every input of the
    engine is the same — contribution owed and allocation in every month, net cost, and the
    composition when a mutualist rule shares contributions by it. Households of merged types join,
    leave, pay, receive and spend alike, and a sum of binomial counts with one probability is the
    binomial count of their sum, so merging changes no distribution of the budget; it only saves
    work (the Montpellier rules give 540 types for 20 000 households but 215 strata, 160 and 109 for
    400; the national proposal 600 and 400). Net transfers by income decile are shared out by
    `decile_share` (S, 10), the share of the stratum's households in each decile: what separate
    types give on average, as the households of a stratum are alike for the engine.
    `population` (the decile there is the stratum's first type's), `tables` and `net_cost` as in
    :class:`Plan`, per stratum."""

    population: Population
    tables: RuleTables
    net_cost: FloatArray
    decile_share: FloatArray


def merge_alike_types(population: Population, tables: RuleTables, net_cost: FloatArray) -> Strata:
    """The strata of `population`: its types merged where the engine's inputs are the same, in the
    order of each stratum's first type.

    >>> from simulation.population import population_from_households
    >>> population = population_from_households(
    ...     np.array([1, 2, 1]), np.array([0, 0, 0]), np.array([0, 0, 0]), np.array([700.0, 1000.0, 3000.0]))
    >>> population.decile.tolist()
    [0, 8, 0]
    >>> flat = np.full((2, 3), 50.0)  # everyone owes and receives 50 € in both months
    >>> strata = merge_alike_types(population, RuleTables(flat, flat, (None, None)), np.zeros(3))
    >>> strata.population.households.tolist(), strata.decile_share[:, [0, 8]].tolist()
    ([3], [[0.6666666666666666, 0.3333333333333333]])
    """
    mutualist = any(rule is not None for rule in tables.mutualist)
    composition = (population.adults, population.others_14_plus, population.children_under_14)
    columns = [
        tables.contribution.T,
        np.nan_to_num(tables.allocation.T, nan=-1.0),  # NaN in mutualist months: the same for all
        net_cost[:, None],
        *((np.stack(composition, axis=1),) if mutualist else ()),
    ]
    _, first, inverse = np.unique(np.hstack(columns), axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    stratum = rank[inverse.ravel()]
    kept = first[order]
    merged = Population(
        adults=population.adults[kept],
        others_14_plus=population.others_14_plus[kept],
        children_under_14=population.children_under_14[kept],
        monthly_income=population.monthly_income[kept],
        chosen=population.chosen[kept],
        households=np.bincount(stratum, population.households, kept.size).astype(np.int64),
        decile=population.decile[kept],
        members=None
        if population.members is None
        else np.bincount(stratum, population.members, kept.size).astype(np.int64),
        credit=None if population.credit is None else _summed(stratum, population.credit, kept.size),
    )
    strata_tables = RuleTables(tables.contribution[:, kept], tables.allocation[:, kept], tables.mutualist)
    households_by_decile = np.zeros((kept.size, 10))
    np.add.at(households_by_decile, (stratum, population.decile), population.households)
    shares = households_by_decile / households_by_decile.sum(axis=1, keepdims=True)
    return Strata(merged, strata_tables, net_cost[kept], shares)


def _summed(group: IntArray, values: FloatArray, groups: int) -> FloatArray:
    summed: FloatArray = np.bincount(group, values, groups).astype(np.float64)
    return summed


@dataclass(frozen=True)
class Plan:
    """A scenario ready to run: months, population (T types), rule tables (M, T) in € per household
    per month, each type's net cost relative to the mean (T,) in €, behaviour, subsidy schedules,
    operating costs (M,) in € and the initial reserve in €; `strata`, the types the stratified engine
    follows together."""

    name: str
    months: tuple[str, ...]
    population: Population
    tables: RuleTables
    unpaid_share: float
    late_share: float
    late_contributions: float
    late_households: int
    late_payment_chance: float
    net_cost: FloatArray
    participation: ParticipationSection
    spending: SpendingSection
    uncertainty: UncertaintySection
    subsidies: tuple[SubsidySchedule, ...]
    costs: FloatArray
    initial_reserve: float
    strata: Strata

    @property
    def credit_ages(self) -> int:
        """How many monthly slots of credit a wallet keeps apart (1 without expiry)."""
        return self.spending.credit_lifetime_months or 1


def build_plan(scenario: Scenario, population: Population) -> Plan:
    """Validate the scenario against its population and precompute the rule tables."""
    run, funding = scenario.scenario, scenario.funding
    months = month_labels(run.start, run.months)
    tables = rule_tables(population, months, scenario.contribution, scenario.allocation, funding)
    costs = funding.operating_costs * yearly_factor(funding.cost_uprating, run.months)
    net_cost = relative_net_cost(population, tables)
    return Plan(
        name=run.name,
        months=months,
        population=population,
        tables=tables,
        unpaid_share=scenario.contribution.unpaid_share,
        late_share=scenario.contribution.late_share,
        late_contributions=funding.late_contributions,
        late_households=funding.late_households,
        late_payment_chance=funding.late_payment_chance,
        net_cost=net_cost,
        participation=scenario.participation,
        spending=scenario.spending,
        uncertainty=scenario.uncertainty,
        subsidies=tuple(subsidy_schedule(s, run.start, run.months) for s in funding.subsidies),
        costs=costs,
        initial_reserve=funding.initial_reserve,
        strata=merge_alike_types(population, tables, net_cost),
    )
