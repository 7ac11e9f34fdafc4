"""Random inputs drawn once per path: uncertain parameters and subsidy renewals.

Both engines call these with the same streams, so for one seed they face the same parameters and the
same subsidies; they differ only in how households behave within a path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logit

from simulation.plan import Plan
from simulation.types import FloatArray, Generator, PathsByMonths, PathsByTypes


@dataclass(frozen=True)
class PathParameters:
    """(P,) per path: take-up, monthly join and leave probabilities, mean spend-through share, and
    the chances that a member never pays, or pays late, a month's contribution."""

    take_up: FloatArray
    join_rate: FloatArray
    leave_rate: FloatArray
    spend_through: FloatArray
    unpaid_share: FloatArray
    late_share: FloatArray


def draw_path_parameters(plan: Plan, rng: Generator, paths: int) -> PathParameters:
    """The scenario's fixed values, or per path a value at a uniform quantile of the `[uncertainty]`
    distribution. One uniform per parameter and path is drawn whether it is used or not, so scenarios
    run with the same seed share them (common random numbers)."""
    fixed = {
        "take_up": plan.participation.take_up,
        "join_rate": plan.participation.join_rate,
        "leave_rate": plan.participation.leave_rate,
        "spend_through": plan.spending.spend_through,
        # Drawn after the others, so runs that do not draw them draw the others as before.
        "unpaid_share": plan.unpaid_share,
        "late_share": plan.late_share,
    }
    uniforms = rng.random((len(fixed), paths))
    values = {}
    for (name, value), u in zip(fixed.items(), uniforms, strict=True):
        distribution = getattr(plan.uncertainty, name)
        values[name] = np.full(paths, value) if distribution is None else distribution.quantile(u)
    values["late_share"] = np.minimum(values["late_share"], 1.0 - values["unpaid_share"])
    return PathParameters(**values)


def by_type(probability: FloatArray, net_cost: FloatArray, sensitivity: float, sign: float) -> PathsByTypes:
    """(P, T) probabilities shifted on the log-odds scale by sign × sensitivity × net cost / 100 €.

    0 and 1 stay 0 and 1 (log-odds ±∞); sensitivity 0 leaves every type at the path's probability.

    >>> by_type(np.array([0.5, 1.0]), np.array([0.0, 100.0]), 1.0, -1.0).round(4).tolist()
    [[0.5, 0.2689], [1.0, 1.0]]
    """
    p = np.broadcast_to(probability[:, None], (probability.size, net_cost.size))
    if sensitivity == 0.0:
        return np.array(p, dtype=np.float64)
    with np.errstate(divide="ignore"):
        shifted = logit(p) + sign * sensitivity * net_cost[None, :] / 100.0
    return np.asarray(expit(shifted), dtype=np.float64)


def subsidy_cash(plan: Plan, rng: Generator, paths: int) -> PathsByMonths:
    """(P, M) € of subsidies received each month: the first period of each subsidy is granted, each
    later one only if every renewal so far was granted (drawn with its renewal probability)."""
    cash = np.zeros((paths, len(plan.months)))
    for schedule in plan.subsidies:
        renewed = rng.random((paths, max(schedule.periods - 1, 0))) < schedule.renewal_probability
        granted_periods = 1 + np.cumprod(renewed, axis=1).sum(axis=1)
        in_granted = (schedule.period[None, :] >= 0) & (schedule.period[None, :] < granted_periods[:, None])
        cash += np.where(in_granted, schedule.cash[None, :], 0.0)
    return cash
