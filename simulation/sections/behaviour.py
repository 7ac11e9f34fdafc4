"""`[participation]` and `[spending]`: how households join, leave and spend their food credit."""

from __future__ import annotations

from typing import Annotated

import msgspec

Probability = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]


class ParticipationSection(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The `[participation]` table. Probabilities are per eligible household.

    * ``take_up`` — probability that a household is a member in the first month, 0 to 1. Default 1.
    * ``join_rate`` — each later month, probability that a household not yet a member joins, 0 to 1.
      Default 0.
    * ``leave_rate`` — each later month, probability that a member leaves (its unspent credit expires),
      0 to 1. Default 0.
    * ``net_cost_sensitivity`` — adverse selection: per 100 € of monthly net cost (contribution −
      allocation in the first month) above the eligible households' mean, the log-odds of taking up and
      of joining fall, and those of leaving rise, by this much (below the mean, the reverse), 0 to 50.
      Default 0 (take-up does not depend on the net cost). With 1.0, a household whose net cost is
      100 € above the mean has e^1 ≈ 2.7 times lower odds of taking up than an average one; the
      probabilities above are those of a household at the mean.
    * ``rejoin`` — whether a member who left may join again later, at ``join_rate`` like any household
      not a member. Default true. A forecast from a caisse's own members sets it false: its applicants
      join, the households that leave do not come back.
    """

    take_up: Probability = 1.0
    join_rate: Probability = 0.0
    leave_rate: Probability = 0.0
    net_cost_sensitivity: Annotated[float, msgspec.Meta(ge=0.0, le=50.0)] = 0.0
    rejoin: bool = True


class SpendingSection(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The `[spending]` table.

    * ``spend_through`` — mean share of its available credit a member spends each month, 0 to 1.
      Default 1 (all of it).
    * ``concentration`` — spread between households: each member's monthly share is drawn from a Beta
      distribution with this mean and concentration κ > 0 (standard deviation
      √(s(1 − s)/(κ + 1))). Default: none, every member spends exactly ``spend_through``.
    * ``credit_lifetime_months`` — months credit stays spendable, the month it is credited included
      (1: what is left at the end of the month expires); the oldest credit is spent first, as in the
      caisse. 1 to 120. Default: none, credit carries over without limit.
    * ``redemption_lag_months`` — months between a purchase and the outlet's redemption, paid by the
      caisse (0: the same month), 0 to 24. Default 0.
    """

    spend_through: Probability = 1.0
    concentration: Annotated[float, msgspec.Meta(gt=0.0, le=1e9)] | None = None
    credit_lifetime_months: Annotated[int, msgspec.Meta(ge=1, le=120)] | None = None
    redemption_lag_months: Annotated[int, msgspec.Meta(ge=0, le=24)] = 0
