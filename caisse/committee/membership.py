"""Seats on the committee: seat a user for a term, end a seat early, who sits when.

Terms of one user never overlap (a term that ended early stops overlapping on its `left_on`).
Seating grants the `committee` role in the caisse when the user lacks it; ending a seat leaves
the role alone (an admin withdraws roles), and only sitting members are eligible on ballots
(caisse.committee.eligibility).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import service as auth
from caisse.auth.models import Role, RoleGrant, User
from caisse.caisses.models import Caisse
from caisse.committee.eligibility import last_sitting_day
from caisse.committee.locks import lock_row
from caisse.committee.models import CommitteeMembership, SeatSource
from caisse.errors import Conflict, NotFound, ValidationFailed
from caisse.text import control_character_problems

ENDING_WINDOW_DAYS = 60
MAX_TERM_DAYS = 10 * 366


@dataclass(frozen=True)
class Seat:
    """A term and the person holding it."""

    membership: CommitteeMembership
    display_name: str
    email: str


def _invalid(problems: list[dict[str, object]]) -> ValidationFailed:
    return ValidationFailed("; ".join(f"{p['field']}: {p['message']}" for p in problems), problems)


async def find_user(session: AsyncSession, *, user_id: int | None, user_email: str | None) -> User:
    """The user named by exactly one of `user_id` and `user_email`; ValidationFailed otherwise."""
    if (user_id is None) == (user_email is None):
        raise _invalid(
            [{"field": "user_id", "message": "Name the person by user_id or by user_email (one)."}]
        )
    if user_email is not None:
        try:
            return await auth.user_by_email(session, user_email)
        except NotFound as exc:
            raise _invalid([{"field": "user_email", "message": exc.detail}]) from None
    user = await session.get(User, user_id)
    if user is None:
        raise _invalid([{"field": "user_id", "message": f"No user {user_id}."}])
    return user


def term_problems(starts_on: date, ends_on: date, source: str) -> list[dict[str, object]]:
    problems: list[dict[str, object]] = []
    if ends_on < starts_on:
        problems.append({"field": "ends_on", "message": f"The term ends before it starts ({starts_on})."})
    elif (ends_on - starts_on).days > MAX_TERM_DAYS:
        problems.append({"field": "ends_on", "message": "A term lasts at most 10 years."})
    if source not in {s.value for s in SeatSource}:
        known = ", ".join(s.value for s in SeatSource)
        problems.append({"field": "source", "message": f"Unknown source '{source}'; one of: {known}."})
    return problems


async def terms_of(session: AsyncSession, caisse_id: int, user_id: int) -> list[CommitteeMembership]:
    """Every term of the user in the caisse, oldest first."""
    rows = await session.scalars(
        select(CommitteeMembership)
        .where(CommitteeMembership.caisse_id == caisse_id, CommitteeMembership.user_id == user_id)
        .order_by(CommitteeMembership.starts_on, CommitteeMembership.id)
    )
    return list(rows)


async def seat_member(
    session: AsyncSession,
    caisse: Caisse,
    *,
    user_id: int,
    starts_on: date,
    ends_on: date,
    source: str,
    source_ref: str = "",
    note: str = "",
    by_user_id: int | None = None,
) -> CommitteeMembership:
    """Seat the user from `starts_on` to `ends_on` (both days included).

    ValidationFailed for bad dates, source or user; Conflict when another term of the user
    overlaps. Grants the `committee` role in the caisse when the user lacks it."""
    problems = term_problems(starts_on, ends_on, source)
    problems += control_character_problems({"source_ref": source_ref, "note": note}, multiline={"note"})
    if problems:
        raise _invalid(problems)
    # One writer per user: two seatings of one person cannot both pass the overlap check.
    user = await lock_row(session, User, user_id)
    if user is None:
        raise _invalid([{"field": "user_id", "message": f"No user {user_id}."}])
    if not user.is_active:
        raise _invalid([{"field": "user_id", "message": f"The account of {user.display_name} is closed."}])
    for term in await terms_of(session, caisse.id, user_id):
        last = last_sitting_day(term)
        if term.starts_on <= ends_on and starts_on <= last:
            raise Conflict(
                f"{user.display_name} already sits from {term.starts_on} to {last} (seat {term.id}): "
                "terms of one person cannot overlap; end that seat first or start after it."
            )
    seat = CommitteeMembership(
        caisse_id=caisse.id, user_id=user_id, starts_on=starts_on, ends_on=ends_on,
        source=SeatSource(source), source_ref=source_ref.strip(), note=note.strip(),
        created_by_user_id=by_user_id,
    )  # fmt: skip
    session.add(seat)
    has_role = await session.scalar(
        select(func.count()).where(
            RoleGrant.user_id == user_id, RoleGrant.caisse_id == caisse.id, RoleGrant.role == Role.COMMITTEE
        )
    )
    if not has_role:
        await auth.grant_role(session, user_id=user_id, caisse_id=caisse.id, role=Role.COMMITTEE)
    await session.flush()
    return seat


async def end_seat(
    session: AsyncSession,
    caisse: Caisse,
    membership_id: int,
    *,
    left_on: date,
    reason: str,
    by_user_id: int | None = None,
) -> CommitteeMembership:
    """End a seat before its term: the member sits until the day before `left_on`."""
    seat = await lock_row(session, CommitteeMembership, membership_id)
    if seat is None or seat.caisse_id != caisse.id:
        raise NotFound(f"No committee seat {membership_id} in this caisse.")
    if seat.left_on is not None:
        raise Conflict(f"Seat {membership_id} already ended on {seat.left_on}.")
    problems: list[dict[str, object]] = []
    if left_on < seat.starts_on:
        problems.append(
            {"field": "left_on", "message": f"The seat starts on {seat.starts_on}: leave on or after."}
        )
    elif left_on > seat.ends_on:
        problems.append(
            {"field": "left_on", "message": f"The term ends on {seat.ends_on} anyway: leave on or before it."}
        )
    if not reason.strip():
        problems.append({"field": "reason", "message": "Say why the seat ends early (resigned, moved, …)."})
    problems += control_character_problems({"reason": reason}, multiline={"reason"})
    if problems:
        raise _invalid(problems)
    seat.left_on = left_on
    seat.left_reason = reason.strip()
    seat.ended_by_user_id = by_user_id
    await session.flush()
    return seat


def _seats() -> Select[CommitteeMembership, str, str]:
    return select(CommitteeMembership, User.display_name, User.email).join(
        User, User.id == CommitteeMembership.user_id
    )


async def sitting(session: AsyncSession, caisse_id: int, on: date) -> list[Seat]:
    """The seats held on `on`, by name."""
    rows = await session.execute(
        _seats()
        .where(
            CommitteeMembership.caisse_id == caisse_id,
            CommitteeMembership.starts_on <= on,
            CommitteeMembership.ends_on >= on,
        )
        .order_by(User.display_name, CommitteeMembership.id)
    )
    seats = [Seat(m, name, email) for m, name, email in rows]
    return [s for s in seats if last_sitting_day(s.membership) >= on]


async def history(session: AsyncSession, caisse_id: int, user_id: int | None = None) -> list[Seat]:
    """Every term ever held (or to come), oldest first; one person's when `user_id` is given."""
    query = _seats().where(CommitteeMembership.caisse_id == caisse_id)
    if user_id is not None:
        query = query.where(CommitteeMembership.user_id == user_id)
    rows = await session.execute(query.order_by(CommitteeMembership.starts_on, CommitteeMembership.id))
    return [Seat(m, name, email) for m, name, email in rows]


async def ending_soon(
    session: AsyncSession, caisse_id: int, on: date, within_days: int = ENDING_WINDOW_DAYS
) -> list[Seat]:
    """Seats held on `on` whose last day falls within `within_days` days, soonest first."""
    horizon = on + timedelta(days=within_days)
    found = [s for s in await sitting(session, caisse_id, on) if last_sitting_day(s.membership) <= horizon]
    return sorted(found, key=lambda s: (last_sitting_day(s.membership), s.display_name))
