"""`[uncertainty]`: parameters nobody knows in advance, as distributions drawn once per path.

Each distribution is drawn by its quantile function from a uniform number, so two scenarios run with
the same seed draw the same uniforms and get values at the same quantiles (common random numbers).

>>> Beta(a=2, b=2).quantile(np.array([0.5])).tolist(), Uniform(low=0.2, high=0.4).quantile(np.array([0.5]))
([0.5], array([0.3]))
"""

from __future__ import annotations

from typing import Annotated, TypeAlias

import msgspec
import numpy as np
from scipy import stats

from simulation.types import FloatArray

Positive = Annotated[float, msgspec.Meta(gt=0.0, le=1e6)]
Unit = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]


class Beta(
    msgspec.Struct,
    frozen=True,
    forbid_unknown_fields=True,
    kw_only=True,
    tag_field="distribution",
    tag="beta",
):
    """``{ distribution = "beta", a = 8, b = 2 }``: Beta(a, b) on [0, 1], mean a / (a + b)."""

    a: Positive
    b: Positive

    def quantile(self, u: FloatArray) -> FloatArray:
        """The values at probabilities `u` in [0, 1)."""
        return np.asarray(stats.beta.ppf(u, self.a, self.b), dtype=np.float64)


class Uniform(
    msgspec.Struct,
    frozen=True,
    forbid_unknown_fields=True,
    kw_only=True,
    tag_field="distribution",
    tag="uniform",
):
    """``{ distribution = "uniform", low = 0.2, high = 0.4 }``: uniform on [low, high] within [0, 1]."""

    low: Unit
    high: Unit

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError(f"uniform: low ({self.low}) must be <= high ({self.high})")

    def quantile(self, u: FloatArray) -> FloatArray:
        """The values at probabilities `u` in [0, 1)."""
        return np.asarray(self.low + u * (self.high - self.low), dtype=np.float64)


class TruncatedNormal(
    msgspec.Struct,
    frozen=True,
    forbid_unknown_fields=True,
    kw_only=True,
    tag_field="distribution",
    tag="truncated_normal",
):
    """``{ distribution = "truncated_normal", mean = 0.8, sd = 0.1 }``: a normal distribution
    (``mean``, ``sd`` > 0) kept within [``low``, ``high``] (defaults 0 and 1) by truncation, so the
    drawn values' mean differs from ``mean`` when the bounds cut one tail more than the other."""

    mean: Annotated[float, msgspec.Meta(ge=-10.0, le=10.0)]
    sd: Positive
    low: Unit = 0.0
    high: Unit = 1.0

    def __post_init__(self) -> None:
        if self.low >= self.high:
            raise ValueError(f"truncated_normal: low ({self.low}) must be < high ({self.high})")

    def quantile(self, u: FloatArray) -> FloatArray:
        """The values at probabilities `u` in [0, 1)."""
        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        drawn = stats.truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd)
        return np.clip(np.asarray(drawn, dtype=np.float64), self.low, self.high)


Distribution: TypeAlias = Beta | Uniform | TruncatedNormal


class UncertaintySection(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The `[uncertainty]` table: each entry, when given, replaces the fixed value of the same name in
    `[participation]`, `[spending]` or `[contribution]` by a value drawn once per path (all in [0, 1]).

    * ``take_up``, ``join_rate``, ``leave_rate`` — participation probabilities.
    * ``spend_through`` — mean share of credit spent each month.
    * ``unpaid_share``, ``late_share`` — the chances that a member never pays, or pays a month late,
      a month's contribution (from `[contribution]`; a path whose two add up to more than 1 pays
      late what is left).

    Each is a distribution table: ``beta`` (``a``, ``b``), ``uniform`` (``low``, ``high``) or
    ``truncated_normal`` (``mean``, ``sd``, ``low`` = 0, ``high`` = 1). Default: none (fixed values).
    """

    take_up: Distribution | None = None
    join_rate: Distribution | None = None
    leave_rate: Distribution | None = None
    spend_through: Distribution | None = None
    unpaid_share: Distribution | None = None
    late_share: Distribution | None = None

    def drawn(self) -> tuple[str, ...]:
        """Names of the parameters drawn per path."""
        return tuple(name for name in self.__struct_fields__ if getattr(self, name) is not None)
