"""Checking a new ballot before anything is written: defaults from the caisse, every bad field named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from caisse.ballots.drafts import BallotInput, RuleSetProposal, check_draft
from caisse.ballots.models import BallotKind
from caisse.caisses.models import Caisse, DecisionRule
from caisse.errors import ValidationFailed

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def _caisse() -> Caisse:
    return Caisse(
        slug="test", name="Test", first_month="2027-01", ballot_quorum_percent=40,
        ballot_decision_rule=DecisionRule.CONSENT, ballot_qualified_numerator=3,
        ballot_qualified_denominator=4, ballot_open_days=10,
    )  # fmt: skip


def _problems(**values: object) -> dict[str, str]:
    raw = BallotInput(**{"title": "Question", "kind": "motion", **values})  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed) as caught:
        check_draft(raw, _caisse(), NOW)
    return {str(p["field"]): str(p["message"]) for p in caught.value.problems}


def test_left_out_fields_take_the_caisse_defaults() -> None:
    draft = check_draft(BallotInput(title="  Question  ", kind="motion"), _caisse(), NOW)
    assert (draft.kind, draft.title, draft.opens_at, draft.closes_at) == (
        BallotKind.MOTION, "Question", NOW, NOW + timedelta(days=10),
    )  # fmt: skip
    assert (draft.rules.rule, draft.rules.numerator, draft.rules.denominator, draft.rules.quorum_percent) == (
        DecisionRule.CONSENT, 3, 4, 40,
    )  # fmt: skip


def test_times_with_a_zone_are_kept_in_utc() -> None:
    draft = check_draft(
        BallotInput(
            title="Q", kind="motion", opens_at="2027-03-02T10:00:00+01:00", closes_at="2027-03-09T18:00Z"
        ),
        _caisse(),
        NOW,
    )
    assert draft.opens_at == datetime(2027, 3, 2, 9, 0, tzinfo=UTC)
    assert draft.closes_at == datetime(2027, 3, 9, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"title": ""}, "title", "1 to 200"),
        ({"title": "x" * 201}, "title", "1 to 200"),
        ({"description": "x" * 5001}, "description", "5000"),
        ({"kind": "poll"}, "kind", "convene, renew, suspend, end, motion"),
        ({"kind": "end"}, "outlet_id", "give its id"),
        ({"outlet_id": 3}, "outlet_id", "leave outlet_id out"),
        ({"opens_at": "2027-03-01 09:00"}, "opens_at", "time zone"),
        ({"opens_at": "tomorrow"}, "opens_at", "not a time"),
        ({"opens_at": NOW - timedelta(minutes=6)}, "opens_at", "in the past"),
        ({"closes_at": NOW}, "closes_at", "after the opening"),
        ({"closes_at": NOW + timedelta(days=367)}, "closes_at", "366 days"),
        ({"decision_rule": "majority"}, "decision_rule", "simple_majority, qualified_majority, consent"),
        ({"qualified_numerator": 1, "qualified_denominator": 2}, "qualified_numerator", "not more than half"),
        ({"quorum_percent": -1}, "quorum_percent", "0 to 100"),
        ({"rule_set": RuleSetProposal("2027-06")}, "rule_set", "exactly one"),
        ({"rule_set": RuleSetProposal("June", preset="lyon-8e")}, "rule_set", "YYYY-MM"),
        ({"rule_set": RuleSetProposal("2027-06", definition={"contribution": 3})}, "rule_set", "not valid"),
        ({"rule_set": RuleSetProposal("2026-12", preset="lyon-8e")}, "rule_set.effective_from", "2027-01"),
    ],
)
def test_a_bad_field_is_named_with_what_to_do(values: dict[str, object], field: str, message: str) -> None:
    problems = _problems(**values)
    assert field in problems and message in problems[field], problems


def test_a_few_minutes_of_clock_difference_are_tolerated() -> None:
    draft = check_draft(
        BallotInput(title="Q", kind="motion", opens_at=NOW - timedelta(minutes=4)), _caisse(), NOW
    )
    assert draft.opens_at == NOW - timedelta(minutes=4)


def test_a_motion_carries_the_exact_rule_set_voted_on() -> None:
    draft = check_draft(
        BallotInput(title="Q", kind="motion", rule_set=RuleSetProposal("2027-06", preset="lyon-8e")),
        _caisse(),
        NOW,
    )
    assert draft.rule_set is not None and draft.rule_set.effective_from == "2027-06"
    assert draft.rule_set_preset == "lyon-8e"
