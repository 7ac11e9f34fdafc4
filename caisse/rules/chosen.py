"""Check a member's chosen contribution when it is entered, before it is ever billed."""

from __future__ import annotations

import math

import numpy as np

from caisse.rules import formatting
from caisse.rules.contribution import contribution_bounds
from caisse.rules.rounding import round_to_step
from caisse.rules.schemes import ContributionScheme, SelfDeterminedScheme


def check_chosen(scheme: ContributionScheme, chosen: float, persons: int) -> str | None:
    """Return None if a household of `persons` may choose `chosen` € per month, else a message saying why.

    Uses the same bounds as billing (:func:`caisse.rules.contribution.contribution_bounds`), so an amount
    accepted here is billed unchanged.

    >>> gironde = SelfDeterminedScheme(minimum=10.0, minimum_per_extra_person=5.0)
    >>> check_chosen(gironde, 20.0, 3) is None
    True
    >>> check_chosen(gironde, 15.0, 3)
    'the contribution must be at least 20.00 € per month for a household of 3 persons'
    """
    if persons < 1:
        raise ValueError(f"a household has at least 1 person, got {persons}")
    if not isinstance(scheme, SelfDeterminedScheme):
        return "this caisse sets the contribution from its grid; members do not choose an amount"
    if not math.isfinite(chosen):
        return "enter the contribution as an amount in €"
    lower, upper = (float(b[0]) for b in contribution_bounds(scheme, np.array([persons], dtype=np.int64)))
    household = f"for a household of {formatting.persons(persons)}"
    if chosen < lower - 1e-9:
        return f"the contribution must be at least {formatting.euros(lower)} per month {household}"
    if chosen > upper + 1e-9:
        return f"the contribution must be at most {formatting.euros(upper)} per month {household}"
    if abs(float(round_to_step(chosen, scheme.step)) - chosen) > 1e-9 * max(1.0, abs(chosen)):
        return f"the contribution must be a multiple of {formatting.euros(scheme.step)}"
    return None
