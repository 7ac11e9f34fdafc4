"""What a closed ballot changes: the result binds.

passed convene / renew / suspend / end: the outlet decision of that name, effective on the close
day (`decision_ref` "ballot:<id>"). rejected convene: the application is rejected. Any other
rejection, and no quorum, change nothing (a renewal that fails lets the convention end on its
date). A passed motion carrying a rule set adopts it. When the decision can no longer be applied
(the outlet's status changed meanwhile, the month closed), the ballot still closes and its
`effect` says why nothing changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from caisse import rules as caisse_rules
from caisse.ballots.models import Ballot, BallotKind, BallotOutcome
from caisse.caisses.models import Caisse
from caisse.caisses.service import adopt_rule_set
from caisse.errors import DomainError
from caisse.outlets.conventioning import Decision, allowed_decisions, record_decision
from caisse.outlets.service import get_outlet

EFFECT_MAX = 500


@dataclass(frozen=True)
class Effect:
    text: str
    change_id: int | None = None
    rule_set_id: int | None = None


def _describe(kind: BallotKind, done: Decision, on: date) -> str:
    if done.convention is not None:
        what = "outlet conventioned" if kind is BallotKind.CONVENE else "convention renewed"
        return f"{what} from {done.convention.starts_on} to {done.convention.ends_on}"
    if kind is BallotKind.SUSPEND:
        return f"outlet suspended from {on}: no payment from that day"
    if kind is BallotKind.END:
        return f"convention ended on {on}: no payment from that day"
    return "application rejected"


def _outlet_decision(kind: BallotKind, outcome: BallotOutcome) -> str | None:
    if outcome is BallotOutcome.PASSED:
        return kind.value
    if outcome is BallotOutcome.REJECTED and kind is BallotKind.CONVENE:
        return "reject"
    return None


async def apply_result(
    session: AsyncSession,
    caisse: Caisse,
    ballot: Ballot,
    outcome: BallotOutcome,
    *,
    on: date,
    by_user_id: int | None,
) -> Effect:
    """Apply the outcome of a closing ballot, in a savepoint: all of the decision or none of it."""
    if outcome is BallotOutcome.NO_QUORUM:
        return Effect("no change: quorum not met")
    if ballot.kind is BallotKind.MOTION:
        if outcome is not BallotOutcome.PASSED:
            return Effect("no change: motion rejected")
        if ballot.rule_set_definition is None or ballot.rule_set_effective_from is None:
            return Effect("motion adopted")
        rule_set = msgspec.json.decode(ballot.rule_set_definition, type=caisse_rules.RuleSet)
        try:
            async with session.begin_nested():
                row = await adopt_rule_set(
                    session, caisse, rule_set, effective_from=ballot.rule_set_effective_from,
                    preset=ballot.rule_set_preset, created_by_user_id=by_user_id,
                )  # fmt: skip
        except DomainError as exc:
            return Effect(f"motion adopted; rule set not adopted: {exc.detail}"[:EFFECT_MAX])
        return Effect(f"rule set adopted from {row.effective_from}", rule_set_id=row.id)
    decision = _outlet_decision(ballot.kind, outcome)
    if decision is None:
        renewal = " (the current convention ends on its date)" if ballot.kind is BallotKind.RENEW else ""
        return Effect(f"no change: {ballot.kind.value} rejected{renewal}")
    if ballot.outlet_id is None:  # cannot happen: a CHECK constraint gives every outlet kind one
        return Effect("no change: the ballot names no outlet")
    if decision == "reject":
        outlet = await get_outlet(session, caisse.id, ballot.outlet_id)
        if "reject" not in allowed_decisions(outlet.status):
            return Effect(f"no change: the outlet is {outlet.status.value}")
    try:
        async with session.begin_nested():
            done = await record_decision(
                session, caisse, ballot.outlet_id, decision=decision, effective_on=on,
                reason=ballot.title, decision_ref=f"ballot:{ballot.id}", decided_by_user_id=by_user_id,
            )  # fmt: skip
    except DomainError as exc:
        return Effect(f"not applied: {exc.detail}"[:EFFECT_MAX])
    return Effect(_describe(ballot.kind, done, on), change_id=done.change.id)
