"""Registering households: checked, numbered, given their ledger accounts, all or none."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import audit
from caisse.auth.actor import Actor
from caisse.caisses.locking import lock_caisse
from caisse.caisses.models import Caisse
from caisse.errors import Conflict, ValidationFailed
from caisse.ledger import open_member_accounts
from caisse.members.chosen import chosen_contribution_problem, contribution_scheme
from caisse.members.codes import member_code, next_member_number
from caisse.members.household import HOUSEHOLD_FIELDS, FieldProblem, Household, check_household, public_name
from caisse.members.models import Member, MemberStatus, MemberStatusChange
from caisse.members.text import member_search_text
from caisse.periods import caisse_today


class CreatedMember(NamedTuple):
    id: int
    code: str


def problems_error(problems: Sequence[FieldProblem], what: str = "The household") -> ValidationFailed:
    """One 422 naming every field at fault: `{"field": "adults", "message": "..."}` per problem."""
    listed: list[dict[str, object]] = [
        {"field": public_name(p.field), "message": p.message} for p in problems
    ]
    detail = "; ".join(f"{item['field']}: {item['message']}" for item in listed)
    return ValidationFailed(f"{what} is not valid: {detail}", problems=listed)


async def create_member(
    session: AsyncSession,
    caisse: Caisse,
    *,
    reference_person: str,
    monthly_income_cents: int,
    income_declared_on: date,
    adults: int = 1,
    others_14_plus: int = 0,
    children_under_14: int = 0,
    email: str | None = None,
    phone: str | None = None,
    address: str | None = None,
    chosen_contribution_cents: int | None = None,
    status: MemberStatus = MemberStatus.APPLICANT,
    applied_on: date | None = None,
    activated_on: date | None = None,
    suspended_on: date | None = None,
    left_on: date | None = None,
    actor: Actor | None = None,
    today: date | None = None,
) -> Member:
    """Register one household and open its wallet and receivable; returns the new Member.

    Income and chosen contribution in cents per month. `applied_on` defaults to `today`; an
    "active" household's `activated_on` defaults to `applied_on`. Raises ValidationFailed (every
    bad field listed in `problems`) or Conflict (e-mail already used in the caisse).
    """
    values = {
        "reference_person": reference_person,
        "monthly_income_cents": monthly_income_cents,
        "income_declared_on": income_declared_on,
        "adults": adults,
        "others_14_plus": others_14_plus,
        "children_under_14": children_under_14,
        "email": email,
        "phone": phone,
        "address": address,
        "chosen_contribution_cents": chosen_contribution_cents,
        "status": status,
        "applied_on": applied_on,
        "activated_on": activated_on,
        "suspended_on": suspended_on,
        "left_on": left_on,
    }
    [created] = await create_members(session, caisse, [values], actor=actor, today=today)
    member = await session.get(Member, created.id)
    assert member is not None  # just inserted in this transaction
    return member


async def create_members(
    session: AsyncSession,
    caisse: Caisse,
    households: Sequence[Mapping[str, Any] | Household],
    *,
    actor: Actor | None = None,
    today: date | None = None,
    action: str = "member.create",
    reason: str = "registered",
) -> list[CreatedMember]:
    """Register many households in one go (the demo, the CSV import): all or none.

    Each item is a Household or a mapping of Household fields (money in cents). Codes follow the
    caisse's last one, in the given order. Problems raise ValidationFailed; with several
    households each problem names its position (`"item": 0` is the first).
    """
    today = today or caisse_today()
    checked: list[Household] = []
    problems: list[tuple[int, FieldProblem]] = []
    for index, item in enumerate(households):
        values = household_values(item) if isinstance(item, Household) else item
        clean, found = check_household(values, today=today)
        problems += [(index, p) for p in found]
        if not found:
            checked.append(Household(**clean))
    problems += duplicate_emails(checked) if not problems else []
    if not problems:
        await lock_caisse(session, caisse.id)
        problems += await database_problems(session, caisse, checked)
    if problems:
        if len(households) == 1:
            raise _single_household_error([p for _, p in problems])
        listed: list[dict[str, object]] = [
            {"item": i, "field": public_name(p.field), "message": p.message} for i, p in problems
        ]
        bad = len({i for i, _ in problems})
        raise ValidationFailed(
            f"{bad} of {len(households)} households are not valid; none was registered.", problems=listed
        )
    return await insert_households(session, caisse, checked, actor=actor, action=action, reason=reason)


def _single_household_error(problems: list[FieldProblem]) -> ValidationFailed | Conflict:
    if all(p.conflict for p in problems):
        return Conflict("; ".join(f"{public_name(p.field)}: {p.message}" for p in problems) + ".")
    return problems_error(problems)


def duplicate_emails(households: Sequence[Household]) -> list[tuple[int, FieldProblem]]:
    """Households of one batch sharing an e-mail address (the later ones are reported)."""
    seen: dict[str, int] = {}
    problems = []
    for index, household in enumerate(households):
        if household.email is None:
            continue
        if household.email in seen:
            message = f"{household.email} is also given for household {seen[household.email] + 1}"
            problems.append((index, FieldProblem("email", message)))
        else:
            seen[household.email] = index
    return problems


async def database_problems(
    session: AsyncSession, caisse: Caisse, households: Sequence[Household]
) -> list[tuple[int, FieldProblem]]:
    """What only the database can tell: e-mails already used in the caisse, chosen contributions
    outside the grid in force. Call with the caisse locked (`caisse.caisses.locking.lock_caisse`)."""
    problems: list[tuple[int, FieldProblem]] = []
    emails = sorted({h.email for h in households if h.email})
    taken: dict[str, str] = {}
    for start in range(0, len(emails), 500):
        rows = await session.execute(
            select(Member.email, Member.code).where(
                Member.caisse_id == caisse.id, Member.email.in_(emails[start : start + 500])
            )
        )
        taken.update({email: code for email, code in rows if email})
    for index, household in enumerate(households):
        if household.email in taken:
            message = f"{household.email} is already used by member {taken[household.email]}"
            problems.append((index, FieldProblem("email", message, conflict=True)))
    if any(h.chosen_contribution_cents is not None for h in households):
        scheme = await contribution_scheme(session, caisse)
        for index, household in enumerate(households):
            if household.chosen_contribution_cents is None:
                continue
            why = chosen_contribution_problem(scheme, household.chosen_contribution_cents, household.persons)
            if why:
                problems.append((index, FieldProblem("chosen_contribution_cents", why)))
    return problems


async def insert_households(
    session: AsyncSession,
    caisse: Caisse,
    households: Sequence[Household],
    *,
    actor: Actor | None,
    action: str,
    reason: str,
) -> list[CreatedMember]:
    """Write checked households (caisse locked, nothing left to refuse): members, their status
    history, their ledger accounts, and one audit row each."""
    if not households:
        return []
    first = await next_member_number(session, caisse)
    rows = []
    for offset, household in enumerate(households):
        code = member_code(caisse.member_code_prefix, first + offset)
        values = household_values(household)
        rows.append(
            {
                **values,
                "caisse_id": caisse.id,
                "code": code,
                "search_text": member_search_text(code, household.reference_person, household.email),
            }
        )
    # A plain executemany, then the ids read back by code: RETURNING in parameter order would make
    # SQLAlchemy insert one row at a time here (the id column carries no insert sentinel).
    await session.execute(insert(Member), rows)
    codes = [row["code"] for row in rows]
    ids: dict[str, int] = {}
    for start in range(0, len(codes), 1000):
        found = await session.execute(
            select(Member.code, Member.id).where(
                Member.caisse_id == caisse.id, Member.code.in_(codes[start : start + 1000])
            )
        )
        ids.update({code: member_id for code, member_id in found})
    created = [CreatedMember(ids[code], code) for code in codes]
    history = [
        {
            "member_id": member.id,
            "from_status": before,
            "to_status": after,
            "effective_on": day,
            "reason": reason,
            "by_user_id": None if actor is None else actor.user_id,
        }
        for member, household in zip(created, households, strict=True)
        for before, after, day in initial_history(household)
    ]
    # The ORM's bulk insert batches consecutive rows of one shape, and a None from_status gives a
    # row another shape: first rows first (stable, so each household's later steps keep their order).
    history.sort(key=lambda row: row["from_status"] is not None)
    await session.execute(insert(MemberStatusChange), history)
    await open_member_accounts(session, caisse.id, [m.id for m in created])
    given = {f for h in households for f in HOUSEHOLD_FIELDS if getattr(h, f) is not None}
    await audit.record(
        session, actor=actor, caisse_id=caisse.id, action=action, subject_type="member",
        subject_ids=[m.id for m in created], fields=given,
    )
    return created


def initial_history(household: Household) -> list[tuple[MemberStatus | None, MemberStatus, date]]:
    """The status changes a new household has been through, from its application on."""
    steps: list[tuple[MemberStatus | None, MemberStatus, date]] = [
        (None, MemberStatus.APPLICANT, household.applied_on)
    ]
    for status, day in (
        (MemberStatus.ACTIVE, household.activated_on),
        (MemberStatus.SUSPENDED, household.suspended_on),
        (MemberStatus.LEFT, household.left_on),
    ):
        if day is not None:
            steps.append((steps[-1][1], status, day))
    return steps


def household_values(source: Household | Member) -> dict[str, Any]:
    """The Household fields of a checked household or a stored member."""
    return {f: getattr(source, f) for f in HOUSEHOLD_FIELDS}
