"""The audit log of personal data: every read and every change, by whom, of which fields."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.actor import Actor
from caisse.auth.models import AuditEvent
from caisse.db.base import utcnow


async def record(
    session: AsyncSession,
    *,
    actor: Actor | None,
    caisse_id: int | None,
    action: str,
    subject_type: str,
    subject_ids: Iterable[int | str],
    fields: Iterable[str] = (),
    note: str = "",
) -> None:
    """Log that `actor` did `action` (e.g. "member.read", "member.update", "member.list")
    on the given subjects. Field names only: the log must not become a copy of the data."""
    detail = json.dumps({"fields": sorted(fields), **({"note": note} if note else {})}, ensure_ascii=False)
    now = utcnow()
    rows = [
        {
            "at": now,
            "caisse_id": caisse_id,
            "actor_user_id": None if actor is None else actor.user_id,
            "action": action,
            "subject_type": subject_type,
            "subject_id": str(subject_id),
            "detail": detail,
        }
        for subject_id in subject_ids
    ]
    if rows:
        await session.execute(insert(AuditEvent), rows)


async def list_events(
    session: AsyncSession,
    *,
    caisse_id: int,
    subject_type: str | None = None,
    subject_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[AuditEvent], int]:
    """One page of the caisse's audit log, newest first, and the number of matching events."""
    conditions = [AuditEvent.caisse_id == caisse_id]
    if subject_type:
        conditions.append(AuditEvent.subject_type == subject_type)
    if subject_id:
        conditions.append(AuditEvent.subject_id == subject_id)
    total = await session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions))
    rows = await session.scalars(
        select(AuditEvent)
        .where(*conditions)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total or 0)
