"""Request and response bodies of the ballot routes.

Fields the domain checks (kind, rule, times, choice, numbers) arrive as plain text or integers and
are checked by the service, so a bad one is a 422 naming the field. Option counts appear only in
`result`, which is null until the ballot is closed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec

from caisse.ballots.drafts import BallotInput, RuleSetProposal
from caisse.ballots.models import Ballot, BallotOutcome
from caisse.ballots.queries import Participation, ballot_state
from caisse.ballots.voting import MyParticipation

# Generous caps against abuse; the exact limits are checked (422) by the service.
Text = Annotated[str, msgspec.Meta(max_length=10_000)]
Short = Annotated[str, msgspec.Meta(max_length=100)]


class RuleSetRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The rule set a motion adopts if it passes: a preset's current rules or a full definition."""

    effective_from: Annotated[str, msgspec.Meta(max_length=20, examples=["2027-06"])]
    preset: Short | None = None
    definition: dict[str, Any] | None = None


class BallotRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A new ballot. Left out: opens now, closes after the caisse's `ballot_open_days`, and is
    decided by the caisse's rule and quorum. Times are ISO 8601 with a zone: 2027-03-01T18:00:00Z."""

    title: Text
    kind: Annotated[str, msgspec.Meta(max_length=40, description="convene, renew, suspend, end or motion")]
    description: Text = ""
    outlet_id: int | None = None
    opens_at: Short | None = None
    closes_at: Short | None = None
    decision_rule: (
        Annotated[
            str, msgspec.Meta(max_length=40, description="simple_majority, qualified_majority or consent")
        ]
        | None
    ) = None
    qualified_numerator: int | None = None
    qualified_denominator: int | None = None
    quorum_percent: int | None = None
    rule_set: RuleSetRequest | None = None

    def to_input(self) -> BallotInput:
        proposal = None
        if self.rule_set is not None:
            proposal = RuleSetProposal(
                effective_from=self.rule_set.effective_from,
                preset=self.rule_set.preset,
                definition=self.rule_set.definition,
            )
        return BallotInput(
            title=self.title, kind=self.kind, description=self.description, outlet_id=self.outlet_id,
            opens_at=self.opens_at, closes_at=self.closes_at, decision_rule=self.decision_rule,
            qualified_numerator=self.qualified_numerator, qualified_denominator=self.qualified_denominator,
            quorum_percent=self.quorum_percent, rule_set=proposal,
        )  # fmt: skip


class VoteRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    choice: Annotated[str, msgspec.Meta(max_length=20, description="for, against or abstain")]


class CancelRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: Text


class VoteReceipt(msgspec.Struct, frozen=True, kw_only=True):
    """The receipt code is shown once and stored only as a hash: keep it to check your vote."""

    ballot_id: int
    receipt_code: str
    check_at: str


class ParticipationView(msgspec.Struct, frozen=True, kw_only=True):
    voted: int
    eligible: int
    recused: int

    @classmethod
    def of(cls, p: Participation) -> ParticipationView:
        return cls(voted=p.voted, eligible=p.eligible, recused=p.recused)


class ResultView(msgspec.Struct, frozen=True, kw_only=True):
    """The published result. A cancelled ballot publishes no option counts (nothing was decided)."""

    outcome: str
    closed_at: datetime
    for_count: int | None
    against_count: int | None
    abstain_count: int | None
    votes_cast: int | None
    receipts: int | None
    eligible: int | None
    recused: int | None
    quorum_met: bool | None
    applied_change_id: int | None
    applied_rule_set_id: int | None
    effect: str
    cancel_reason: str

    @classmethod
    def of(cls, b: Ballot) -> ResultView | None:
        if b.closed_at is None or b.outcome is None:
            return None
        return cls(
            outcome=b.outcome.value, closed_at=b.closed_at, for_count=b.result_for,
            against_count=b.result_against, abstain_count=b.result_abstain, votes_cast=b.result_votes_cast,
            receipts=b.result_receipts, eligible=b.result_eligible, recused=b.result_recused,
            quorum_met=b.quorum_met, applied_change_id=b.applied_change_id,
            applied_rule_set_id=b.applied_rule_set_id, effect=b.effect, cancel_reason=b.cancel_reason,
        )  # fmt: skip


class BallotView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    kind: str
    title: str
    description: str
    outlet_id: int | None
    outlet_name: str | None
    opens_at: datetime
    closes_at: datetime
    state: str
    decision_rule: str
    qualified_numerator: int
    qualified_denominator: int
    quorum_percent: int
    rule_set_effective_from: str | None
    rule_set_preset: str | None
    # Before the close: how many have voted, out of how many eligible. Never the options.
    participation: ParticipationView
    result: ResultView | None

    @classmethod
    def of(cls, b: Ballot, outlet_name: str | None, p: Participation, now: datetime) -> BallotView:
        return cls(
            id=b.id, kind=b.kind.value, title=b.title, description=b.description, outlet_id=b.outlet_id,
            outlet_name=outlet_name, opens_at=b.opens_at, closes_at=b.closes_at, state=ballot_state(b, now),
            decision_rule=b.decision_rule.value, qualified_numerator=b.qualified_numerator,
            qualified_denominator=b.qualified_denominator, quorum_percent=b.quorum_percent,
            rule_set_effective_from=b.rule_set_effective_from, rule_set_preset=b.rule_set_preset,
            participation=ParticipationView.of(p), result=ResultView.of(b),
        )  # fmt: skip


class MyParticipationView(msgspec.Struct, frozen=True, kw_only=True):
    ballot_id: int
    on_roll: bool
    recused: bool
    has_voted: bool
    can_vote_now: bool
    # Why not, when can_vote_now is false.
    reason: str

    @classmethod
    def of(cls, ballot_id: int, mine: MyParticipation) -> MyParticipationView:
        return cls(
            ballot_id=ballot_id, on_roll=mine.on_roll, recused=mine.recused, has_voted=mine.has_voted,
            can_vote_now=mine.can_vote_now, reason=mine.reason,
        )  # fmt: skip


class ReceiptCheck(msgspec.Struct, frozen=True, kw_only=True):
    ballot_id: int
    counted: bool
    outcome: str


class DecisionEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One line of the public decision log: no voter, no person, only the ballot and its counts."""

    ballot_id: int
    title: str
    kind: str
    outlet_name: str | None
    opens_at: datetime
    closes_at: datetime
    closed_at: datetime
    outcome: str
    decision_rule: str
    # "2/3" for a qualified majority, else null.
    qualified_majority: str | None
    quorum_percent: int
    quorum_met: bool | None
    eligible: int | None
    recused: int | None
    votes_cast: int | None
    for_count: int | None
    against_count: int | None
    abstain_count: int | None
    effect: str

    @classmethod
    def of(cls, b: Ballot, outlet_name: str | None) -> DecisionEntry:
        qualified = f"{b.qualified_numerator}/{b.qualified_denominator}"
        return cls(
            ballot_id=b.id, title=b.title, kind=b.kind.value, outlet_name=outlet_name, opens_at=b.opens_at,
            closes_at=b.closes_at, closed_at=b.closed_at or b.closes_at,
            outcome=(b.outcome or BallotOutcome.CANCELLED).value, decision_rule=b.decision_rule.value,
            qualified_majority=qualified if b.decision_rule.value == "qualified_majority" else None,
            quorum_percent=b.quorum_percent, quorum_met=b.quorum_met, eligible=b.result_eligible,
            recused=b.result_recused, votes_cast=b.result_votes_cast, for_count=b.result_for,
            against_count=b.result_against, abstain_count=b.result_abstain, effect=b.effect,
        )  # fmt: skip
