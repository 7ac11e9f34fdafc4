"""Conventioning decisions and what they mean for payments.

Decisions (convene, renew, suspend, end, reject, review) are the committee's: closing a ballot
calls `record_decision` with `decision_ref` naming the ballot; an admin may record a decision
taken in a meeting with a reference to its minutes (`caisse.outlets.meeting` says when).
`outlet_can_take_payments` answers the question every payment asks.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.limits import MAX_CONVENTION_TERM_MONTHS
from caisse.caisses.models import Caisse
from caisse.errors import Conflict, ValidationFailed
from caisse.outlets.models import Convention, ConventionStatus, Outlet, OutletStatus, OutletStatusChange
from caisse.outlets.service import get_outlet
from caisse.text import refuse_control_characters

RENEWAL_WINDOW_DAYS = 60
MAX_TERM_MONTHS = MAX_CONVENTION_TERM_MONTHS

# decision -> (statuses it may be taken from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[OutletStatus], OutletStatus]] = {
    "review": (frozenset({OutletStatus.APPLICANT}), OutletStatus.UNDER_REVIEW),
    "convene": (frozenset({OutletStatus.APPLICANT, OutletStatus.UNDER_REVIEW}), OutletStatus.CONVENTIONED),
    "renew": (
        frozenset({OutletStatus.CONVENTIONED, OutletStatus.SUSPENDED, OutletStatus.ENDED}),
        OutletStatus.CONVENTIONED,
    ),
    "suspend": (frozenset({OutletStatus.CONVENTIONED}), OutletStatus.SUSPENDED),
    "end": (frozenset({OutletStatus.CONVENTIONED, OutletStatus.SUSPENDED}), OutletStatus.ENDED),
    "reject": (frozenset({OutletStatus.APPLICANT, OutletStatus.UNDER_REVIEW}), OutletStatus.REJECTED),
}
DECISIONS = tuple(TRANSITIONS)


def allowed_decisions(status: OutletStatus) -> list[str]:
    return [d for d, (sources, _) in TRANSITIONS.items() if status in sources]


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def convention_end(starts_on: date, months: int) -> date:
    """The last day of a term of `months` months starting on `starts_on` (inclusive)."""
    return add_months(starts_on, months) - timedelta(days=1)


@dataclass(frozen=True)
class Decision:
    change: OutletStatusChange
    convention: Convention | None = None
    closed: list[Convention] = field(default_factory=list)


async def _open_conventions(session: AsyncSession, outlet_id: int) -> list[Convention]:
    rows = await session.scalars(
        select(Convention)
        .where(Convention.outlet_id == outlet_id, Convention.status != ConventionStatus.ENDED)
        .order_by(Convention.starts_on)
    )
    return list(rows)


async def record_decision(
    session: AsyncSession,
    caisse: Caisse,
    outlet_id: int,
    *,
    decision: str,
    effective_on: date,
    reason: str = "",
    decision_ref: str = "",
    months: int | None = None,
    decided_by_user_id: int | None = None,
) -> Decision:
    """Apply a committee decision to an outlet: status change (recorded) and its convention.

    convene / renew: a convention from `effective_on` for `months` (default: the caisse's term);
    renewing closes any open convention the day before. suspend / end: no convention covers
    `effective_on` or a later day (no payment from that day), also one that has not started yet.
    409 when the decision is not allowed now. Who may take which decision is for the caller:
    ballots (`caisse.ballots.effects`) and decisions recorded from a meeting's minutes
    (`caisse.outlets.meeting`).
    """
    if decision not in TRANSITIONS:
        raise ValidationFailed(f"decision: unknown '{decision}'; one of: {', '.join(DECISIONS)}.")
    if len(reason) > 1000 or len(decision_ref) > 200:
        raise ValidationFailed("reason is at most 1000 characters, decision_ref at most 200.")
    refuse_control_characters({"reason": reason, "decision_ref": decision_ref}, multiline={"reason"})
    sources, target = TRANSITIONS[decision]
    if months is not None and decision not in ("convene", "renew"):
        raise ValidationFailed("months: only a convene or renew decision has a term.")
    term = months if months is not None else caisse.convention_term_months
    if not 1 <= term <= MAX_TERM_MONTHS:
        raise ValidationFailed(f"months: a term is 1 to {MAX_TERM_MONTHS} months.")
    outlet = await get_outlet(session, caisse.id, outlet_id, lock=True)
    if outlet.status not in sources:
        allowed = allowed_decisions(outlet.status)
        raise Conflict(
            f"Cannot {decision} an outlet that is {outlet.status.value}; "
            f"allowed now: {', '.join(allowed) if allowed else 'none'}."
        )
    open_ones = await _open_conventions(session, outlet.id)
    # A convention stopped on its first day (suspended before it started) never covers a day.
    started = [c.starts_on for c in open_ones if c.stopped_on is None or c.stopped_on > c.starts_on]
    if decision in ("convene", "renew") and started:
        if decision == "renew" and effective_on <= max(started):
            raise ValidationFailed("effective_on: a renewal starts after the current convention started.")
        if effective_on < max(started):
            raise ValidationFailed("effective_on: before the start of the outlet's current convention.")
    change = OutletStatusChange(
        outlet_id=outlet.id,
        from_status=outlet.status,
        to_status=target,
        effective_on=effective_on,
        decision=decision,
        reason=reason.strip(),
        decision_ref=decision_ref.strip(),
        decided_by_user_id=decided_by_user_id,
    )
    session.add(change)
    await session.flush()
    outlet.status = target
    convention: Convention | None = None
    closed: list[Convention] = []
    if decision in ("convene", "renew"):
        for old in open_ones:
            old.status = ConventionStatus.ENDED
            old.stopped_on = min(old.stopped_on or effective_on, effective_on)
            closed.append(old)
        convention = Convention(
            outlet_id=outlet.id,
            caisse_id=caisse.id,
            starts_on=effective_on,
            ends_on=convention_end(effective_on, term),
            status=ConventionStatus.ACTIVE,
            created_by_change_id=change.id,
        )
        session.add(convention)
    elif decision in ("suspend", "end"):
        new_status = ConventionStatus.SUSPENDED if decision == "suspend" else ConventionStatus.ENDED
        for old in open_ones:
            old.status = new_status
            closed.append(old)
        await _stop_from(session, outlet.id, effective_on)
    await session.flush()
    return Decision(change=change, convention=convention, closed=closed)


async def _stop_from(session: AsyncSession, outlet_id: int, day: date) -> None:
    """No convention of the outlet covers `day` or any later day: each one that would is stopped
    on `day`, or on its own first day when it starts later (so it never covers a day). This also
    shortens a convention ended by a renewal that still covered the days up to the renewal."""
    for convention in await conventions_of(session, outlet_id):
        stops = convention.stopped_on
        if convention.ends_on >= day and (stops is None or stops > day):
            convention.stopped_on = max(convention.starts_on, day)


async def outlet_history(session: AsyncSession, caisse_id: int, outlet_id: int) -> list[OutletStatusChange]:
    await get_outlet(session, caisse_id, outlet_id)
    rows = await session.scalars(
        select(OutletStatusChange)
        .where(OutletStatusChange.outlet_id == outlet_id)
        .order_by(OutletStatusChange.id)
    )
    return list(rows)


async def conventions_of(session: AsyncSession, outlet_id: int) -> list[Convention]:
    rows = await session.scalars(
        select(Convention)
        .where(Convention.outlet_id == outlet_id)
        .order_by(Convention.starts_on, Convention.id)
    )
    return list(rows)


def convention_covers(on: date) -> Any:
    """A convention covering day `on`: within its term and not stopped on or before that day."""
    return and_(
        Convention.starts_on <= on,
        Convention.ends_on >= on,
        or_(Convention.stopped_on.is_(None), Convention.stopped_on > on),
    )


async def outlet_can_take_payments(session: AsyncSession, outlet_id: int, on: date) -> bool:
    """True when a convention of the outlet covers `on` and was not suspended or ended by then.

    A suspension or an end takes effect on its `effective_on` day: payments that day are refused.
    A convention ended by a renewal is followed by the renewal's own convention.
    """
    found = await session.scalar(
        select(func.count())
        .select_from(Convention)
        .where(Convention.outlet_id == outlet_id, convention_covers(on))
    )
    return bool(found)


async def conventions_due_for_renewal(
    session: AsyncSession, caisse: Caisse, today: date, *, within_days: int = RENEWAL_WINDOW_DAYS
) -> list[tuple[Convention, Outlet]]:
    """Active conventions ending between today and `within_days` days from today, soonest first."""
    rows = await session.execute(
        select(Convention, Outlet)
        .join(Outlet, Outlet.id == Convention.outlet_id)
        .where(
            Convention.caisse_id == caisse.id,
            Convention.status == ConventionStatus.ACTIVE,
            Outlet.status == OutletStatus.CONVENTIONED,
            Convention.ends_on >= today,
            Convention.ends_on <= today + timedelta(days=within_days),
        )
        .order_by(Convention.ends_on, Outlet.name)
    )
    return [(c, o) for c, o in rows]


async def current_convention(session: AsyncSession, outlet_id: int, on: date) -> Convention | None:
    return await session.scalar(
        select(Convention)
        .where(Convention.outlet_id == outlet_id, convention_covers(on))
        .order_by(Convention.starts_on.desc())
    )
