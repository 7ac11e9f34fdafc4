"""Who may vote on a committee ballot, and who must stand aside."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from caisse.committee.models import CommitteeMembership, DeclaredLink


def _sitting_on(on: date) -> ColumnElement[bool]:
    # A member who left on day L last sat on L - 1.
    return and_(
        CommitteeMembership.starts_on <= on,
        CommitteeMembership.ends_on >= on,
        or_(CommitteeMembership.left_on.is_(None), CommitteeMembership.left_on > on),
    )


async def sitting_members(session: AsyncSession, caisse_id: int, on: date) -> list[int]:
    """User ids of the committee members sitting on `on`, ascending."""
    rows = await session.scalars(
        select(CommitteeMembership.user_id)
        .where(CommitteeMembership.caisse_id == caisse_id, _sitting_on(on))
        .distinct()
        .order_by(CommitteeMembership.user_id)
    )
    return list(rows)


async def is_sitting(session: AsyncSession, caisse_id: int, user_id: int, on: date) -> bool:
    found = await session.scalar(
        select(CommitteeMembership.id)
        .where(
            CommitteeMembership.caisse_id == caisse_id,
            CommitteeMembership.user_id == user_id,
            _sitting_on(on),
        )
        .limit(1)
    )
    return found is not None


async def linked_users(session: AsyncSession, outlet_id: int, on: date) -> set[int]:
    """User ids with a link to the outlet standing on `on`: they are recused from its ballots."""
    rows = await session.scalars(
        select(DeclaredLink.user_id).where(
            DeclaredLink.outlet_id == outlet_id,
            DeclaredLink.declared_on <= on,
            or_(DeclaredLink.withdrawn_on.is_(None), DeclaredLink.withdrawn_on > on),
        )
    )
    return set(rows)


async def users_linked_during(
    session: AsyncSession, outlet_id: int, first_day: date, last_day: date
) -> set[int]:
    """User ids with a link to the outlet that stood on any day from `first_day` to `last_day`, or
    that was declared in that time at all — even if withdrawn the same day (such a link never
    stands on any day, yet its holder said they have an interest in the outlet)."""
    rows = await session.scalars(
        select(DeclaredLink.user_id).where(
            DeclaredLink.outlet_id == outlet_id,
            DeclaredLink.declared_on <= last_day,
            or_(
                DeclaredLink.withdrawn_on.is_(None),
                DeclaredLink.withdrawn_on > first_day,
                DeclaredLink.declared_on >= first_day,
            ),
        )
    )
    return set(rows)


def last_sitting_day(membership: CommitteeMembership) -> date:
    """The last day the member sat (or will sit) in this term."""
    if membership.left_on is not None:
        return min(membership.ends_on, membership.left_on - timedelta(days=1))
    return membership.ends_on
