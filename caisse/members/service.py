"""Reading, searching and changing households; registering them is in `registration`.

Every function takes the caller's `actor` (None for the command line and the demo) and records each
read and change of personal data in the audit log (`caisse.auth.audit`). Money is in cents; `today`
defaults to the server's date and is a parameter so that tests and the demo can fix it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import audit
from caisse.auth.actor import Actor
from caisse.auth.models import Role
from caisse.caisses.models import Caisse
from caisse.errors import Conflict, NotFound, ValidationFailed
from caisse.members.chosen import chosen_contribution_problem, contribution_scheme, first_open_month
from caisse.members.codes import normalise_code
from caisse.members.household import HOUSEHOLD_FIELDS, PERSONAL_FIELDS, FieldProblem, check_household
from caisse.members.models import Member, MemberStatus, MemberStatusChange
from caisse.members.registration import (
    CreatedMember,
    create_member,
    create_members,
    household_values,
    problems_error,
)
from caisse.members.status import refusal
from caisse.members.text import like_pattern
from caisse.periods import caisse_today

__all__ = [
    "COMPOSITION_FIELDS",
    "SELF_SERVICE_FIELDS",
    "CreatedMember",
    "change_status",
    "create_member",
    "create_members",
    "first_open_month",
    "get_member",
    "is_staff",
    "list_members",
    "read_member",
    "search_members",
    "status_history",
    "update_member",
]

COMPOSITION_FIELDS = ("adults", "others_14_plus", "children_under_14")
# What a household may change about itself; the rest (name, composition, income) goes through staff,
# who check the declaration.
SELF_SERVICE_FIELDS = frozenset({"email", "phone", "address", "chosen_contribution_cents"})
# Changed only through `change_status`, never by `update_member`.
_STATUS_FIELDS = frozenset({"status", "applied_on", "activated_on", "suspended_on", "left_on"})


def is_staff(actor: Actor | None, caisse: Caisse) -> bool:
    """Whether `actor` sees every household of the caisse: its staff and admins, superusers, and
    the command line (None), run by whoever administers the installation."""
    return actor is None or actor.has_role(caisse.slug, Role.STAFF)


# --- reading ------------------------------------------------------------------------------------


async def get_member(session: AsyncSession, caisse_id: int, code: str, *, for_update: bool = False) -> Member:
    """The member with this code in the caisse (no audit: for internal use); NotFound otherwise.

    The one lookup by code: codes are read case-insensitively and trimmed ("t-000001 " is T-000001).
    """
    wanted = normalise_code(code)
    query = select(Member).where(Member.caisse_id == caisse_id, Member.code == wanted)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    member = await session.scalar(query)
    if member is None:
        raise NotFound(f"No member '{wanted}' in this caisse.")
    return member


async def status_history(session: AsyncSession, member_id: int) -> list[MemberStatusChange]:
    """The member's status changes, oldest first."""
    rows = await session.scalars(
        select(MemberStatusChange)
        .where(MemberStatusChange.member_id == member_id)
        .order_by(MemberStatusChange.effective_on, MemberStatusChange.id)
    )
    return list(rows)


