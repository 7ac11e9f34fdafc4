"""`[funding]`: subsidies, operating costs, the initial reserve and yearly uprating."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from caisse.rules import validate_month

Euros = Annotated[float, msgspec.Meta(ge=0.0, le=1e13)]
YearlyRate = Annotated[float, msgspec.Meta(ge=-0.5, le=1.0)]


class Subsidy(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One `[[funding.subsidies]]` entry: a grant for successive periods, renewed with a probability.

    * ``name`` — the funder, e.g. ``"Ville"``. Default ``""``.
    * ``amount`` — € granted per period, >= 0. Required.
    * ``period_months`` — length of a period in months, 1 to 120. Default 12.
    * ``renewal_probability`` — at the end of each period, probability that the grant is renewed for
      another one; once not renewed it stops for good. 0 to 1. Default 1.
    * ``first_month`` — ``"YYYY-MM"`` of the first period, on or after the scenario's start. Default:
      the start.
    * ``payment`` — ``"upfront"``: the period's amount arrives in its first month; ``"monthly"``:
      amount / period_months each month. Default ``"upfront"``.
    * ``last_month`` — ``"YYYY-MM"``: nothing is paid after this month (a grant agreement's end), on
      or after ``first_month``. Default: none, the grant goes on as long as it is renewed.
    """

    amount: Euros
    name: str = ""
    period_months: Annotated[int, msgspec.Meta(ge=1, le=120)] = 12
    renewal_probability: Annotated[float, msgspec.Meta(ge=0.0, le=1.0)] = 1.0
    first_month: str | None = None
    payment: Literal["upfront", "monthly"] = "upfront"
    last_month: str | None = None

    def __post_init__(self) -> None:
        for key in ("first_month", "last_month"):
            value = getattr(self, key)
            if value is not None:
                try:
                    validate_month(value)
                except ValueError as error:
                    raise ValueError(f"{key}: {error}") from None
        if self.first_month and self.last_month and self.last_month < self.first_month:
            raise ValueError(f"last_month ({self.last_month}) comes before first_month ({self.first_month})")


class FundingSection(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The `[funding]` table.

    * ``initial_reserve`` — € in the caisse's fund before the first month (may be negative: a debt).
      Default 0.
    * ``late_contributions`` — € of contributions owed for the month before the first by households
      that did not pay them in time (a caisse's own forecast), >= 0. Default 0.
    * ``late_households`` — how many households owe them (taken as owing equal shares), >= 0.
      Default 0: the amount paid in the first month is then certain.
    * ``late_payment_chance`` — chance that each pays in the first month (the others never do),
      0 to 1. Default 1.
    * ``operating_costs`` — € paid each month for staff, premises, software…, >= 0. Default 0.
    * ``subsidies`` — the grants, see :class:`Subsidy`. Default: none.
    * ``allocation_uprating`` — yearly rise of the allocation (0.02 = +2 % a year), applied every 12
      months from the start; not applied to a mutualist allocation, which follows the contributions.
      -0.5 to 1. Default 0.
    * ``income_uprating`` — yearly rise of households' incomes, so of income-based contributions,
      -0.5 to 1. Default 0.
    * ``cost_uprating`` — yearly rise of the operating costs, -0.5 to 1. Default 0.
    """

    initial_reserve: Annotated[float, msgspec.Meta(ge=-1e13, le=1e13)] = 0.0
    late_contributions: Euros = 0.0
    late_households: Annotated[int, msgspec.Meta(ge=0, le=100_000_000)] = 0
    late_payment_chance: Annotated[float, msgspec.Meta(ge=0.0, le=1.0)] = 1.0
    operating_costs: Euros = 0.0
    subsidies: tuple[Subsidy, ...] = ()
    allocation_uprating: YearlyRate = 0.0
    income_uprating: YearlyRate = 0.0
    cost_uprating: YearlyRate = 0.0
