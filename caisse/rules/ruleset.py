"""Dated rule sets: which contribution scheme and allocation rule a caisse applies in a given month.

A committee that votes a new grid from June adds a rule set effective from June; earlier months keep
being billed (and re-explained) with the rule set that was in force then.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import msgspec

from caisse.rules.allocation import AllocationRule
from caisse.rules.schemes import ContributionScheme

# ASCII digits only, and years a caisse can live in: "２０２７-06" or "0001-01" are typing errors.
_MONTH = re.compile(r"20[0-9]{2}-(0[1-9]|1[0-2])")


def validate_month(month: str) -> str:
    """Return `month` if it is a period "YYYY-MM", else raise ValueError.

    >>> validate_month("2027-06")
    '2027-06'
    """
    if not isinstance(month, str) or not _MONTH.fullmatch(month):
        raise ValueError(
            f"a month is written YYYY-MM (years 2000 to 2099, MM from 01 to 12), e.g. 2027-06; got {month!r}"
        )
    return month


class RuleSet(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The contribution scheme and allocation rule in force from `effective_from` ("YYYY-MM") on.

    `name` labels it for people ("Grille votée le 12 mai"); `source` says where it comes from (a
    committee decision, a URL). Stored as JSON: ``msgspec.json.encode(rule_set)`` and
    ``msgspec.json.decode(data, type=RuleSet)``.
    """

    effective_from: str
    contribution: ContributionScheme
    allocation: AllocationRule
    name: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        validate_month(self.effective_from)


def rule_in_force(rule_sets: Iterable[RuleSet], month: str) -> RuleSet:
    """The rule set with the latest `effective_from` on or before `month`.

    Raises ValueError when `month` is malformed, when none is in force yet, or when two rule sets take
    effect the same month (which one bills would be ambiguous).

    >>> from caisse.rules.schemes import ProportionalScheme
    >>> from caisse.rules.allocation import PerPersonAllocation
    >>> jan = RuleSet("2027-01", ProportionalScheme(rate=0.02), PerPersonAllocation(100.0))
    >>> jun = RuleSet("2027-06", ProportionalScheme(rate=0.03), PerPersonAllocation(100.0))
    >>> rule_in_force([jun, jan], "2027-05") is jan, rule_in_force([jun, jan], "2027-06") is jun
    (True, True)
    """
    validate_month(month)
    candidates = list(rule_sets)
    starts = [rule_set.effective_from for rule_set in candidates]
    duplicates = sorted({start for start in starts if starts.count(start) > 1})
    if duplicates:
        raise ValueError(f"several rule sets take effect in {', '.join(duplicates)}; keep one per month")
    in_force = [rule_set for rule_set in candidates if rule_set.effective_from <= month]
    if not in_force:
        first = min(starts, default=None)
        since = f"the first takes effect in {first}" if first else "there are none"
        raise ValueError(f"no rule set is in force in {month}: {since}")
    return max(in_force, key=lambda rule_set: rule_set.effective_from)
