"""The microsimulation engine: the reference. Every household of every path is followed on its own —
its membership, its credit by age, its own spend share each month — in arrays shaped
(paths, households), with the same month order and the same rule tables as the stratified engine.
It needs paths × households × credit ages numbers per chunk, so it suits caisses, not a nation.
"""

from __future__ import annotations

import numpy as np

from simulation.chunks import ChunkSpec, streams
from simulation.draws import PathParameters, draw_path_parameters, subsidy_cash
from simulation.engines.behaviour import (
    household_spend_share,
    late_before_start,
    month_allocation,
    population_types,
    type_probabilities,
)
from simulation.engines.common import (
    Book,
    ChunkOutcome,
    expire_and_age,
    one_decile_each,
    redeem,
    take_oldest_first,
)
from simulation.plan import Plan
from simulation.types import BoolArray, CountsByTypes, FloatArray, Generator, IntArray, PathsByTypes

MAX_CELLS = 40_000_000  # paths × households × credit ages per chunk: ~320 MB per array of credit


def check_size(plan: Plan, paths: int) -> None:
    """ValueError when one chunk would hold too many households' credit in memory."""
    cells = paths * plan.population.total_households * plan.credit_ages
    if cells > MAX_CELLS:
        raise ValueError(
            f"the micro engine would hold {cells:,} credit amounts per chunk (paths {paths} × households "
            f"{plan.population.total_households:,} × credit ages {plan.credit_ages}), more than "
            f"{MAX_CELLS:,}; lower [scenario] chunk_size or use the stratified engine"
        )


def counts_by_type(member: BoolArray, starts: IntArray) -> CountsByTypes:
    """(P, T) members per type; households are laid out type after type from `starts`."""
    return np.add.reduceat(member.astype(np.int64), starts, axis=1)


def _pay(
    rng: Generator,
    parameters: PathParameters,
    member: BoolArray,
    starts: IntArray,
    owed: FloatArray,
    coming: PathsByTypes,
) -> tuple[PathsByTypes, PathsByTypes]:
    """Step (2), household by household: one uniform each says never, late or on time."""
    unpaid, late = parameters.unpaid_share[:, None], parameters.late_share[:, None]
    if not (unpaid.any() or late.any()):
        return counts_by_type(member, starts) * owed + coming, np.zeros(coming.shape)
    chance = rng.random(member.shape)
    on_time = member & (chance >= unpaid + late)
    delayed = member & (chance >= unpaid) & ~on_time
    return counts_by_type(on_time, starts) * owed + coming, counts_by_type(delayed, starts) * owed


def run_micro(plan: Plan, spec: ChunkSpec) -> ChunkOutcome:
    """Simulate the chunk's paths household by household, in the order of DESIGN.md §4."""
    check_size(plan, spec.paths)
    rng = streams(spec)
    paths, population, spending = spec.paths, plan.population, plan.spending
    parameters = draw_path_parameters(plan, rng.parameters, paths)
    subsidies = subsidy_cash(plan, rng.funding, paths)
    chances = type_probabilities(plan.participation, plan.net_cost, parameters)
    types = population_types(plan)
    draw = rng.behaviour
    type_of = np.repeat(np.arange(population.types), population.households)
    starts = np.concatenate(([0], np.cumsum(population.households)[:-1]))
    shape = (paths, type_of.size)
    credit = np.zeros((*shape, plan.credit_ages))
    pending = np.zeros((paths, spending.redemption_lag_months))
    book = Book(spec.index, paths, len(plan.months), plan.initial_reserve, one_decile_each(population.decile))
    member = np.zeros(shape, dtype=bool)
    gone = np.zeros(shape, dtype=bool)  # households that left and may not join again (`rejoin` false)
    for m in range(len(plan.months)):
        # (1) leave and join, one uniform per household; in the first month, the initial take-up
        # or, when the population has members already, their leaving and joining.
        chance = draw.random(shape)
        forfeited = np.zeros(paths)
        if m == 0 and population.members is None:
            member = chance < chances.take_up[:, type_of]
        else:
            if m == 0:  # the first `members` households of each type are the members there are
                position = np.arange(type_of.size) - starts[type_of]
                member = np.broadcast_to(position < np.asarray(population.members)[type_of], shape).copy()
                if population.credit is not None:  # the type's credit, shared by its members
                    each = population.credit / np.maximum(np.asarray(population.members), 1)
                    credit[..., 0] = np.where(member, each[type_of], 0.0)
            leaving = member & (chance < chances.leave[:, type_of])
            joining = ~member & ~gone & (chance < chances.join[:, type_of])
            if not plan.participation.rejoin:  # who left stays out
                gone |= leaving
            forfeited = (credit * leaving[..., None]).sum(axis=(-2, -1))
            credit[leaving] = 0.0
            member = (member & ~leaving) | joining
        members = counts_by_type(member, starts)
        # (2) each member pays its contribution on time, late or never; (3) allocations credited
        # to each member's wallet.
        owed = plan.tables.contribution[m]
        if m == 0:
            coming = late_before_start(rng.payments, plan, members, owed)  # paid late, in this month
        paid, coming = _pay(rng.payments, parameters, member, starts, owed, coming)
        allocation = np.broadcast_to(month_allocation(types, m, members), members.shape)
        credit[..., 0] += np.where(member, allocation[:, type_of], 0.0)
        # (4) each member spends its own share of its credit, oldest first; then expiry.
        share = household_spend_share(draw, parameters.spend_through, spending.concentration, shape)
        spent = credit.sum(axis=-1) * share
        credit = take_oldest_first(credit, spent)
        credit, expired = expire_and_age(credit, spending.credit_lifetime_months)
        # (5) redemptions after the lag; (6) subsidies and costs, in the book.
        pending, redeemed = redeem(pending, spent.sum(axis=-1))
        book.close_month(
            m,
            members=members,
            paid=paid,
            credited=members * allocation,
            subsidies=subsidies[:, m],
            redeemed=redeemed,
            cost=float(plan.costs[m]),
            outstanding=credit.sum(axis=(-2, -1)) + pending.sum(axis=-1),
            expired=expired.sum(axis=-1) + forfeited,
        )
    return book.outcome()
