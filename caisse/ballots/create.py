"""Opening a ballot: check it, refuse a decision the outlet's status does not allow, and take the
roll — the committee members sitting on the opening day (in Europe/Paris), those with a link to
the outlet recused."""

from __future__ import annotations

from datetime import datetime

import msgspec
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.ballots.drafts import BallotInput, Draft, below_caisse_rules, check_draft
from caisse.ballots.models import Ballot, BallotTally, BallotVoter
from caisse.ballots.queries import open_ballot_on_outlet
from caisse.caisses.models import Caisse
from caisse.committee.eligibility import linked_users, sitting_members
from caisse.cycle.models import PeriodClose
from caisse.db.locks import lock_row
from caisse.errors import Conflict, ValidationFailed
from caisse.outlets.conventioning import allowed_decisions
from caisse.outlets.models import Outlet
from caisse.periods import caisse_day


async def _check_outlet(session: AsyncSession, caisse: Caisse, draft: Draft) -> None:
    if draft.outlet_id is None:
        return
    # Locked, so two ballots on one outlet (or a ballot and a decision recorded directly) cannot
    # be opened at the same moment.
    outlet = await lock_row(session, Outlet, Outlet.id == draft.outlet_id, Outlet.caisse_id == caisse.id)
    if outlet is None:
        message = f"no outlet {draft.outlet_id} in this caisse."
        raise ValidationFailed(f"outlet_id: {message}", [{"field": "outlet_id", "message": message}])
    allowed = allowed_decisions(outlet.status)
    if draft.kind.value not in allowed:
        raise Conflict(
            f"Cannot put '{draft.kind}' to the vote for {outlet.name}: the outlet is {outlet.status.value}; "
            f"decisions allowed now: {', '.join(allowed) if allowed else 'none'}."
        )
    pending = await open_ballot_on_outlet(session, outlet.id)
    if pending is not None:
        raise Conflict(
            f"Ballot {pending.id} on {outlet.name} is still open; close or cancel it before opening another."
        )


async def _check_rule_set_month(session: AsyncSession, caisse: Caisse, draft: Draft) -> None:
    if draft.rule_set is None:
        return
    last_closed = await session.scalar(
        select(func.max(PeriodClose.month)).where(PeriodClose.caisse_id == caisse.id)
    )
    if last_closed is not None and draft.rule_set.effective_from <= last_closed:
        raise Conflict(
            f"{last_closed} is already closed; a rule set put to the vote can take effect from the next "
            "open month on."
        )


async def create_ballot(
    session: AsyncSession,
    caisse: Caisse,
    raw: BallotInput,
    *,
    now: datetime,
    by_user_id: int | None,
    may_relax_rules: bool = False,
) -> Ballot:
    """Open a ballot (or schedule it, when `opens_at` is later) with its roll and an empty tally.

    `now` is a UTC datetime. 422 lists every bad field, and a quorum, decision rule or voting time
    below the caisse's own unless `may_relax_rules` (a caisse administrator); 409 when the outlet's
    status does not allow the decision, another ballot on it is open, or nobody could vote.
    """
    draft = check_draft(raw, caisse, now)
    if not may_relax_rules and (relaxed := below_caisse_rules(draft, caisse)):
        raise ValidationFailed("; ".join(f"{p['field']}: {p['message']}" for p in relaxed), relaxed)
    await _check_outlet(session, caisse, draft)
    await _check_rule_set_month(session, caisse, draft)
    opening_day = caisse_day(draft.opens_at)
    sitting = await sitting_members(session, caisse.id, opening_day)
    linked = await linked_users(session, draft.outlet_id, opening_day) if draft.outlet_id else set()
    if not [user_id for user_id in sitting if user_id not in linked]:
        raise Conflict(
            f"No committee member who could vote sits on {opening_day.isoformat()} "
            f"({len(sitting)} sitting, all recused); seat members first or choose another opening day."
        )
    ballot = Ballot(
        caisse_id=caisse.id,
        kind=draft.kind,
        title=draft.title,
        description=draft.description,
        outlet_id=draft.outlet_id,
        opens_at=draft.opens_at,
        closes_at=draft.closes_at,
        decision_rule=draft.rules.rule,
        qualified_numerator=draft.rules.numerator,
        qualified_denominator=draft.rules.denominator,
        quorum_percent=draft.rules.quorum_percent,
        rule_set_effective_from=None if draft.rule_set is None else draft.rule_set.effective_from,
        rule_set_preset=draft.rule_set_preset,
        rule_set_definition=None if draft.rule_set is None else msgspec.json.encode(draft.rule_set).decode(),
        created_by_user_id=by_user_id,
    )
    session.add(ballot)
    await session.flush()
    session.add(BallotTally(ballot_id=ballot.id, for_count=0, against_count=0, abstain_count=0))
    await session.execute(
        insert(BallotVoter),
        [
            {"ballot_id": ballot.id, "user_id": user_id, "recused": user_id in linked, "has_voted": False}
            for user_id in sitting
        ],
    )
    await session.flush()
    return ballot
