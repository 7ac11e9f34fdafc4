"""How a ballot is decided: quorum and decision rules, in exact integer arithmetic. Pure.

>>> decide(Rules(DecisionRule.QUALIFIED_MAJORITY, 2, 3, quorum_percent=50), Counts(2, 1, 0), eligible=6)
<BallotOutcome.PASSED: 'passed'>
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from caisse.ballots.models import BallotOutcome
from caisse.caisses.limits import qualified_fraction_problems
from caisse.caisses.models import DecisionRule


class Choice(enum.StrEnum):
    """A voter's choice. Only ever held in memory on its way into the tally, never stored."""

    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"


@dataclass(frozen=True)
class Counts:
    for_count: int
    against_count: int
    abstain_count: int

    @property
    def votes_cast(self) -> int:
        """Every vote, abstentions included (what the quorum counts)."""
        return self.for_count + self.against_count + self.abstain_count


@dataclass(frozen=True)
class Rules:
    rule: DecisionRule
    numerator: int
    denominator: int
    quorum_percent: int


def increments(choice: Choice) -> Counts:
    """What one vote adds to the tally: 1 to its option, 0 to the two others (all three written)."""
    return Counts(int(choice is Choice.FOR), int(choice is Choice.AGAINST), int(choice is Choice.ABSTAIN))


def quorum_met(votes_cast: int, eligible: int, quorum_percent: int) -> bool:
    """votes_cast / eligible >= quorum_percent / 100, exactly. A ballot nobody voted on never
    meets its quorum, even a quorum of 0 %."""
    return votes_cast > 0 and votes_cast * 100 >= quorum_percent * eligible


def carried(rules: Rules, counts: Counts) -> bool:
    """Whether the votes carry the motion under the rule (the quorum is checked apart).

    simple majority: more for than against; abstentions do not count; a tie fails.
    qualified majority: for / (for + against) >= numerator / denominator, with at least one for.
    consent: passes unless someone votes against (abstaining is not objecting).
    """
    yes, no = counts.for_count, counts.against_count
    if rules.rule is DecisionRule.SIMPLE_MAJORITY:
        return yes > no
    if rules.rule is DecisionRule.QUALIFIED_MAJORITY:
        return yes > 0 and yes * rules.denominator >= rules.numerator * (yes + no)
    if rules.rule is DecisionRule.CONSENT:
        return no == 0
    raise ValueError(f"unknown decision rule {rules.rule!r}")


def decide(rules: Rules, counts: Counts, *, eligible: int) -> BallotOutcome:
    """passed, rejected, or no_quorum (`eligible`: voters on the roll who were not recused)."""
    if not quorum_met(counts.votes_cast, eligible, rules.quorum_percent):
        return BallotOutcome.NO_QUORUM
    return BallotOutcome.PASSED if carried(rules, counts) else BallotOutcome.REJECTED


def fraction_problems(numerator: int, denominator: int) -> list[dict[str, object]]:
    """What is wrong with a ballot's qualified-majority fraction (empty when fine), as API problems;
    the same bounds as the caisse's setting (`caisse.caisses.limits`)."""
    return qualified_fraction_problems(numerator, denominator, field="qualified_numerator")
