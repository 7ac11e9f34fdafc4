"""Parameter checks run once, when a scheme or rule is built or decoded from JSON.

Each raises ValueError naming the parameter and saying what would be accepted: these messages reach the
committee member who typed the grid into a form, or the official editing a scenario file.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Sequence

from caisse.rules.rounding import ceil_to_step, floor_to_step, step_in_cents
from caisse.rules.types import BASES


def finite(owner: str, name: str, value: float) -> None:
    if not _is_number(value) or not math.isfinite(value):
        raise ValueError(f"{owner}: {name} must be a finite number, got {value!r}")


def non_negative(owner: str, name: str, value: float) -> None:
    finite(owner, name, value)
    if value < 0:
        raise ValueError(f"{owner}: {name} must be >= 0 €, got {value!r}")


# No caisse grants or bills more than this per household and month; a bigger figure is a typing
# error (cents typed as euros), and would overflow the ledger's cents once multiplied by members.
MAX_MONTHLY_EUROS = 100_000.0


def amount(owner: str, name: str, value: float) -> None:
    """A money parameter in € per month: between 0 and MAX_MONTHLY_EUROS."""
    non_negative(owner, name, value)
    if value > MAX_MONTHLY_EUROS:
        raise ValueError(f"{owner}: {name} must be at most {MAX_MONTHLY_EUROS:,.0f} € a month, got {value!r}")


def rate(owner: str, name: str, value: float) -> None:
    finite(owner, name, value)
    if not 0 <= value <= 1:
        raise ValueError(f"{owner}: {name} must be a share between 0 and 1 (0.025 = 2.5 %), got {value!r}")


def step(owner: str, value: float) -> None:
    finite(owner, "step", value)
    try:
        step_in_cents(value)
    except ValueError as error:
        raise ValueError(f"{owner}: {error}") from None


def basis(owner: str, value: str) -> None:
    if value not in BASES:
        raise ValueError(f"{owner}: basis must be one of {', '.join(BASES)}, got {value!r}")


def bounds(owner: str, lower: float, upper: float | None, step_euros: float,
           names: tuple[str, str] = ("floor", "ceiling")) -> None:
    """A lower bound no greater than the upper one, with a multiple of the step between them."""
    amount(owner, names[0], lower)
    if upper is None:
        return
    amount(owner, names[1], upper)
    if lower > upper:
        raise ValueError(f"{owner}: {names[0]} {lower!r} € is above {names[1]} {upper!r} €")
    if float(ceil_to_step(lower, step_euros)) > float(floor_to_step(upper, step_euros)):
        raise ValueError(
            f"{owner}: no multiple of the step {step_euros!r} € lies between {names[0]} {lower!r} € "
            f"and {names[1]} {upper!r} €; widen the range or use a smaller step"
        )


def pairs(owner: str, name: str, value: object) -> tuple[tuple[float, float], ...]:
    """(number, number) pairs as a tuple of float tuples, so a scheme built from lists stays hashable."""
    try:
        items = [tuple(item) for item in value]  # type: ignore[attr-defined]
    except TypeError:
        items = []
    if not items or any(len(item) != 2 or not all(_is_number(x) for x in item) for item in items):
        raise ValueError(f"{owner}: {name} must be a non-empty list of (number, number) pairs, got {value!r}")
    return tuple((float(a), float(b)) for a, b in items)


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def increasing(owner: str, name: str, values: Sequence[float], *, strictly: bool) -> None:
    for value in values:
        non_negative(owner, name, value)
    for before, after in itertools.pairwise(values):
        if after < before or (strictly and after == before):
            order = "strictly increasing" if strictly else "non-decreasing"
            raise ValueError(f"{owner}: {name} must be {order}, got {list(values)!r}")
