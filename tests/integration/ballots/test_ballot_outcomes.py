"""Quorum and every decision rule at their boundaries, through real ballots on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from tests.integration.ballots.ballot_helpers import close, open_ballot, seat_committee, vote_all


@pytest.mark.parametrize(
    ("quorum", "seats", "choices", "outcome"),
    [
        # 3 of 5 is exactly 60 %: met. 2 of 5 is one vote short.
        (60, 5, ["for", "for", "abstain"], "passed"),
        (60, 5, ["for", "for"], "no_quorum"),
        # Abstentions count towards the quorum.
        (50, 4, ["abstain", "for"], "passed"),
        (50, 4, ["abstain"], "no_quorum"),
    ],
)
async def test_quorum_is_met_exactly_at_its_boundary_and_not_one_vote_short(
    db: AsyncSession, test_caisse: Caisse, quorum: int, seats: int, choices: list[str], outcome: str
) -> None:
    voters = await seat_committee(db, test_caisse.id, seats)
    ballot = await open_ballot(db, test_caisse, decision_rule="simple_majority", quorum_percent=quorum)
    await vote_all(db, test_caisse, ballot.id, voters[: len(choices)], choices)
    closed = await close(db, test_caisse, ballot.id)
    assert closed.outcome == outcome
    assert closed.quorum_met is (outcome != "no_quorum")
    assert (closed.result_votes_cast, closed.result_eligible) == (len(choices), seats)


@pytest.mark.parametrize(
    ("rule", "choices", "outcome"),
    [
        ("simple_majority", ["for", "against"], "rejected"),  # a tie fails
        ("simple_majority", ["for", "for", "against"], "passed"),  # one more passes
        ("simple_majority", ["for", "abstain", "abstain", "abstain"], "passed"),  # abstentions not counted
        ("qualified_majority", ["for", "for", "against"], "passed"),  # exactly 2/3
        ("qualified_majority", ["for", "against"], "rejected"),  # 1/2
        ("qualified_majority", ["for", "for", "for", "against", "against"], "rejected"),  # 3/5 < 2/3
        ("qualified_majority", ["abstain", "abstain"], "rejected"),  # nobody for
        ("consent", ["for", "for", "for", "against"], "rejected"),  # one objection
        ("consent", ["abstain", "abstain", "abstain"], "passed"),  # abstaining is not objecting
    ],
)
async def test_each_decision_rule_at_its_boundary(
    db: AsyncSession, test_caisse: Caisse, rule: str, choices: list[str], outcome: str
) -> None:
    voters = await seat_committee(db, test_caisse.id, len(choices))
    ballot = await open_ballot(
        db, test_caisse, decision_rule=rule, qualified_numerator=2, qualified_denominator=3, quorum_percent=50
    )
    await vote_all(db, test_caisse, ballot.id, voters, choices)
    closed = await close(db, test_caisse, ballot.id)
    assert closed.outcome == outcome
    assert (closed.result_for, closed.result_against, closed.result_abstain) == (
        choices.count("for"), choices.count("against"), choices.count("abstain"),
    )  # fmt: skip
    assert closed.result_receipts == closed.result_votes_cast == len(choices)


async def test_a_ballot_takes_the_caisse_defaults_for_its_rules(
    db: AsyncSession, test_caisse: Caisse
) -> None:
    test_caisse.ballot_decision_rule = "qualified_majority"  # type: ignore[assignment]
    test_caisse.ballot_qualified_numerator, test_caisse.ballot_qualified_denominator = 3, 4
    test_caisse.ballot_quorum_percent = 75
    await db.commit()
    await seat_committee(db, test_caisse.id, 2)
    ballot = await open_ballot(db, test_caisse)
    assert (ballot.decision_rule, ballot.qualified_numerator, ballot.qualified_denominator) == (
        "qualified_majority", 3, 4,
    )  # fmt: skip
    assert ballot.quorum_percent == 75
