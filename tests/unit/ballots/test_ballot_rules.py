"""Quorum and decision rules, exactly at their boundaries (pure functions)."""

from __future__ import annotations

import pytest

from caisse.ballots.models import BallotOutcome
from caisse.ballots.rules import (
    Choice,
    Counts,
    Rules,
    carried,
    decide,
    fraction_problems,
    increments,
    quorum_met,
)
from caisse.caisses.models import DecisionRule

SIMPLE = Rules(DecisionRule.SIMPLE_MAJORITY, 2, 3, quorum_percent=50)
TWO_THIRDS = Rules(DecisionRule.QUALIFIED_MAJORITY, 2, 3, quorum_percent=50)
CONSENT = Rules(DecisionRule.CONSENT, 2, 3, quorum_percent=50)


@pytest.mark.parametrize(
    ("votes", "eligible", "quorum", "met"),
    [
        (3, 5, 60, True),  # exactly 60 %
        (2, 5, 60, False),  # one short
        (1, 3, 33, True),  # 100 >= 99
        (1, 3, 34, False),  # 100 < 102
        (7, 7, 100, True),
        (6, 7, 100, False),
        (0, 7, 0, False),  # nobody voted: never a quorum
        (1, 7, 0, True),
    ],
)
def test_quorum_counts_votes_cast_over_eligible_voters_exactly(
    votes: int, eligible: int, quorum: int, met: bool
) -> None:
    assert quorum_met(votes, eligible, quorum) is met


@pytest.mark.parametrize(
    ("rules", "counts", "passes"),
    [
        (SIMPLE, Counts(1, 1, 0), False),  # a tie fails
        (SIMPLE, Counts(2, 1, 0), True),  # one more passes
        (SIMPLE, Counts(1, 0, 9), True),  # abstentions are not counted
        (SIMPLE, Counts(0, 0, 3), False),
        (TWO_THIRDS, Counts(2, 1, 0), True),  # exactly 2/3
        (TWO_THIRDS, Counts(1, 1, 0), False),
        (TWO_THIRDS, Counts(3, 2, 0), False),  # 3/5 < 2/3
        (TWO_THIRDS, Counts(4, 2, 5), True),  # abstentions not counted
        (TWO_THIRDS, Counts(0, 0, 4), False),  # nobody for
        (Rules(DecisionRule.QUALIFIED_MAJORITY, 3, 5, 0), Counts(3, 2, 0), True),  # exactly 3/5
        (Rules(DecisionRule.QUALIFIED_MAJORITY, 3, 5, 0), Counts(5, 4, 0), False),
        (CONSENT, Counts(5, 1, 0), False),  # one objection
        (CONSENT, Counts(0, 0, 3), True),  # all abstain
        (CONSENT, Counts(1, 0, 0), True),
    ],
)
def test_each_rule_at_its_boundary(rules: Rules, counts: Counts, passes: bool) -> None:
    assert carried(rules, counts) is passes


def test_the_quorum_is_checked_before_the_rule() -> None:
    assert decide(CONSENT, Counts(0, 0, 1), eligible=3) is BallotOutcome.NO_QUORUM
    assert decide(CONSENT, Counts(0, 0, 2), eligible=3) is BallotOutcome.PASSED
    assert decide(SIMPLE, Counts(1, 1, 0), eligible=4) is BallotOutcome.REJECTED


def test_a_vote_adds_one_to_its_option_and_zero_to_the_others() -> None:
    assert increments(Choice.FOR) == Counts(1, 0, 0)
    assert increments(Choice.AGAINST) == Counts(0, 1, 0)
    assert increments(Choice.ABSTAIN) == Counts(0, 0, 1)


@pytest.mark.parametrize(
    ("numerator", "denominator", "message"),
    [
        (1, 1, "below 1"),
        (0, 3, "below 1"),
        (3, 2, "below 1"),
        (1, 2, "not more than half"),
        (1, 3, "not more than half"),
    ],
)
def test_a_qualified_majority_is_a_fraction_above_half_and_below_one(
    numerator: int, denominator: int, message: str
) -> None:
    [problem] = fraction_problems(numerator, denominator)
    assert problem["field"] == "qualified_numerator" and message in str(problem["message"])
    assert fraction_problems(2, 3) == [] and fraction_problems(3, 5) == []
