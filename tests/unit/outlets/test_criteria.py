"""Criteria evaluation at its boundaries: thresholds, scale, required criteria, weighted score."""

from __future__ import annotations

from decimal import Decimal

import pytest

from caisse.outlets.criteria import DEFAULT_GRID, Rule, check_value, eligible, evaluate, passes, score
from caisse.outlets.models import CriterionKind, Direction

LOCAL = Rule(CriterionKind.NUMERIC_THRESHOLD, Decimal(70), Direction.AT_MOST)
AT_LEAST = Rule(CriterionKind.NUMERIC_THRESHOLD, Decimal(50), Direction.AT_LEAST)
SCALE = Rule(CriterionKind.SCALE)
YES_NO = Rule(CriterionKind.YES_NO)


@pytest.mark.parametrize(
    ("km", "ok"), [("0", True), ("70", True), ("70.0", True), ("70.1", False), ("200", False)]
)
def test_at_most_70_km_passes_at_70_and_fails_just_above(km: str, ok: bool) -> None:
    assert passes(LOCAL, Decimal(km)) is ok


def test_at_least_threshold_boundary() -> None:
    assert passes(AT_LEAST, Decimal(50)) and not passes(AT_LEAST, Decimal("49.99"))


@pytest.mark.parametrize(("grade", "ok"), [(1, False), (2, False), (3, True), (5, True)])
def test_scale_passes_from_3(grade: int, ok: bool) -> None:
    assert passes(SCALE, grade) is ok


def test_yes_no_passes_only_on_yes() -> None:
    assert passes(YES_NO, True) and not passes(YES_NO, False)


@pytest.mark.parametrize(
    ("rule", "value"), [(SCALE, 0), (SCALE, 6), (SCALE, True), (YES_NO, 1), (LOCAL, True)]
)
def test_values_of_the_wrong_kind_are_refused(rule: Rule, value: bool | int) -> None:
    with pytest.raises(ValueError):
        check_value(rule, value)


def test_several_assessors_need_a_strict_majority() -> None:
    assert evaluate(YES_NO, [True, True, False]).met
    assert not evaluate(YES_NO, [True, False]).met
    assert not evaluate(YES_NO, []).assessed


def test_required_unmet_or_unassessed_is_not_eligible() -> None:
    met, unmet, missing = evaluate(YES_NO, [True]), evaluate(YES_NO, [False]), evaluate(YES_NO, [])
    assert eligible([met]) and not eligible([met, unmet]) and not eligible([met, missing])
    assert eligible([])


def test_weighted_score_from_0_to_100() -> None:
    full, none = evaluate(YES_NO, [True]), evaluate(YES_NO, [False])
    assert score([(3, full), (1, none)]) == 75
    assert score([(1, evaluate(SCALE, [3]))]) == 50  # 3 on 1..5 is halfway
    assert score([(0, full)]) == 0 and score([]) == 0


def test_default_grid_cites_its_sources_and_has_flers_70_km() -> None:
    codes = {c["code"] for c in DEFAULT_GRID}
    assert {"organic", "local", "fair_producer_pay", "limited_margins", "working_conditions"} <= codes
    assert all("http" in str(c["description"]) for c in DEFAULT_GRID)
    local = next(c for c in DEFAULT_GRID if c["code"] == "local")
    assert local["threshold"] == Decimal(70) and local["direction"] is Direction.AT_MOST
