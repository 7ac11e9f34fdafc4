"""One-line summaries of schemes and rules, for lists and headings ("2.5 % of income, floor 10.00 €")."""

from __future__ import annotations

from caisse.rules.allocation import (
    AllocationRule,
    PerConsumptionUnitAllocation,
    PerHouseholdAllocation,
    PerPersonAllocation,
)
from caisse.rules.formatting import euros, percent
from caisse.rules.ruleset import RuleSet
from caisse.rules.schemes import (
    ContributionScheme,
    FlatTiersScheme,
    ImposedScheme,
    ProportionalScheme,
    SelfDeterminedScheme,
)


def _of(basis: str) -> str:
    return "household income" if basis == "household" else "income per consumption unit"


def _per_extra(amount: float) -> str:
    return f" + {euros(amount)} per extra person" if amount else ""


def _imposed(scheme: ImposedScheme) -> str:
    if isinstance(scheme, FlatTiersScheme):
        amounts = [a for _, a in scheme.tiers] + [scheme.top_amount]
        return (f"{len(amounts)} tiers of {euros(amounts[0])} to {euros(amounts[-1])} by {_of(scheme.basis)}"
                f"{_per_extra(scheme.per_extra_person)}")
    if isinstance(scheme, ProportionalScheme):
        text = f"{percent(scheme.rate)} of {_of(scheme.basis)}"
    else:
        rates = [r for _, r in scheme.brackets]
        text = (f"{len(rates)} marginal brackets ({percent(min(rates))}–{percent(max(rates))}) "
                f"on {_of(scheme.basis)}")
    if scheme.floor or scheme.extra_floor_per_person:
        text += f", floor {euros(scheme.floor)}{_per_extra(scheme.extra_floor_per_person)}"
    return text + (f", ceiling {euros(scheme.ceiling)}" if scheme.ceiling is not None else "")


def describe_contribution(scheme: ContributionScheme) -> str:
    """Summarise a contribution scheme in one line.

    >>> describe_contribution(ProportionalScheme(rate=0.025, floor=10.0))
    '2.5 % of household income, floor 10.00 €'
    """
    if not isinstance(scheme, SelfDeterminedScheme):
        return _imposed(scheme)
    per = _per_extra(scheme.minimum_per_extra_person)
    top = f", at most {euros(scheme.maximum)}" if scheme.maximum is not None else ", no maximum"
    step = f", steps of {euros(scheme.step)}" if scheme.step != 0.01 else ""
    grid = f"; suggestion: {_imposed(scheme.suggestion)}" if scheme.suggestion is not None else ""
    return f"self-determined, at least {euros(scheme.minimum)}{per}{top}{step}{grid}"


def describe_allocation(rule: AllocationRule) -> str:
    """Summarise an allocation rule in one line.

    >>> describe_allocation(PerHouseholdAllocation(base=150.0, per_extra_person=75.0))
    '150.00 € per household + 75.00 € per extra person'
    """
    if isinstance(rule, PerPersonAllocation):
        return f"{euros(rule.amount)} per person"
    if isinstance(rule, PerConsumptionUnitAllocation):
        return f"{euros(rule.amount_per_unit)} per consumption unit"
    if isinstance(rule, PerHouseholdAllocation):
        text = f"{euros(rule.base)} per household"
        text += f" + {euros(rule.per_extra_person)} per extra person" if rule.per_extra_person else ""
        if rule.per_child_under_14 is not None:
            text += f" ({euros(rule.per_child_under_14)} per child under 14)"
        return text
    return f"{percent(rule.share)} of the mean contribution"


def describe_rule_set(rule_set: RuleSet) -> str:
    """From-month, contribution and allocation in one line."""
    return (f"from {rule_set.effective_from}: contribution {describe_contribution(rule_set.contribution)}; "
            f"allocation {describe_allocation(rule_set.allocation)}")
