"""Rounding euros to a step and to integer cents, half up, robust to float noise.

Rules compute in float euros; a float such as ``1.005`` is really ``1.00499999999999989…``, so a plain
``floor(x * 100 + 0.5)`` would bill 1.00 € where a person computing by hand gets 1.01 €. Every function
here first nudges the value by a tolerance far above float noise (10^-12 of the value, some 4 500 ulps)
yet far below half a cent, then rounds. "Half up" means towards +infinity: 0.125 € → 13 cents,
-0.125 € → -12 cents.
"""

from __future__ import annotations

import numpy as np

from caisse.rules.types import ArrayLike, FloatArray, IntArray

_RELATIVE_TOLERANCE = 1e-12
_MAX_TOLERANCE = 1e-3  # in units of the step: never more than a thousandth of a cent when step = 0.01
_MAX_EUROS = 1e12  # far above any household's monthly amount; keeps int64 cents exact


def _tolerance(quotient: FloatArray) -> FloatArray:
    return np.minimum(_RELATIVE_TOLERANCE * np.maximum(np.abs(quotient), 1.0), _MAX_TOLERANCE)


def step_in_cents(step: float) -> int:
    """Return a rounding step given in € as a whole number of cents, or raise ValueError.

    >>> step_in_cents(5.0), step_in_cents(0.01)
    (500, 1)
    """
    cents = float(step) * 100.0
    if not np.isfinite(cents) or round(cents) < 1 or abs(cents - round(cents)) > 1e-6:
        raise ValueError(
            f"step must be a positive whole number of cents in € (e.g. 0.01, 1.0, 5.0), got {step!r}"
        )
    return round(cents)


def _quotient(euros: ArrayLike, step: float) -> tuple[FloatArray, int]:
    cents = step_in_cents(step)
    return np.asarray(euros, dtype=np.float64) * (100.0 / cents), cents


def round_to_step(euros: ArrayLike, step: float = 0.01) -> FloatArray:
    """Round € amounts half up to a multiple of `step` € (0.01 = the cent).

    >>> round_to_step([47.4, 47.5, 1.005], 5.0).tolist(), round_to_step(1.005).tolist()
    ([45.0, 50.0, 0.0], 1.01)
    """
    q, cents = _quotient(euros, step)
    return np.floor(q + 0.5 + _tolerance(q)) * cents / 100.0 + 0.0  # + 0.0 turns -0.0 into 0.0


def ceil_to_step(euros: ArrayLike, step: float = 0.01) -> FloatArray:
    """Smallest multiple of `step` € that is >= the amount (a floor must stay a floor after rounding)."""
    q, cents = _quotient(euros, step)
    return np.ceil(q - _tolerance(q)) * cents / 100.0 + 0.0


def floor_to_step(euros: ArrayLike, step: float = 0.01) -> FloatArray:
    """Largest multiple of `step` € that is <= the amount (a ceiling must stay a ceiling)."""
    q, cents = _quotient(euros, step)
    return np.floor(q + _tolerance(q)) * cents / 100.0 + 0.0


def to_cents(euros: ArrayLike) -> IntArray:
    """Convert € amounts to int64 cents, rounding half up; the billing's one float → integer boundary.

    Raises ValueError on NaN, infinite or absurdly large amounts (more than 10^12 €).

    >>> to_cents([1.005, 2.675, 0.125, 45.0, 270.00000000000006]).tolist()
    [101, 268, 13, 4500, 27000]
    """
    x = np.asarray(euros, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError("cannot convert NaN or infinite € amounts to cents")
    if x.size and np.max(np.abs(x)) > _MAX_EUROS:
        raise ValueError(f"€ amount {np.max(np.abs(x)):.6g} is beyond any monthly amount; check the units")
    q = x * 100.0
    return np.floor(q + 0.5 + _tolerance(q)).astype(np.int64)
