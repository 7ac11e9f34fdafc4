"""Validate the per-household inputs once: income, composition and chosen amounts."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from caisse.rules.types import ArrayLike, FloatArray, IntArray
from caisse.rules.units import household_composition, oecd_scale


class Households(NamedTuple):
    """Validated arrays of one shape; money in € per month."""

    income: FloatArray
    adults: IntArray
    others_14_plus: IntArray
    children_under_14: IntArray
    persons: IntArray
    units: FloatArray


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def where(index: int, size: int) -> str:
    """Point at the offending household in a batch; say nothing for a single one."""
    return f" (household at position {index})" if size > 1 else ""


def validate_income(income: ArrayLike) -> FloatArray:
    """Declared monthly household income in €, as float64; ValueError on NaN, infinite or negative."""
    array = np.asarray(income, dtype=np.float64)
    bad = ~np.isfinite(array)
    if bad.any():
        index = _first_bad(bad)
        value = array.flat[index]
        raise ValueError(f"income must be a finite amount in €, got {value}{where(index, array.size)}")
    if array.size and array.min() < 0:
        index = _first_bad(array < 0)
        raise ValueError(f"income must be >= 0 €, got {array.flat[index]}{where(index, array.size)}")
    return array


def validate_chosen(chosen: ArrayLike) -> FloatArray:
    """Chosen contributions in €: NaN means "no choice recorded"; infinite amounts are refused."""
    array = np.asarray(chosen, dtype=np.float64)
    bad = np.isinf(array)
    if bad.any():
        index = _first_bad(bad)
        raise ValueError(
            f"a chosen contribution must be a finite amount in € or NaN for none{where(index, array.size)}"
        )
    return array


def households(income: ArrayLike, adults: ArrayLike, others_14_plus: ArrayLike,
               children_under_14: ArrayLike) -> Households:
    a, o, c = household_composition(adults, others_14_plus, children_under_14)
    money = validate_income(income)
    try:
        money, a, o, c = np.broadcast_arrays(money, a, o, c)
    except ValueError:
        raise ValueError(f"income has shape {money.shape}, household counts have shape {a.shape}") from None
    return Households(money, a, o, c, a + o + c, oecd_scale(a, o, c))
