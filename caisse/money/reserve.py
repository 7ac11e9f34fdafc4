"""The opening reserve: the money a caisse starts with (Dr fund / Cr opening), booked once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from caisse.auth.actor import Actor
from caisse.caisses.models import Caisse
from caisse.errors import Conflict
from caisse.ledger.accounts import caisse_account_id
from caisse.ledger.models import AccountKind, EntryKind, JournalEntry
from caisse.ledger.posting import Line, post_entry
from caisse.money.amounts import check_amount_cents, check_day, check_text
from caisse.periods import caisse_today


async def opening_reserve_entry(session: AsyncSession, caisse_id: int) -> JournalEntry | None:
    """The caisse's opening reserve entry still in force (not reversed), if any."""
    reversal = aliased(JournalEntry)
    return await session.scalar(
        select(JournalEntry)
        .outerjoin(reversal, reversal.reverses_entry_id == JournalEntry.id)
        .where(
            JournalEntry.caisse_id == caisse_id, JournalEntry.kind == EntryKind.OPENING, reversal.id.is_(None)
        )
    )


async def record_opening_reserve(
    session: AsyncSession,
    caisse: Caisse,
    *,
    amount_cents: int,
    received_on: date,
    memo: str = "",
    actor: Actor | None = None,
    today: date | None = None,
) -> JournalEntry:
    """Book the reserve the caisse starts with. Once only: a second one is a Conflict (reverse
    the first, with a reason, to correct it)."""
    amount_cents = check_amount_cents(amount_cents)
    check_day(
        received_on, first_month=caisse.first_month, today=today or caisse_today(), what="opening reserve"
    )
    memo = check_text(memo, field="The memo", limit=300)
    # Lock the caisse row (PostgreSQL) so two requests cannot both book "the" opening reserve.
    await session.execute(select(Caisse.id).where(Caisse.id == caisse.id).with_for_update())
    existing = await opening_reserve_entry(session, caisse.id)
    if existing is not None:
        raise Conflict(
            f"The opening reserve is already booked (entry {existing.id}); reverse it first to correct it."
        )
    posted = await post_entry(
        session,
        caisse_id=caisse.id,
        kind=EntryKind.OPENING,
        occurred_on=received_on,
        lines=[
            Line(await caisse_account_id(session, caisse.id, AccountKind.FUND), amount_cents),
            Line(await caisse_account_id(session, caisse.id, AccountKind.OPENING), -amount_cents),
        ],
        memo=memo or "Réserve d'ouverture",
        created_by_user_id=None if actor is None else actor.user_id,
    )
    return posted.entry
