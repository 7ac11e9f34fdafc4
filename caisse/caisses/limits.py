"""Bounds of the committee's rules, one definition for the caisse's settings, its ballots and
conventioning (pure: no database, no import of those packages, so each can use it).

>>> qualified_fraction_problems(2, 3)
[]
>>> [p["message"] for p in qualified_fraction_problems(1, 2)]
['1/2 is not more than half: use the simple majority.']
"""

from __future__ import annotations

# A convention binds the caisse for at most five years before the committee decides again.
MAX_CONVENTION_TERM_MONTHS = 60
# A qualified majority is a fraction such as 2/3, 3/4 or 60/100: a denominator up to 100 says it.
MAX_QUALIFIED_DENOMINATOR = 100


def qualified_fraction_problems(
    numerator: int, denominator: int, *, field: str = "qualified_numerator"
) -> list[dict[str, object]]:
    """What is wrong with a qualified-majority fraction (empty when fine), as API problems naming
    `field`: it must be more than half and below 1, with a denominator of at most 100."""
    if not 0 < numerator < denominator <= MAX_QUALIFIED_DENOMINATOR:
        message = (
            f"a qualified majority is a fraction above 1/2 and below 1 with a denominator of at most "
            f"{MAX_QUALIFIED_DENOMINATOR}, got {numerator}/{denominator}."
        )
        return [{"field": field, "message": message}]
    if numerator * 2 <= denominator:
        message = f"{numerator}/{denominator} is not more than half: use the simple majority."
        return [{"field": field, "message": message}]
    return []
