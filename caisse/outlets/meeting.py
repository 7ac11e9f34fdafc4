"""Decisions recorded directly (`POST .../outlets/{id}/decisions`), outside a ballot.

The committee decides on outlets by ballot (`caisse.ballots`): secret, with a roll and recusal.
An admin may also record a decision the committee took in a meeting, citing its minutes — the
record of a decision already taken, not a way around the ballot. So a direct decision other than
`review` (applicant → under review, which decides nothing):

* names its minutes in `decision_ref`; a reference starting with `ballot:` is left to ballots;
* is refused while a ballot on the outlet is open (the ballot decides);
* is refused to an admin with a declared link to the outlet (they would be recused from a ballot);
* takes effect at most 60 days ahead (a far-dated decision would sit unseen).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from caisse.ballots.queries import open_ballot_on_outlet
from caisse.caisses.models import Caisse
from caisse.committee.eligibility import linked_users
from caisse.db.locks import lock_row
from caisse.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from caisse.outlets.conventioning import DECISIONS, Decision, record_decision
from caisse.outlets.models import Outlet

MAX_DAYS_AHEAD = 60
BALLOT_PREFIX = "ballot:"
# Decisions that decide nothing about the convention: the committee records them as it works.
PROCEDURAL = frozenset({"review"})


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", [{"field": field, "message": message}])


def check_meeting_reference(decision: str, decision_ref: str, effective_on: date, today: date) -> str:
    """The minutes' reference, trimmed; ValidationFailed naming the field when the decision
    cannot be recorded directly as asked."""
    if decision not in DECISIONS:
        raise _invalid("decision", f"unknown '{decision}'; one of: {', '.join(DECISIONS)}.")
    if effective_on > today + timedelta(days=MAX_DAYS_AHEAD):
        raise _invalid(
            "effective_on",
            f"{effective_on.isoformat()} is more than {MAX_DAYS_AHEAD} days ahead; record the decision "
            "closer to the day it takes effect.",
        )
    ref = decision_ref.strip()
    if decision in PROCEDURAL:
        return ref
    if not ref:
        raise _invalid(
            "decision_ref",
            "name the minutes of the committee meeting that took this decision (e.g. 'CR comité "
            "2027-03-14'); otherwise put the decision to a ballot.",
        )
    if ref.casefold().startswith(BALLOT_PREFIX):
        raise _invalid(
            "decision_ref",
            f"references starting with '{BALLOT_PREFIX}' are recorded by ballots when they close; "
            "name the meeting's minutes instead.",
        )
    return ref


async def record_meeting_decision(
    session: AsyncSession,
    caisse: Caisse,
    outlet_id: int,
    *,
    decision: str,
    effective_on: date,
    reason: str,
    decision_ref: str,
    months: int | None,
    by_user_id: int,
    today: date,
) -> Decision:
    """Record a decision on an outlet taken outside a ballot (see the module's rules); `months`:
    the term of a convene/renew, `today`: the caisse's day. 422 on a missing or reserved
    reference or a far effective day; 409 while a ballot on the outlet is open; 403 when
    `by_user_id` has a declared link to the outlet."""
    ref = check_meeting_reference(decision, decision_ref, effective_on, today)
    if decision not in PROCEDURAL:
        # The outlet's lock orders this with the opening of a ballot on it (which takes it too).
        if await lock_row(session, Outlet, Outlet.id == outlet_id, Outlet.caisse_id == caisse.id) is None:
            raise NotFound(f"No outlet {outlet_id} in this caisse.")
        pending = await open_ballot_on_outlet(session, outlet_id)
        if pending is not None:
            raise Conflict(
                f"Ballot {pending.id} on this outlet is open: its result decides. Close or cancel it "
                "before recording a decision directly."
            )
        if by_user_id in await linked_users(session, outlet_id, today):
            raise PermissionDenied(
                "You have a declared link to this outlet: you cannot record a decision on it. "
                "Another admin records it, or the committee decides by ballot."
            )
    return await record_decision(
        session, caisse, outlet_id, decision=decision, effective_on=effective_on, reason=reason,
        decision_ref=ref, months=months, decided_by_user_id=by_user_id,
    )  # fmt: skip
