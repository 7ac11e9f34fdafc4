"""Dated rule sets: the grid in force is the latest one that took effect on or before the month."""

from __future__ import annotations

import msgspec
import pytest

from caisse.rules import (
    PerHouseholdAllocation,
    ProportionalScheme,
    RuleSet,
    contributions,
    rule_in_force,
    validate_month,
)

ALLOCATION = PerHouseholdAllocation(base=50.0)
JANUARY = RuleSet("2027-01", ProportionalScheme(rate=0.025, floor=10.0), ALLOCATION, name="grille de janvier")
JUNE = RuleSet("2027-06", ProportionalScheme(rate=0.03, floor=15.0), ALLOCATION, name="grille de juin")


def _bill(rule_sets: list[RuleSet], month: str) -> float:
    return float(contributions(rule_in_force(rule_sets, month).contribution, [1800.0], 1, 0, 0)[0])


def test_a_new_grid_from_june_leaves_january_to_may_untouched() -> None:
    before = {month: _bill([JANUARY], month) for month in ("2027-01", "2027-03", "2027-05")}
    after = {month: _bill([JANUARY, JUNE], month) for month in before}
    assert after == before == {"2027-01": 45.0, "2027-03": 45.0, "2027-05": 45.0}


def test_the_new_grid_applies_from_its_month_on() -> None:
    assert _bill([JANUARY, JUNE], "2027-06") == 54.0
    assert _bill([JANUARY, JUNE], "2028-02") == 54.0


def test_order_of_the_rule_sets_does_not_matter() -> None:
    assert rule_in_force([JUNE, JANUARY], "2027-07") is JUNE
    assert rule_in_force((r for r in [JUNE, JANUARY]), "2027-02") is JANUARY


def test_a_month_before_the_first_rule_set_has_no_rules() -> None:
    with pytest.raises(ValueError, match="in force in 2026-12: the first takes effect in 2027-01"):
        rule_in_force([JANUARY, JUNE], "2026-12")


def test_no_rule_sets_at_all_is_an_error() -> None:
    with pytest.raises(ValueError, match="there are none"):
        rule_in_force([], "2027-01")


def test_two_rule_sets_in_the_same_month_are_ambiguous() -> None:
    other = RuleSet("2027-06", ProportionalScheme(rate=0.04), ALLOCATION)
    with pytest.raises(ValueError, match="several rule sets take effect in 2027-06"):
        rule_in_force([JANUARY, JUNE, other], "2027-08")


@pytest.mark.parametrize("month", ["2027-13", "2027-00", "2027-6", "27-06", "2027/06", "", "2027-06-01"])
def test_malformed_months_are_refused(month: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        validate_month(month)
    with pytest.raises(ValueError, match="YYYY-MM"):
        rule_in_force([JANUARY], month)


def test_a_rule_set_decodes_from_the_json_the_app_stores() -> None:
    stored = msgspec.json.encode(JUNE)
    assert b'"kind":"proportional"' in stored and b'"kind":"per_household"' in stored
    assert msgspec.json.decode(stored, type=RuleSet) == JUNE


def test_a_stored_rule_set_with_a_bad_month_is_refused_on_decoding() -> None:
    data = msgspec.to_builtins(JUNE) | {"effective_from": "2027-13"}
    with pytest.raises(ValueError, match="YYYY-MM"):
        msgspec.convert(data, RuleSet)
