"""`[population]`: the eligible households, as weighted types with identical rule inputs."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from simulation.insee import HOUSEHOLD_TYPES

Share = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]


class Composition(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The `[population.composition]` table: share of each household type (RP2022 by default).

    * ``person_alone`` — default 0.386; ``couple_without_children`` — default 0.257;
      ``couple_with_children`` — default 0.239; ``single_parent`` — default 0.101;
      ``other`` (one adult and one other person aged 14+) — default 0.017.

    Shares are between 0 and 1 and are rescaled to sum to 1; at least one must be positive.
    """

    person_alone: Share = HOUSEHOLD_TYPES["person_alone"]
    couple_without_children: Share = HOUSEHOLD_TYPES["couple_without_children"]
    couple_with_children: Share = HOUSEHOLD_TYPES["couple_with_children"]
    single_parent: Share = HOUSEHOLD_TYPES["single_parent"]
    other: Share = HOUSEHOLD_TYPES["other"]

    def __post_init__(self) -> None:
        if sum(self.as_dict().values()) <= 0:
            raise ValueError("at least one household type needs a share above 0")

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in self.__struct_fields__}


class PopulationSection(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The `[population]` table.

    * ``source`` — ``"synthetic"`` (INSEE 2022 incomes, RP2022 household types), ``"csv"`` (a file of
      households) or ``"caisse"`` (a caisse's current members, from the web application only).
      Default ``"synthetic"``.
    * ``households`` — eligible households (synthetic source), 1 to 100 000 000. Default 1 000.
    * ``composition`` — household type shares, see :class:`Composition`. Default RP2022.
    * ``income_bins`` — income classes per household composition (synthetic source), a multiple of 10
      from 10 to 1 000: each class is an equal share of the INSEE income distribution per consumption
      unit, at its middle quantile. Default 20.
    * ``income_scale`` — multiplies the INSEE 2022 incomes (local income level, prices since 2022), > 0.
      Default 1.0.
    * ``csv`` — path of the households file (source ``"csv"``), relative to the scenario file.
      Default: none; required for that source. Columns: docs/scenario.md.
    * ``caisse`` — slug of the caisse whose members form the population (source ``"caisse"``).
      Default: none; required for that source.
    """

    source: Literal["synthetic", "csv", "caisse"] = "synthetic"
    households: Annotated[int, msgspec.Meta(ge=1, le=100_000_000)] = 1000
    composition: Composition = msgspec.field(default_factory=Composition)
    income_bins: Annotated[int, msgspec.Meta(ge=10, le=1000, multiple_of=10)] = 20
    income_scale: Annotated[float, msgspec.Meta(gt=0.0, le=100.0)] = 1.0
    csv: str | None = None
    caisse: str | None = None

    def __post_init__(self) -> None:
        if self.source == "csv" and not self.csv:
            raise ValueError('source = "csv" needs csv = "households.csv", the path of the households file')
        if self.source == "caisse" and not self.caisse:
            raise ValueError('source = "caisse" needs caisse = "<slug>", the caisse whose members to use')
        if self.csv and self.source != "csv":
            raise ValueError(f'csv is only read when source = "csv" (source is "{self.source}")')
        if self.caisse and self.source != "caisse":
            raise ValueError(f'caisse is only read when source = "caisse" (source is "{self.source}")')
