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
    """
    offset = 0 if subsidy.first_month is None else months_between(start, subsidy.first_month)
    since = np.arange(months) - offset
    period = np.where(since >= 0, since // subsidy.period_months, -1).astype(np.int64)
    if subsidy.payment == "monthly":
        cash = np.where(since >= 0, subsidy.amount / subsidy.period_months, 0.0)
    else:
        cash = np.where((since >= 0) & (since % subsidy.period_months == 0), subsidy.amount, 0.0)
    return SubsidySchedule(subsidy.name, period, cash, subsidy.renewal_probability)


@dataclass(frozen=True)
class Plan:
    """A scenario ready to run: months, population (T types), rule tables (M, T) in € per household
    per month, each type's net cost relative to the mean (T,) in €, behaviour, subsidy schedules,
    operating costs (M,) in € and the initial reserve in €."""

    name: str
    months: tuple[str, ...]
    population: Population
    tables: RuleTables
    paid_share: float
    net_cost: FloatArray
    participation: ParticipationSection
    spending: SpendingSection
    uncertainty: UncertaintySection
    subsidies: tuple[SubsidySchedule, ...]
    costs: FloatArray
    initial_reserve: float

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
    return Plan(
        name=run.name,
        months=months,
        population=population,
        tables=tables,
        paid_share=1.0 - scenario.contribution.unpaid_share,
        net_cost=relative_net_cost(population, tables),
        participation=scenario.participation,
        spending=scenario.spending,
        uncertainty=scenario.uncertainty,
        subsidies=tuple(subsidy_schedule(s, run.start, run.months) for s in funding.subsidies),
        costs=costs,
        initial_reserve=funding.initial_reserve,
    )
