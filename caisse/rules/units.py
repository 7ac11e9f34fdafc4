"""Household composition, household size and consumption units (INSEE / OECD-modified scale).

A household is its reference person (an adult) plus other adults, other persons aged 14 or more and
children under 14. INSEE's scale gives 1 unit to the first adult, 0.5 to each other person aged 14+
(other adults and "others 14+" alike) and 0.3 to each child under 14.
Source: https://www.insee.fr/en/metadonnees/definition/c1802
"""

from __future__ import annotations

import numpy as np

from caisse.rules.types import ArrayLike, FloatArray, IntArray


def _counts(name: str, values: ArrayLike, minimum: int) -> IntArray:
    array = np.asarray(values)
    if array.dtype.kind not in "iu":
        as_float = array.astype(np.float64)
        if not np.all(np.isfinite(as_float)) or not np.all(as_float == np.floor(as_float)):
            raise ValueError(f"{name} must be whole numbers of persons, got {values!r}")
    counts = array.astype(np.int64)
    if counts.size and counts.min() < minimum:
        index = int(np.flatnonzero(counts < minimum)[0])
        at = f" (household at position {index})" if counts.size > 1 else ""
        raise ValueError(f"{name} must be >= {minimum}, got {counts.flat[index]}{at}")
    return counts


def household_composition(
    adults: ArrayLike, others_14_plus: ArrayLike, children_under_14: ArrayLike
) -> tuple[IntArray, IntArray, IntArray]:
    """Validate and broadcast the three head counts to int64 arrays of one shape.

    Raises ValueError if `adults` < 1 (the reference person is an adult), a count is negative or
    fractional, or the shapes do not broadcast.
    """
    counts = (
        _counts("adults", adults, 1),
        _counts("others_14_plus", others_14_plus, 0),
        _counts("children_under_14", children_under_14, 0),
    )
    try:
        a, o, c = np.broadcast_arrays(*counts)
    except ValueError:
        shapes = ", ".join(str(x.shape) for x in counts)
        raise ValueError(f"household counts have incompatible shapes {shapes}") from None
    return a, o, c


def household_size(adults: ArrayLike, others_14_plus: ArrayLike, children_under_14: ArrayLike) -> IntArray:
    """Number of persons in each household.

    >>> household_size([1, 2], [0, 1], [0, 2]).tolist()
    [1, 5]
    """
    a, o, c = household_composition(adults, others_14_plus, children_under_14)
    return a + o + c


def consumption_units(
    adults: ArrayLike, others_14_plus: ArrayLike, children_under_14: ArrayLike
) -> FloatArray:
    """Consumption units (UC): 1 + 0.5 per other person aged 14+ + 0.3 per child under 14.

    Computed in tenths then divided once, so 1.8 UC is the float nearest 1.8 (no accumulated noise).

    >>> consumption_units([1, 2, 2], [0, 0, 1], [0, 1, 2]).tolist()
    [1.0, 1.8, 2.6]
    """
    return oecd_scale(*household_composition(adults, others_14_plus, children_under_14))


def oecd_scale(adults: IntArray, others_14_plus: IntArray, children_under_14: IntArray) -> FloatArray:
    """The scale on already validated counts (see :func:`household_composition`)."""
    tenths = 10 + 5 * (adults - 1 + others_14_plus) + 3 * children_under_14
    return tenths / 10.0
