"""Declared links to outlets (conflicts of interest): declare, withdraw, list.

A standing link recuses its holder from the outlet's ballots (caisse.committee.eligibility).
A committee member declares their own links; staff may record one for them, and only staff may
date a withdrawal in the past (a member could otherwise undo a recusal after the fact).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import Role, RoleGrant, User
from caisse.caisses.models import Caisse
from caisse.committee.locks import lock_row
from caisse.committee.models import CommitteeMembership, DeclaredLink, LinkNature
from caisse.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from caisse.outlets.models import Outlet
from caisse.text import control_character_problems


@dataclass(frozen=True)
class LinkRow:
    link: DeclaredLink
    display_name: str
    outlet_name: str


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", [{"field": field, "message": message}])


async def _is_committee(session: AsyncSession, caisse_id: int, user_id: int) -> bool:
    """Holds the committee role in the caisse, or a seat there (past, present or future)."""
    role = await session.scalar(
        select(func.count()).where(
            RoleGrant.user_id == user_id, RoleGrant.caisse_id == caisse_id, RoleGrant.role == Role.COMMITTEE
        )
    )
    if role:
        return True
    seat = await session.scalar(
        select(func.count()).where(
            CommitteeMembership.caisse_id == caisse_id, CommitteeMembership.user_id == user_id
        )
    )
    return bool(seat)


async def declare_link(
    session: AsyncSession,
    caisse: Caisse,
    *,
    user_id: int,
    outlet_id: int,
    nature: str,
    description: str,
    declared_on: date,
    today: date,
    by_user_id: int | None,
) -> DeclaredLink:
    """Record that the committee member `user_id` has a link to the outlet from `declared_on`.

    ValidationFailed (422) names the bad field; Conflict (409) when the same link already stands."""
    problems: list[dict[str, object]] = []
    if nature not in {n.value for n in LinkNature}:
        known = ", ".join(n.value for n in LinkNature)
        problems.append({"field": "nature", "message": f"Unknown nature '{nature}'; one of: {known}."})
    problems += control_character_problems({"description": description}, multiline={"description"})
    if declared_on > today:
        problems.append(
            {"field": "declared_on", "message": "A link is declared from today or an earlier day."}
        )
    outlet = await session.get(Outlet, outlet_id)
    if outlet is None or outlet.caisse_id != caisse.id:
        problems.append({"field": "outlet_id", "message": f"No outlet {outlet_id} in this caisse."})
    if not await _is_committee(session, caisse.id, user_id):
        problems.append(
            {
                "field": "user_id",
                "message": f"User {user_id} is not on this caisse's committee: seat them first.",
            }
        )
    if problems:
        raise ValidationFailed("; ".join(f"{p['field']}: {p['message']}" for p in problems), problems)
    # One writer per person, so two identical declarations cannot both pass the check below.
    await lock_row(session, User, user_id)
    standing = await session.scalar(
        select(DeclaredLink).where(
            DeclaredLink.caisse_id == caisse.id,
            DeclaredLink.user_id == user_id,
            DeclaredLink.outlet_id == outlet_id,
            or_(DeclaredLink.withdrawn_on.is_(None), DeclaredLink.withdrawn_on > declared_on),
        )
    )
    if standing is not None:
        raise Conflict(
            f"A link to this outlet is already declared (link {standing.id}, from {standing.declared_on}): "
            "withdraw it first to declare another."
        )
    link = DeclaredLink(
        caisse_id=caisse.id, user_id=user_id, outlet_id=outlet_id, nature=LinkNature(nature),
        description=description.strip(), declared_on=declared_on, recorded_by_user_id=by_user_id,
    )  # fmt: skip
    session.add(link)
    await session.flush()
    return link


async def withdraw_link(
    session: AsyncSession,
    caisse: Caisse,
    link_id: int,
    *,
    withdrawn_on: date,
    today: date,
    own_user_id: int | None,
) -> DeclaredLink:
    """End a link on `withdrawn_on` (no recusal from that day). `own_user_id`: the caller acts as
    the member themself, who may withdraw only their own links and not from a past day."""
    link = await lock_row(session, DeclaredLink, link_id)
    if link is None or link.caisse_id != caisse.id:
        raise NotFound(f"No declared link {link_id} in this caisse.")
    if own_user_id is not None and link.user_id != own_user_id:
        raise PermissionDenied("A committee member withdraws only their own links; staff withdraw others'.")
    if link.withdrawn_on is not None:
        raise Conflict(f"Link {link_id} was already withdrawn on {link.withdrawn_on}.")
    if withdrawn_on < link.declared_on:
        raise _invalid(
            "withdrawn_on", f"The link was declared on {link.declared_on}: withdraw it on or after."
        )
    if own_user_id is not None and withdrawn_on < today:
        raise _invalid("withdrawn_on", "A link that ended on a past day is withdrawn by staff.")
    link.withdrawn_on = withdrawn_on
    await session.flush()
    return link


async def list_links(
    session: AsyncSession,
    caisse_id: int,
    *,
    outlet_id: int | None = None,
    user_id: int | None = None,
    standing_on: date | None = None,
) -> list[LinkRow]:
    """Links of the caisse by outlet name then person; only those standing on `standing_on`
    when it is given."""
    query = (
        select(DeclaredLink, User.display_name, Outlet.name)
        .join(User, User.id == DeclaredLink.user_id)
        .join(Outlet, Outlet.id == DeclaredLink.outlet_id)
        .where(DeclaredLink.caisse_id == caisse_id)
    )
    if outlet_id is not None:
        query = query.where(DeclaredLink.outlet_id == outlet_id)
    if user_id is not None:
        query = query.where(DeclaredLink.user_id == user_id)
    if standing_on is not None:
        query = query.where(
            DeclaredLink.declared_on <= standing_on,
            or_(DeclaredLink.withdrawn_on.is_(None), DeclaredLink.withdrawn_on > standing_on),
        )
    rows = await session.execute(query.order_by(Outlet.name, User.display_name, DeclaredLink.id))
    return [LinkRow(link, name, outlet) for link, name, outlet in rows]
