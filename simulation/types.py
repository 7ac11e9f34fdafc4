"""Typed array aliases of the simulator, in one place.

Shapes are named in the docstrings with these letters: P paths of a chunk, T household types, H households
(micro engine), M months, A credit ages (months since it was credited). Money is float64 € per month,
household counts are int64 (the stratified engine draws them exactly).
"""

from __future__ import annotations

from typing import Literal, TypeAlias

import numpy as np

from caisse.rules.types import BoolArray, FloatArray, IntArray

PathsByTypes: TypeAlias = FloatArray
"""(P, T) € or probabilities per path and household type."""

CountsByTypes: TypeAlias = IntArray
"""(P, T) member households per path and type."""

PathsByMonths: TypeAlias = FloatArray
"""(P, M) one figure per path and month (reserve, net flow, members)."""

MonthsByTypes: TypeAlias = FloatArray
"""(M, T) € per household per month, from the rules (contribution owed, allocation)."""

CreditByAge: TypeAlias = FloatArray
"""(..., A) food credit held, by age in months: index 0 was credited this month."""

Generator: TypeAlias = np.random.Generator
EngineName: TypeAlias = Literal["stratified", "micro"]
ENGINE_NAMES: tuple[EngineName, ...] = ("stratified", "micro")

__all__ = [
    "ENGINE_NAMES",
    "BoolArray",
    "CountsByTypes",
    "CreditByAge",
    "EngineName",
    "FloatArray",
    "Generator",
    "IntArray",
    "MonthsByTypes",
    "PathsByMonths",
    "PathsByTypes",
]
