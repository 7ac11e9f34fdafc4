"""Typed array aliases shared by the rules, the billing and the simulator.

Money arrays hold **euros per month as float64** (the simulator's unit); the billing turns them into
integer cents once, with :func:`caisse.rules.rounding.to_cents`. Household counts are int64.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

import numpy as np
import numpy.typing as npt

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]

# What a caller may pass: a scalar, a list or any array; the rules convert it once.
ArrayLike: TypeAlias = npt.ArrayLike

# What a rate, a band or a bracket applies to.
#   "household": the household's declared monthly income;
#   "per_consumption_unit": its income divided by its consumption units (INSEE's "niveau de vie").
Basis: TypeAlias = Literal["household", "per_consumption_unit"]
BASES: tuple[Basis, ...] = ("household", "per_consumption_unit")

__all__ = ["BASES", "ArrayLike", "Basis", "BoolArray", "FloatArray", "IntArray"]
