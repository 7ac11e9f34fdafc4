"""Volunteers of a draw (registration while it is open) and seating the selected.

A volunteer is a household of the caisse (member_id), a user account (user_id), or both. The
pseudonym V-0001, V-0002, … follows registration order. A household's income band is derived
from its declared income, never taken from the volunteer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import Role, RoleGrant, User
from caisse.caisses.models import Caisse
from caisse.committee.draws import dimensions_of, get_draw, volunteers_of
from caisse.committee.membership import seat_member, term_problems
from caisse.committee.models import DrawStatus, LotteryDraw, LotteryVolunteer, SeatSource
from caisse.committee.strata import INCOME_BAND, income_band, stratum_problems
from caisse.errors import Conflict, DomainError, ValidationFailed
from caisse.members.models import Member, MemberStatus


def pseudonym(number: int) -> str:
    """The public name of the `number`-th volunteer of a draw.

    >>> pseudonym(7)
    'V-0007'
    """
    return f"V-{number:04d}"


def _invalid(problems: list[dict[str, object]]) -> ValidationFailed:
    return ValidationFailed("; ".join(f"{p['field']}: {p['message']}" for p in problems), problems)


async def household_of_user(session: AsyncSession, caisse_id: int, user_id: int) -> int | None:
    """The household a user is in the caisse (their member role), if any."""
    return await session.scalar(
        select(RoleGrant.member_id).where(
            RoleGrant.user_id == user_id, RoleGrant.caisse_id == caisse_id, RoleGrant.role == Role.MEMBER
        )
    )


def _derived_stratum(
    stratum: Mapping[str, str], dimensions: Mapping[str, list[str]], member: Member | None
) -> dict[str, str]:
    clean = dict(stratum)
    if member is not None and INCOME_BAND in dimensions:
        band = income_band(member.monthly_income_cents, member.adults, member.others_14_plus,
                           member.children_under_14)  # fmt: skip
        if INCOME_BAND in clean and clean[INCOME_BAND] != band:
            message = "A household's band comes from its declared income: leave it out."
            raise _invalid([{"field": f"stratum.{INCOME_BAND}", "message": message}])
        clean[INCOME_BAND] = band
    problems = stratum_problems(clean, dimensions)
    if problems:
        raise _invalid([{"field": "stratum", "message": m} for m in problems])
    return clean


async def register_volunteer(
    session: AsyncSession,
    caisse: Caisse,
    reference: str,
    *,
    stratum: Mapping[str, str],
    member_id: int | None = None,
    user_id: int | None = None,
    now: datetime,
    by_user_id: int | None = None,
) -> LotteryVolunteer:
    """Register a household and/or a user account while the draw is open; returns the volunteer
    with its pseudonym. Conflict when closed or already registered; ValidationFailed for a bad
    stratum (a household's income band is derived)."""
    if member_id is None and user_id is None:
        raise _invalid([{"field": "member_code", "message": "Name the volunteer's household or account."}])
    # Numbering reads then writes: one registration at a time per draw.
    draw = await get_draw(session, caisse.id, reference, lock=True)
    if draw.status is not DrawStatus.ANNOUNCED or now >= draw.closes_at:
        raise Conflict(f"Registration for {draw.reference} is closed.")
    if user_id is not None:
        user = await session.get(User, user_id)
        if user is None or not user.is_active:
            raise _invalid([{"field": "user_email", "message": "No open account for this volunteer."}])
        member_id = member_id or await household_of_user(session, caisse.id, user_id)
    member = None
    if member_id is not None:
        member = await session.get(Member, member_id)
        if member is None or member.caisse_id != caisse.id:
            raise _invalid([{"field": "member_code", "message": "No such household in this caisse."}])
        if member.status is not MemberStatus.ACTIVE:
            raise Conflict(
                f"Household {member.code} is {member.status.value}: only active households volunteer."
            )
    clean = _derived_stratum(stratum, dimensions_of(draw), member)
    clash = [LotteryVolunteer.member_id == member_id] if member_id is not None else []
    clash += [LotteryVolunteer.user_id == user_id] if user_id is not None else []
    already = await session.scalar(
        select(LotteryVolunteer.pseudonym).where(LotteryVolunteer.draw_id == draw.id, or_(*clash))
    )
    if already is not None:
        raise Conflict(f"This volunteer is already registered for {draw.reference} as {already}.")
    number = (
        int(
            await session.scalar(
                select(func.coalesce(func.max(LotteryVolunteer.number), 0)).where(
                    LotteryVolunteer.draw_id == draw.id
                )
            )
            or 0
        )
        + 1
    )
    volunteer = LotteryVolunteer(
        draw_id=draw.id, number=number, pseudonym=pseudonym(number), member_id=member_id, user_id=user_id,
        stratum=json.dumps(clean, ensure_ascii=False, sort_keys=True), registered_at=now,
        registered_by_user_id=by_user_id,
    )  # fmt: skip
    session.add(volunteer)
    await session.flush()
    return volunteer


@dataclass
class SeatingReport:
    """What `seat_selected` did, by pseudonym: seated (with the seat), or why not."""

    reference: str
    seated: list[tuple[str, int, int]] = field(default_factory=list)  # (pseudonym, user_id, seat id)
    without_account: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (pseudonym, reason)


async def _account_of(session: AsyncSession, caisse_id: int, volunteer: LotteryVolunteer) -> list[int]:
    if volunteer.user_id is not None:
        return [volunteer.user_id]
    rows = await session.scalars(
        select(RoleGrant.user_id)
        .where(
            RoleGrant.caisse_id == caisse_id,
            RoleGrant.role == Role.MEMBER,
            RoleGrant.member_id == volunteer.member_id,
        )
        .order_by(RoleGrant.user_id)
    )
    return list(rows)


async def seat_selected(
    session: AsyncSession,
    caisse: Caisse,
    reference: str,
    *,
    starts_on: date,
    ends_on: date,
    note: str = "",
    by_user_id: int | None = None,
) -> SeatingReport:
    """Seat every selected volunteer who has one user account, for the term given (source
    lottery, source_ref the draw's reference). Safe to run again: seated volunteers are skipped,
    so it picks up volunteers whose account was created since."""
    problems = term_problems(starts_on, ends_on, SeatSource.LOTTERY.value)
    if problems:
        raise _invalid(problems)
    draw: LotteryDraw = await get_draw(session, caisse.id, reference, lock=True)
    if draw.status is not DrawStatus.DRAWN or draw.result is None:
        raise Conflict(f"{draw.reference} has not been drawn: there is nobody to seat yet.")
    selected = json.loads(draw.result)["selected"]
    by_pseudonym = {v.pseudonym: v for v in await volunteers_of(session, draw.id)}
    report = SeatingReport(reference=draw.reference)
    for name in selected:
        volunteer = by_pseudonym[name]
        if volunteer.membership_id is not None:
            report.skipped.append((name, f"already seated (seat {volunteer.membership_id})"))
            continue
        accounts = await _account_of(session, caisse.id, volunteer)
        if not accounts:
            report.without_account.append(name)
            continue
        if len(accounts) > 1:
            report.skipped.append((name, "the household has several accounts: seat the right one by hand"))
            continue
        try:
            seat = await seat_member(
                session, caisse, user_id=accounts[0], starts_on=starts_on, ends_on=ends_on,
                source=SeatSource.LOTTERY.value, source_ref=draw.reference, note=note, by_user_id=by_user_id,
            )  # fmt: skip
        except DomainError as exc:  # an overlapping term, a closed account: that person only
            report.skipped.append((name, exc.detail))
            continue
        volunteer.membership_id = seat.id
        report.seated.append((name, accounts[0], seat.id))
    await session.flush()
    return report
