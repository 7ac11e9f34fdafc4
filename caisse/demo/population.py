"""Synthetic French households: INSEE 2022 incomes and RP2022 household types.

Pure numpy, seeded by the caller's Generator. Sources are in
shared/research/ssa_facts.md §5; figures marked [derived] are our interpolation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from caisse.rules import consumption_units

# Disposable income per consumption unit, metropolitan France 2022, € per year, at
# p = 0.1 … 0.9. D1, D5, D9: INSEE (insee.fr/fr/statistiques/2491918).
# D2, D3: 2021 INSEE values uprated by the 2021→2022 change of D1 and D5 [derived].
# D4: log-midpoint of D3 and D5; D6–D8: lognormal shape fitted to D5 and D9 [derived].
INCOME_PER_UC_DECILES_2022 = np.array(
    [12_970, 16_390, 19_330, 21_690, 24_330, 27_340, 30_960, 35_820, 43_840], dtype=float
)
# Below D1 the quantile function runs linearly down to this floor (minimum social benefits
# keep few households below ~6 000 €/UC/year) [assumption].
INCOME_FLOOR_PER_UC = 6_000.0
# Above D9: a Pareto tail whose mean (64 840 €, INSEE 2021 "mean above D9" uprated)
# gives alpha = mean / (mean - D9) [derived].
TOP_MEAN_ABOVE_D9 = 64_840 * 43_840 / 41_870
PARETO_ALPHA = TOP_MEAN_ABOVE_D9 / (TOP_MEAN_ABOVE_D9 - INCOME_PER_UC_DECILES_2022[-1])

# RP2022 household types (insee.fr/fr/statistiques/8569208): share of households.
HOUSEHOLD_TYPES = {
    "person_alone": 0.386,
    "couple_without_children": 0.257,
    "couple_with_children": 0.239,
    "single_parent": 0.101,
    "other": 0.017,
}
# Children per family with children: 1, 2, 3, 4 [assumption close to INSEE family surveys].
CHILDREN_COUNTS = np.array([1, 2, 3, 4])
CHILDREN_SHARES = np.array([0.45, 0.38, 0.13, 0.04])
# Share of a family's children who are under 14 [assumption: 14 of the 0–20 years at home].
SHARE_CHILDREN_UNDER_14 = 0.65


@dataclass(frozen=True)
class Households:
    """One entry per household. Income is the household's monthly income in €."""

    adults: np.ndarray
    others_14_plus: np.ndarray
    children_under_14: np.ndarray
    monthly_income: np.ndarray

    def __len__(self) -> int:
        return int(self.adults.size)


def income_per_uc_quantile(p: np.ndarray) -> np.ndarray:
    """Annual income per consumption unit (€) at probability `p` in [0, 1)."""
    p = np.asarray(p, dtype=float)
    grid_p = np.concatenate(([0.0], np.linspace(0.1, 0.9, 9)))
    grid_q = np.concatenate(([INCOME_FLOOR_PER_UC], INCOME_PER_UC_DECILES_2022))
    body = np.interp(np.minimum(p, 0.9), grid_p, grid_q)
    d9 = INCOME_PER_UC_DECILES_2022[-1]
    tail = d9 * ((1 - 0.9) / np.maximum(1 - p, 1e-12)) ** (1 / PARETO_ALPHA)
    return np.where(p > 0.9, tail, body)


def draw_households(n: int, rng: np.random.Generator) -> Households:
    """`n` households with RP2022 compositions and INSEE 2022 incomes per consumption unit."""
    if n < 0:
        raise ValueError(f"n must be 0 or more, got {n}")
    names = list(HOUSEHOLD_TYPES)
    shares = np.array([HOUSEHOLD_TYPES[k] for k in names])
    kind = rng.choice(len(names), size=n, p=shares / shares.sum())
    adults = np.where(
        np.isin(kind, [names.index("couple_without_children"), names.index("couple_with_children")]), 2, 1
    )
    with_children = np.isin(kind, [names.index("couple_with_children"), names.index("single_parent")])
    children = np.where(with_children, rng.choice(CHILDREN_COUNTS, size=n, p=CHILDREN_SHARES), 0)
    under_14 = rng.binomial(children, SHARE_CHILDREN_UNDER_14)
    others = children - under_14
    # "Other" households (flatmates, several generations): one more adult-aged person.
    others = others + (kind == names.index("other"))
    units = consumption_units(adults, others, under_14)
    annual_per_uc = income_per_uc_quantile(rng.random(n))
    monthly = np.round(annual_per_uc * units / 12, 2)
    return Households(adults.astype(np.int64), others.astype(np.int64), under_14.astype(np.int64), monthly)
