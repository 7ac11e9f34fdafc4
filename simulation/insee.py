"""French income and household tables for synthetic populations: INSEE 2022 incomes per consumption
unit and RP2022 household types.

Sources are in shared/research/ssa_facts.md §5; figures marked [derived] are our interpolation and
[assumption] our choice. The demo caisse (:mod:`caisse.demo.population`) draws its households from these
same tables.
"""

from __future__ import annotations

from math import comb
from types import MappingProxyType

import numpy as np

from simulation.types import FloatArray, IntArray

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
HOUSEHOLD_TYPES = MappingProxyType(
    {
        "person_alone": 0.386,
        "couple_without_children": 0.257,
        "couple_with_children": 0.239,
        "single_parent": 0.101,
        "other": 0.017,
    }
)
# Children per family with children: 1, 2, 3, 4 [assumption close to INSEE family surveys].
CHILDREN_COUNTS = np.array([1, 2, 3, 4])
CHILDREN_SHARES = np.array([0.45, 0.38, 0.13, 0.04])
# Share of a family's children who are under 14 [assumption: 14 of the 0–20 years at home].
SHARE_CHILDREN_UNDER_14 = 0.65


def income_per_uc_quantile(p: FloatArray) -> FloatArray:
    """Annual income per consumption unit (€, 2022) at probability `p` in [0, 1): linear between the
    published deciles, linear from a floor below D1, a Pareto tail above D9.

    >>> income_per_uc_quantile(np.array([0.1, 0.5, 0.9])).tolist()
    [12970.0, 24330.0, 43840.0]
    """
    p = np.asarray(p, dtype=float)
    grid_p = np.concatenate(([0.0], np.linspace(0.1, 0.9, 9)))
    grid_q = np.concatenate(([INCOME_FLOOR_PER_UC], INCOME_PER_UC_DECILES_2022))
    body = np.interp(np.minimum(p, 0.9), grid_p, grid_q)
    d9 = INCOME_PER_UC_DECILES_2022[-1]
    tail = d9 * ((1 - 0.9) / np.maximum(1 - p, 1e-12)) ** (1 / PARETO_ALPHA)
    result: FloatArray = np.where(p > 0.9, tail, body)
    return result


def income_decile(annual_income_per_uc: FloatArray) -> IntArray:
    """National decile (0 = the poorest tenth … 9 = the richest) of an annual income per consumption unit.

    >>> income_decile(np.array([5_000.0, 12_970.0, 25_000.0, 90_000.0])).tolist()
    [0, 0, 5, 9]
    """
    values = np.asarray(annual_income_per_uc, dtype=float)
    return np.searchsorted(INCOME_PER_UC_DECILES_2022, values, side="left").astype(np.int64)


def household_compositions(
    shares: MappingProxyType[str, float] | dict[str, float] = HOUSEHOLD_TYPES,
) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
    """Every household composition with its probability: (adults, others 14+, children under 14, share).

    The exact distribution behind :func:`caisse.demo.population.draw_households`: couples have 2 adults;
    families have 1–4 children (CHILDREN_SHARES), each under 14 with probability SHARE_CHILDREN_UNDER_14;
    "other" households are one adult and one other person aged 14+. `shares` (by household type, summing
    to 1) replaces the RP2022 shares. Identical compositions are merged.

    >>> a, o, c, share = household_compositions()
    >>> round(float(share.sum()), 12), int(a[0]), int(o[0]), int(c[0])
    (1.0, 1, 0, 0)
    """
    total = sum(shares.values())
    found: dict[tuple[int, int, int], float] = {}

    def add(composition: tuple[int, int, int], share: float) -> None:
        if share > 0:
            found[composition] = found.get(composition, 0.0) + share

    add((1, 0, 0), shares["person_alone"] / total)
    add((2, 0, 0), shares["couple_without_children"] / total)
    add((1, 1, 0), shares["other"] / total)
    for kind, adults in (("couple_with_children", 2), ("single_parent", 1)):
        for children, child_share in zip(CHILDREN_COUNTS.tolist(), CHILDREN_SHARES.tolist(), strict=True):
            for under_14 in range(children + 1):
                p = comb(children, under_14) * SHARE_CHILDREN_UNDER_14**under_14
                p *= (1 - SHARE_CHILDREN_UNDER_14) ** (children - under_14)
                add((adults, children - under_14, under_14), shares[kind] / total * child_share * p)
    keys = sorted(found)
    as_int = np.array(keys, dtype=np.int64).reshape(-1, 3)
    return as_int[:, 0], as_int[:, 1], as_int[:, 2], np.array([found[k] for k in keys])
