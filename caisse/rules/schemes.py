"""Contribution schemes: frozen, JSON-serialisable parameters (money in € per month).

Each Struct checks itself when built or decoded (msgspec runs ``__post_init__`` in both cases), so a
scheme that exists is valid. ``kind`` tags the JSON: ``msgspec.convert(data, ContributionScheme)``.
"""

from __future__ import annotations

from typing import TypeAlias

import msgspec
from msgspec.structs import force_setattr

from caisse.rules import checks
from caisse.rules.types import Basis


class ProportionalScheme(msgspec.Struct, frozen=True, forbid_unknown_fields=True,
                         tag_field="kind", tag="proportional"):
    """`rate` × income, then rounded to `step`, then kept within [floor, ceiling].

    basis "household": rate × the household's monthly income (Ariège: 2.5 % of net income).
    basis "per_consumption_unit": rate × (income / consumption units), paid once by the household: the
    rate applies to its standard of living, so a larger household on the same income pays less.
    The floor grows by `extra_floor_per_person` for each member beyond the first. When that pushes the
    floor above the ceiling, the ceiling wins: it is the promise "never more than X".
    """

    rate: float
    floor: float = 0.0
    ceiling: float | None = None
    extra_floor_per_person: float = 0.0
    basis: Basis = "household"
    step: float = 0.01

    def __post_init__(self) -> None:
        checks.rate("ProportionalScheme", "rate", self.rate)
        checks.basis("ProportionalScheme", self.basis)
        checks.step("ProportionalScheme", self.step)
        checks.amount("ProportionalScheme", "extra_floor_per_person", self.extra_floor_per_person)
        checks.bounds("ProportionalScheme", self.floor, self.ceiling, self.step)


class MarginalBracketsScheme(msgspec.Struct, frozen=True, forbid_unknown_fields=True,
                             tag_field="kind", tag="marginal_brackets"):
    """Marginal rates like income tax: each (threshold, rate) taxes the slice of the basis above its
    threshold and below the next one; below the first threshold nothing is due.

    ``brackets=((0, 0.0), (1000, 0.02), (2000, 0.04))`` on 2 500 € gives 2 % × 1 000 + 4 % × 500 = 40 €.
    Floor, ceiling, extra_floor_per_person, basis and step work as in :class:`ProportionalScheme`.
    """

    brackets: tuple[tuple[float, float], ...]
    floor: float = 0.0
    ceiling: float | None = None
    extra_floor_per_person: float = 0.0
    basis: Basis = "household"
    step: float = 0.01

    def __post_init__(self) -> None:
        owner = "MarginalBracketsScheme"
        force_setattr(self, "brackets", checks.pairs(owner, "brackets (threshold, rate)", self.brackets))
        checks.increasing(owner, "bracket thresholds", [t for t, _ in self.brackets], strictly=True)
        for _, bracket_rate in self.brackets:
            checks.rate(owner, "bracket rate", bracket_rate)
        checks.basis(owner, self.basis)
        checks.step(owner, self.step)
        checks.amount(owner, "extra_floor_per_person", self.extra_floor_per_person)
        checks.bounds(owner, self.floor, self.ceiling, self.step)


class FlatTiersScheme(msgspec.Struct, frozen=True, forbid_unknown_fields=True,
                      tag_field="kind", tag="flat_tiers"):
    """A fixed amount per income band: ``tiers=((1000, 30), (1500, 40))`` and ``top_amount=50`` mean
    30 € up to 1 000 € (inclusive), 40 € up to 1 500 €, 50 € above (the open top tier).

    With basis "per_consumption_unit" the bands apply to income per consumption unit. Each member beyond
    the first adds `per_extra_person` €. Amounts may not decrease with income.
    """

    tiers: tuple[tuple[float, float], ...]
    top_amount: float
    per_extra_person: float = 0.0
    basis: Basis = "household"
    step: float = 0.01

    def __post_init__(self) -> None:
        owner = "FlatTiersScheme"
        force_setattr(self, "tiers", checks.pairs(owner, "tiers (up_to_income, amount)", self.tiers))
        checks.increasing(owner, "tier upper incomes", [u for u, _ in self.tiers], strictly=True)
        checks.increasing(owner, "tier amounts (then top_amount)",
                          [a for _, a in self.tiers] + [self.top_amount], strictly=False)
        checks.amount(owner, "top_amount", self.top_amount)  # the largest amount, tiers being non-decreasing
        checks.amount(owner, "per_extra_person", self.per_extra_person)
        checks.basis(owner, self.basis)
        checks.step(owner, self.step)


# Schemes that compute an amount due from income; a self-determined scheme uses one as its suggestion grid.
ImposedScheme: TypeAlias = ProportionalScheme | MarginalBracketsScheme | FlatTiersScheme


class SelfDeterminedScheme(msgspec.Struct, frozen=True, forbid_unknown_fields=True,
                           tag_field="kind", tag="self_determined"):
    """The member chooses an amount within [minimum, maximum] (Montpellier, Lyon, Gironde, Flers).

    For a household of n persons the bounds are minimum + minimum_per_extra_person × (n − 1) and
    maximum + maximum_per_extra_person × (n − 1); maximum None means no ceiling. `suggestion` is the
    "grille d'autodétermination": the amount shown to the member, and billed when no choice is recorded
    (without a grid, the minimum is billed).
    """

    minimum: float
    minimum_per_extra_person: float = 0.0
    maximum: float | None = None
    maximum_per_extra_person: float = 0.0
    step: float = 0.01
    suggestion: ImposedScheme | None = None

    def __post_init__(self) -> None:
        owner = "SelfDeterminedScheme"
        checks.step(owner, self.step)
        checks.bounds(owner, self.minimum, self.maximum, self.step, names=("minimum", "maximum"))
        checks.amount(owner, "minimum_per_extra_person", self.minimum_per_extra_person)
        checks.amount(owner, "maximum_per_extra_person", self.maximum_per_extra_person)
        if self.maximum is None and self.maximum_per_extra_person:
            raise ValueError(f"{owner}: maximum_per_extra_person needs a maximum; set maximum or drop it")
        if self.maximum is not None and self.maximum_per_extra_person < self.minimum_per_extra_person:
            raise ValueError(
                f"{owner}: maximum_per_extra_person ({self.maximum_per_extra_person!r} €) must be >= "
                f"minimum_per_extra_person ({self.minimum_per_extra_person!r} €), or large households "
                "would have a minimum above their maximum"
            )


ContributionScheme: TypeAlias = ImposedScheme | SelfDeterminedScheme
