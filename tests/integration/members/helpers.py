"""Households for members tests: a payload builder, a linked member user, row counts, audit rows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import service as auth
from caisse.auth.models import AuditEvent, Role
from caisse.ledger import LedgerAccount
from caisse.members.models import Member, MemberStatusChange

DECLARED = date(2026, 1, 15)  # a past date, whatever day the suite runs
BASE = "/api/v1/caisses/test"

AddMember = Callable[..., Awaitable[Member]]


def household_payload(**overrides: Any) -> dict[str, Any]:
    """A valid POST /members body (amounts in euros)."""
    return {
        "reference_person": "Awa Diallo",
        "email": "awa@example.org",
        "phone": "06 12 34 56 78",
        "address": "3 rue des Lilas, 09000 Foix",
        "adults": 2,
        "others_14_plus": 0,
        "children_under_14": 1,
        "monthly_income": "1234.56",
        "income_declared_on": DECLARED.isoformat(),
        **overrides,
    }


async def link_member_user(db: AsyncSession, world: Any, member: Member) -> None:
    """Make the world's "member" user the given household."""
    await auth.grant_role(
        db, user_id=world.user_ids["member"], caisse_id=member.caisse_id, role=Role.MEMBER,
        member_id=member.id,
    )
    await db.commit()


async def row_counts(db: AsyncSession) -> dict[str, int]:
    """What a refused request must leave untouched."""
    counts = {}
    for model in (Member, MemberStatusChange, LedgerAccount, AuditEvent):
        counts[model.__name__] = int(await db.scalar(select(func.count()).select_from(model)) or 0)
    return counts


async def audit_events(db: AsyncSession, action: str) -> list[AuditEvent]:
    rows = await db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
    return list(rows)