async def search_members(
    session: AsyncSession,
    caisse_id: int,
    *,
    query: str | None = None,
    status: MemberStatus | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> tuple[list[Member], int]:
    """One page of members (by code) whose code, name or e-mail contains `query` — ignoring case
    and accents — optionally with one status; and how many match in all (`limit` None: all of
    them). No audit: callers that show personal data use `list_members`."""
    conditions: list[Any] = [Member.caisse_id == caisse_id]
    if query and query.strip():
        conditions.append(Member.search_text.like(like_pattern(query), escape="\\"))
    if status is not None:
        conditions.append(Member.status == status)
    total = await session.scalar(select(func.count()).select_from(Member).where(*conditions))
    rows = await session.scalars(
        select(Member).where(*conditions).order_by(Member.id).limit(limit).offset(offset)
    )
    return list(rows), int(total or 0)


async def list_members(
    session: AsyncSession,
    caisse: Caisse,
    actor: Actor | None,
    *,
    query: str | None = None,
    status: MemberStatus | None = None,
    limit: int | None = 50,
    offset: int = 0,
    note: str = "",
) -> tuple[list[Member], int]:
    """`search_members`, recording that `actor` saw the personal data of the members listed."""
    members, total = await search_members(
        session, caisse.id, query=query, status=status, limit=limit, offset=offset
    )
    await audit.record(
        session, actor=actor, caisse_id=caisse.id, action="member.list", subject_type="member",
        subject_ids=[m.id for m in members], fields=PERSONAL_FIELDS, note=note,
    )
    return members, total


async def read_member(session: AsyncSession, caisse: Caisse, member: Member, actor: Actor | None) -> Member:
    """Record that `actor` read the member's personal data; returns the member."""
    await audit.record(
        session, actor=actor, caisse_id=caisse.id, action="member.read", subject_type="member",
        subject_ids=[member.id], fields=PERSONAL_FIELDS,
    )
    return member


# --- changing -----------------------------------------------------------------------------------


async def update_member(
    session: AsyncSession,
    caisse: Caisse,
    member: Member,
    changes: Mapping[str, Any],
    *,
    actor: Actor | None = None,
    today: date | None = None,
) -> list[str]:
    """Change a household's contact, composition, income or chosen contribution (cents).

    `changes` maps Household field names to new values (None clears an optional field). A new
    income without a declaration date is dated `today`. Status and its dates change only through
    `change_status`. Returns the names of the fields that really changed (audited as
    "member.update"); raises ValidationFailed naming each bad field, Conflict for an e-mail another
    household uses (naming that household only to staff).
    """
    today = today or caisse_today()
    not_here = sorted(set(changes) - (set(HOUSEHOLD_FIELDS) - _STATUS_FIELDS))
    if not_here:
        raise ValidationFailed(
            f"These cannot be changed here: {', '.join(not_here)}; "
            "the status changes through POST .../members/{code}/status."
        )
    current = household_values(member)
    merged = {**current, **changes}
    new_income = changes.get("monthly_income_cents", current["monthly_income_cents"])
    if new_income != current["monthly_income_cents"] and "income_declared_on" not in changes:
        merged["income_declared_on"] = today
    clean, problems = check_household(merged, today=today)
    # Status and its dates are not edited here: judge (and write) only the fields that are.
    problems = [p for p in problems if p.field not in _STATUS_FIELDS]
    if problems:
        raise problems_error(problems)
    changed = [f for f in HOUSEHOLD_FIELDS if f not in _STATUS_FIELDS and clean.get(f) != current[f]]
    if not changed:
        return []
    chosen = clean["chosen_contribution_cents"]
    if chosen is not None and {"chosen_contribution_cents", *COMPOSITION_FIELDS} & set(changed):
        persons = sum(clean[f] for f in COMPOSITION_FIELDS)
        why = chosen_contribution_problem(await contribution_scheme(session, caisse), chosen, persons)
        if why:
            raise problems_error([FieldProblem("chosen_contribution_cents", why)])
    if "email" in changed and clean["email"] is not None:
        other = await session.scalar(
            select(Member.code).where(
                Member.caisse_id == caisse.id, Member.email == clean["email"], Member.id != member.id
            )
        )
        if other is not None:
            if not is_staff(actor, caisse):
                # A household must not learn another's e-mail or code by trying addresses.
                raise Conflict("This e-mail address cannot be used; ask the caisse's staff.")
            raise Conflict(f"The e-mail address {clean['email']} is already used by member {other}.")
    for field in changed:
        setattr(member, field, clean[field])
    await session.flush()
    await audit.record(
        session, actor=actor, caisse_id=caisse.id, action="member.update", subject_type="member",
        subject_ids=[member.id], fields=changed,
    )
    return changed



async def change_status(
    session: AsyncSession,
    caisse: Caisse,
    member: Member,
    *,
    to: MemberStatus,
    effective_on: date | None = None,
    reason: str = "",
    actor: Actor | None = None,
    today: date | None = None,
) -> MemberStatusChange:
    """Move a household along applicant → active ⇄ suspended → left (or applicant → left).

    `effective_on` (default today) may not be in the future nor before the last change. Sets the
    date column of the new status (activated_on on first activation, suspended_on, left_on; a
    reactivation clears suspended_on) and writes a dated MemberStatusChange. Raises Conflict for a
    move the status machine does not allow, naming the moves that are.
    """
    today = today or caisse_today()
    effective_on = effective_on or today
    reason = reason.strip()
    # Re-read under a row lock (PostgreSQL) so that two changes at once apply one after the other.
    member = await get_member(session, caisse.id, member.code, for_update=True)
    why = refusal(member.status, to)
    if why:
        raise Conflict(f"{member.code}: {why}")
    if effective_on > today:
        raise ValidationFailed(
            f"effective_on {effective_on.isoformat()} is in the future; "
            "record the change on the day it happens."
        )
    if len(reason) > 500:
        raise ValidationFailed(f"The reason is too long ({len(reason)} characters, at most 500).")
    last = await session.scalar(
        select(func.max(MemberStatusChange.effective_on)).where(MemberStatusChange.member_id == member.id)
    )
    last = max(d for d in (last, member.applied_on) if d is not None)
    if effective_on < last:
        raise ValidationFailed(
            f"effective_on {effective_on.isoformat()} is before the household's last status date "
            f"({last.isoformat()}); status changes are recorded in order."
        )
    change = MemberStatusChange(
        member_id=member.id,
        from_status=member.status,
        to_status=to,
        effective_on=effective_on,
        reason=reason,
        by_user_id=None if actor is None else actor.user_id,
    )
    session.add(change)
    if to is MemberStatus.ACTIVE:
        member.activated_on = member.activated_on or effective_on
        member.suspended_on = None
    elif to is MemberStatus.SUSPENDED:
        member.suspended_on = effective_on
    else:
        member.left_on = effective_on
    member.status = to
    await session.flush()
    await audit.record(
        session, actor=actor, caisse_id=caisse.id, action="member.status", subject_type="member",
        subject_ids=[member.id], fields=["status"], note=f"{change.from_status} -> {to.value}",
    )
    return change
