"""Hypothesis strategies for valid schemes, allocation rules and households (€ per month)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from caisse.rules import (
    AllocationRule,
    ContributionScheme,
    FlatTiersScheme,
    ImposedScheme,
    MarginalBracketsScheme,
    MutualistAllocation,
    PerConsumptionUnitAllocation,
    PerHouseholdAllocation,
    PerPersonAllocation,
    ProportionalScheme,
    SelfDeterminedScheme,
)
from caisse.rules.types import BASES


def euros(low: float = 0.0, high: float = 500.0) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)


steps = st.sampled_from([0.01, 0.05, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0])
bases = st.sampled_from(BASES)
rates = st.floats(0.0, 0.3, allow_subnormal=False) | st.sampled_from([0.0, 0.025, 0.1, 1.0])


@st.composite
def floor_and_ceiling(draw: st.DrawFn, step: float) -> tuple[float, float | None]:
    floor = draw(euros(0, 100))
    # floor + step + something: at least one multiple of the step lies between the two.
    ceiling = draw(st.none() | euros(0, 300).map(lambda extra: floor + step + extra))
    return floor, ceiling


@st.composite
def proportional_schemes(draw: st.DrawFn) -> ProportionalScheme:
    step = draw(steps)
    floor, ceiling = draw(floor_and_ceiling(step))
    return ProportionalScheme(rate=draw(rates), floor=floor, ceiling=ceiling,
                              extra_floor_per_person=draw(euros(0, 20)), basis=draw(bases), step=step)


@st.composite
def marginal_brackets_schemes(draw: st.DrawFn) -> MarginalBracketsScheme:
    step = draw(steps)
    floor, ceiling = draw(floor_and_ceiling(step))
    thresholds = sorted(draw(st.sets(euros(0, 5000), min_size=1, max_size=5)))
    brackets = tuple((t, draw(rates)) for t in thresholds)
    return MarginalBracketsScheme(brackets=brackets, floor=floor, ceiling=ceiling,
                                  extra_floor_per_person=draw(euros(0, 20)), basis=draw(bases), step=step)


@st.composite
def flat_tiers_schemes(draw: st.DrawFn) -> FlatTiersScheme:
    uppers = sorted(draw(st.sets(euros(1, 5000), min_size=1, max_size=5)))
    amounts = sorted(draw(st.lists(euros(0, 200), min_size=len(uppers) + 1, max_size=len(uppers) + 1)))
    return FlatTiersScheme(tiers=tuple(zip(uppers, amounts[:-1], strict=True)), top_amount=amounts[-1],
                           per_extra_person=draw(euros(0, 20)), basis=draw(bases), step=draw(steps))


imposed_schemes: st.SearchStrategy[ImposedScheme] = st.one_of(
    proportional_schemes(), marginal_brackets_schemes(), flat_tiers_schemes()
)


@st.composite
def self_determined_schemes(draw: st.DrawFn) -> SelfDeterminedScheme:
    step = draw(steps)
    minimum, maximum = draw(floor_and_ceiling(step))
    per_min = draw(euros(0, 10))
    per_max = 0.0 if maximum is None else per_min + draw(euros(0, 10))
    return SelfDeterminedScheme(minimum=minimum, minimum_per_extra_person=per_min, maximum=maximum,
                                maximum_per_extra_person=per_max, step=step,
                                suggestion=draw(st.none() | imposed_schemes))


contribution_schemes: st.SearchStrategy[ContributionScheme] = st.one_of(
    imposed_schemes, self_determined_schemes()
)

allocation_rules: st.SearchStrategy[AllocationRule] = st.one_of(
    euros(0, 300).map(PerPersonAllocation),
    euros(0, 300).map(PerConsumptionUnitAllocation),
    st.builds(PerHouseholdAllocation, base=euros(0, 300), per_extra_person=euros(0, 150),
              per_child_under_14=st.none() | euros(0, 150)),
    euros(0, 1.5).map(MutualistAllocation),
)


@st.composite
def households(draw: st.DrawFn, max_size: int = 40) -> dict[str, np.ndarray]:
    """Columns of a batch of households: income (€/month) and the three head counts."""
    size = draw(st.integers(1, max_size))

    def column(strategy: st.SearchStrategy[float] | st.SearchStrategy[int], dtype: type) -> np.ndarray:
        return np.array(draw(st.lists(strategy, min_size=size, max_size=size)), dtype=dtype)

    return {
        "income": column(euros(0, 20000) | st.sampled_from([0.0, 400.0, 1800.0]), np.float64),
        "adults": column(st.integers(1, 4), np.int64),
        "others_14_plus": column(st.integers(0, 3), np.int64),
        "children_under_14": column(st.integers(0, 4), np.int64),
    }


def chosen_amounts(size: int) -> st.SearchStrategy[np.ndarray]:
    """Chosen contributions, NaN for "no choice recorded", some out of any reasonable range."""
    amount = st.just(float("nan")) | euros(0, 400) | euros(-50, 0)
    return st.lists(amount, min_size=size, max_size=size).map(lambda xs: np.array(xs, dtype=np.float64))
