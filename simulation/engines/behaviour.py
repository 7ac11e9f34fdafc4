"""Per-type probabilities and spend shares used by both engines."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.billing import mutualist_allocation
from simulation.draws import PathParameters, by_type
from simulation.plan import Plan
from simulation.types import CountsByTypes, FloatArray, Generator, PathsByTypes


@dataclass(frozen=True)
class TypeProbabilities:
    """(P, T) probabilities for each path and household type, after the net-cost adjustment."""

    take_up: PathsByTypes
    join: PathsByTypes
    leave: PathsByTypes


def type_probabilities(plan: Plan, parameters: PathParameters) -> TypeProbabilities:
    """Take-up and joining fall, leaving rises, with the type's net cost (adverse selection)."""
    sensitivity, cost = plan.participation.net_cost_sensitivity, plan.net_cost
    return TypeProbabilities(
        take_up=by_type(parameters.take_up, cost, sensitivity, -1.0),
        join=by_type(parameters.join_rate, cost, sensitivity, -1.0),
        leave=by_type(parameters.leave_rate, cost, sensitivity, +1.0),
    )


def month_allocation(plan: Plan, m: int, members: CountsByTypes) -> FloatArray:
    """Allocation per household in month `m`, € : (T,) from the rule tables, or (P, T) for a mutualist
    rule (the mean contribution owed by each path's members)."""
    rule = plan.tables.mutualist[m]
    if rule is None:
        allocation: FloatArray = plan.tables.allocation[m]
        return allocation
    return mutualist_allocation(rule, plan.population, plan.tables.contribution[m], members)


def _beta_around(rng: Generator, s: FloatArray, concentration: FloatArray | float) -> FloatArray:
    """Beta(c s, c (1 − s)) draws of shape ``s.shape``; exactly s where s is 0 or 1."""
    random = (s > 0.0) & (s < 1.0)
    a = np.where(random, s * concentration, 1.0)
    b = np.where(random, (1.0 - s) * concentration, 1.0)
    return np.where(random, rng.beta(a, b), s)


def household_spend_share(
    rng: Generator, mean: FloatArray, concentration: float | None, shape: tuple[int, int]
) -> FloatArray:
    """(P, H) share of its credit each household spends this month: Beta(κ s, κ (1 − s)) around its
    path's mean s (`mean`, shape (P,)), exactly s without a concentration."""
    s = np.broadcast_to(mean[:, None], shape).astype(np.float64)
    return s if concentration is None else _beta_around(rng, s, concentration)


def mean_spend_share(
    rng: Generator, mean: FloatArray, concentration: float | None, members: CountsByTypes
) -> PathsByTypes:
    """(P, T) share of a type's credit its members spend together this month.

    The mean of n independent Beta(κ s, κ (1 − s)) shares has mean s and variance
    s (1 − s) / ((κ + 1) n); it is drawn as the Beta with those two moments, of concentration
    (κ + 1) n − 1 (exact for n = 1). This moment-matched draw treats the type's credit as evenly held
    by its members; tests check it against the mean of n draws and against the microsimulation.
    """
    s = np.broadcast_to(mean[:, None], members.shape).astype(np.float64)
    if concentration is None:
        return s
    return _beta_around(rng, s, (concentration + 1.0) * np.maximum(members, 1) - 1.0)
