"""The caisse's rules in words, for people deciding whether to join: how much food credit a household
receives and how its contribution is set. Figures come from the rule set in force (caisse.rules);
nothing is recomputed here."""

from __future__ import annotations

import math
from collections.abc import Callable

from caisse import rules
from caisse.rules.allocation import (
    MutualistAllocation,
    PerConsumptionUnitAllocation,
    PerHouseholdAllocation,
    PerPersonAllocation,
)
from caisse.rules.schemes import (
    FlatTiersScheme,
    MarginalBracketsScheme,
    ProportionalScheme,
    SelfDeterminedScheme,
)
from web.formatting import Formatter

Gettext = Callable[[str], str]


def allocation_text(rule: rules.AllocationRule, _: Gettext, fmt: Formatter) -> str:
    if isinstance(rule, PerPersonAllocation):
        return _("%(amount)s of food credit per person and per month.") % {"amount": fmt.euros(rule.amount)}
    if isinstance(rule, PerConsumptionUnitAllocation):
        return _(
            "%(amount)s of food credit per month for the first adult; each other person aged 14 or more "
            "adds half of it, each child under 14 adds 30 %%."
        ) % {"amount": fmt.euros(rule.amount_per_unit)}
    if isinstance(rule, PerHouseholdAllocation):
        text = _(
            "%(base)s of food credit per household and per month, plus %(extra)s per additional person."
        ) % {
            "base": fmt.euros(rule.base),
            "extra": fmt.euros(rule.per_extra_person),
        }
        if rule.per_child_under_14 is not None:
            text += " " + _("Each child under 14 adds %(child)s.") % {
                "child": fmt.euros(rule.per_child_under_14)
            }
        return text
    if isinstance(rule, MutualistAllocation):
        return _(
            "Every household receives the same food credit: the average of the month's contributions, "
            "shared out (%(share)s of it)."
        ) % {"share": fmt.percent(rule.share, 0)}
    raise TypeError(f"unknown allocation rule {type(rule).__name__}")


def contribution_text(scheme: rules.ContributionScheme, _: Gettext, fmt: Formatter) -> str:
    if isinstance(scheme, SelfDeterminedScheme):
        text = _("You choose your monthly contribution, from %(minimum)s.") % {
            "minimum": fmt.euros(scheme.minimum)
        }
        if scheme.maximum is not None and math.isfinite(scheme.maximum):
            text += " " + _("At most %(maximum)s.") % {"maximum": fmt.euros(scheme.maximum)}
        if scheme.suggestion is not None:
            text += " " + _(
                "A grid suggests an amount from your household's income; nobody checks your choice."
            )
        return text
    if isinstance(scheme, ProportionalScheme):
        values = {"rate": fmt.percent(scheme.rate), "floor": fmt.euros(scheme.floor)}
        if scheme.floor:
            return (
                _("Your contribution is %(rate)s of your household's monthly income, at least %(floor)s.")
                % values
            )
        return _("Your contribution is %(rate)s of your household's monthly income.") % values
    if isinstance(scheme, MarginalBracketsScheme):
        return _("Your contribution rises with your household's income, by brackets, as income tax does.")
    if isinstance(scheme, FlatTiersScheme):
        return _(
            "Your contribution is a fixed amount for your household's income band, from %(low)s to %(high)s."
        ) % {
            "low": fmt.euros(min(amount for _limit, amount in scheme.tiers)),
            "high": fmt.euros(scheme.top_amount),
        }
    raise TypeError(f"unknown contribution scheme {type(scheme).__name__}")
