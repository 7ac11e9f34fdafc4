"""Parameters are checked once, with actionable messages, and survive a JSON round trip."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import given, settings

from caisse.rules import (
    PRESETS,
    AllocationRule,
    ContributionScheme,
    FlatTiersScheme,
    MarginalBracketsScheme,
    MutualistAllocation,
    PerHouseholdAllocation,
    PerPersonAllocation,
    ProportionalScheme,
    RuleSet,
    SelfDeterminedScheme,
)
from tests.unit.rules.rules_strategies import allocation_rules, contribution_schemes


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: ProportionalScheme(rate=-0.01), "rate must be a share between 0 and 1"),
        (lambda: ProportionalScheme(rate=2.5), "rate must be a share between 0 and 1"),
        (lambda: ProportionalScheme(rate=0.02, floor=-1.0), "floor must be >= 0"),
        (lambda: ProportionalScheme(rate=0.02, floor=50.0, ceiling=40.0), "floor 50.0 € is above ceiling"),
        (lambda: ProportionalScheme(rate=0.02, floor=11.0, ceiling=14.0, step=5.0), "no multiple of"),
        (lambda: ProportionalScheme(rate=0.02, step=0.001), "whole number of cents"),
        (lambda: ProportionalScheme(rate=float("nan")), "finite number"),
        (lambda: ProportionalScheme(rate=0.02, basis="person"), "basis must be one of"),  # type: ignore[arg-type]
        (lambda: ProportionalScheme(rate=0.02, extra_floor_per_person=-5.0), "extra_floor_per_person"),
        (lambda: MarginalBracketsScheme(brackets=()), "non-empty list of"),
        (lambda: MarginalBracketsScheme(brackets=((0.0, 0.1, 3.0),)), "pairs"),  # type: ignore[arg-type]
        (lambda: MarginalBracketsScheme(brackets=((1000.0, 0.02), (500.0, 0.04))), "strictly increasing"),
        (lambda: MarginalBracketsScheme(brackets=((0.0, 0.02), (0.0, 0.04))), "strictly increasing"),
        (lambda: MarginalBracketsScheme(brackets=((-10.0, 0.02),)), "must be >= 0"),
        (lambda: MarginalBracketsScheme(brackets=((0.0, 1.2),)), "bracket rate"),
        (lambda: FlatTiersScheme(tiers=(), top_amount=10.0), "non-empty list of"),
        (lambda: FlatTiersScheme(tiers=((1500.0, 30.0), (1000.0, 40.0)), top_amount=50.0), "strictly"),
        (lambda: FlatTiersScheme(tiers=((1000.0, 40.0), (1500.0, 30.0)), top_amount=50.0), "non-decreasing"),
        (lambda: FlatTiersScheme(tiers=((1000.0, 40.0),), top_amount=30.0), "non-decreasing"),
        (lambda: SelfDeterminedScheme(minimum=20.0, maximum=10.0), "minimum 20.0 € is above maximum 10.0"),
        (lambda: SelfDeterminedScheme(minimum=1.0, maximum_per_extra_person=5.0), "needs a maximum"),
        (lambda: SelfDeterminedScheme(minimum=1.0, minimum_per_extra_person=5.0, maximum=100.0),
         "maximum_per_extra_person"),
        (lambda: PerPersonAllocation(amount=-150.0), "amount must be >= 0"),
        (lambda: PerHouseholdAllocation(base=150.0, per_child_under_14=-1.0), "per_child_under_14"),
        (lambda: MutualistAllocation(share=-0.5), "share must be >= 0"),
        (lambda: RuleSet("2027-13", ProportionalScheme(rate=0.02), PerPersonAllocation(100.0)), "YYYY-MM"),
    ],
)
def test_invalid_parameters_raise_value_error_naming_the_parameter(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_schemes_are_frozen() -> None:
    scheme = ProportionalScheme(rate=0.025)
    with pytest.raises(AttributeError):
        scheme.rate = 0.5  # type: ignore[misc]


def test_json_carries_the_kind_tag() -> None:
    data = msgspec.to_builtins(ProportionalScheme(rate=0.025, floor=10.0))
    assert data == {"kind": "proportional", "rate": 0.025, "floor": 10.0, "ceiling": None,
                    "extra_floor_per_person": 0.0, "basis": "household", "step": 0.01}


def test_decoding_json_validates_the_parameters() -> None:
    with pytest.raises(ValueError, match="rate must be a share"):
        msgspec.json.decode(b'{"kind": "proportional", "rate": 3}', type=ContributionScheme)


def test_decoding_json_refuses_unknown_fields() -> None:
    with pytest.raises(ValueError, match="unknown field"):
        msgspec.convert({"kind": "per_person", "amount": 150, "per_child": 3}, AllocationRule)


def test_every_preset_rule_set_survives_a_json_round_trip() -> None:
    for preset in PRESETS.values():
        for rule_set in preset.rule_sets:
            assert msgspec.json.decode(msgspec.json.encode(rule_set), type=RuleSet) == rule_set


@settings(max_examples=150, deadline=None)
@given(contribution_schemes, allocation_rules)
def test_random_rule_sets_survive_json_round_trip_via_convert(
    scheme: ContributionScheme, rule: AllocationRule
) -> None:
    rule_set = RuleSet("2027-01", scheme, rule, name="grille", source="vote du comité")
    data = msgspec.json.decode(msgspec.json.encode(rule_set))
    assert msgspec.convert(data, RuleSet) == rule_set


def test_brackets_and_tiers_given_as_lists_are_stored_as_hashable_tuples() -> None:
    brackets = MarginalBracketsScheme(brackets=[[0, 0.02], [1000, 0.04]])  # type: ignore[arg-type]
    tiers = FlatTiersScheme(tiers=[(1000, 30)], top_amount=40.0)  # type: ignore[arg-type]
    assert brackets.brackets == ((0.0, 0.02), (1000.0, 0.04)) and tiers.tiers == ((1000.0, 30.0),)
    assert hash(brackets) != hash(tiers)


def test_money_parameters_above_100_000_euros_a_month_are_refused() -> None:
    import pytest

    from caisse.rules import PerHouseholdAllocation, ProportionalScheme

    with pytest.raises(ValueError, match="at most 100,000 €"):
        PerHouseholdAllocation(base=1e13)
    with pytest.raises(ValueError, match="at most 100,000 €"):
        ProportionalScheme(rate=0.02, floor=10.0, ceiling=2e6)
