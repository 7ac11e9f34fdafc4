"""Operating costs (salaries, rent, bank fees...): Dr costs / Cr fund."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.actor import Actor
from caisse.caisses.models import Caisse
from caisse.ledger.accounts import caisse_account_id
from caisse.ledger.browse import reversed_by
from caisse.ledger.models import AccountKind, EntryKind
from caisse.ledger.posting import Line
from caisse.money.amounts import check_amount_cents, check_day, check_text
from caisse.money.booking import Recorded, post_keyed, record_for_entry, same_or_conflict
from caisse.money.models import OperatingCost
from caisse.pagination import check_window
from caisse.periods import caisse_today


async def record_operating_cost(
    session: AsyncSession,
    caisse: Caisse,
    *,
    category: str,
    amount_cents: int,
    paid_on: date,
    reference: str = "",
    idempotency_key: str | None = None,
    actor: Actor | None = None,
    today: date | None = None,
) -> Recorded[OperatingCost]:
    """Book a cost paid from the fund. `category` is free text (e.g. 'salaires', 'loyer')."""
    category = check_text(category, field="The category", limit=80, required=True)
    amount_cents = check_amount_cents(amount_cents)
    check_day(paid_on, first_month=caisse.first_month, today=today or caisse_today(), what="cost")
    reference = check_text(reference, field="The reference", limit=120)
    posted = await post_keyed(
        session,
        caisse_id=caisse.id,
        kind=EntryKind.COST,
        occurred_on=paid_on,
        lines=[
            Line(await caisse_account_id(session, caisse.id, AccountKind.COSTS), amount_cents),
            Line(await caisse_account_id(session, caisse.id, AccountKind.FUND), -amount_cents),
        ],
        memo=f"Frais {category} {reference}".strip(),
        namespace="cost",
        idempotency_key=idempotency_key,
        created_by_user_id=None if actor is None else actor.user_id,
    )
    if not posted.created:
        existing = await record_for_entry(session, OperatingCost, posted.entry.id, "cost")
        same_or_conflict(
            (existing.category, existing.amount_cents, existing.paid_on),
            (category, amount_cents, paid_on),
            "cost",
        )
        return Recorded(existing, created=False)
    cost = OperatingCost(
        caisse_id=caisse.id,
        category=category,
        amount_cents=amount_cents,
        paid_on=paid_on,
        reference=reference,
        entry_id=posted.entry.id,
    )
    session.add(cost)
    await session.flush()
    return Recorded(cost, created=True)


@dataclass(frozen=True)
class CostRow:
    cost: OperatingCost
    reversed_by_entry_id: int | None


async def list_costs(
    session: AsyncSession, caisse_id: int, *, limit: int = 50, offset: int = 0
) -> tuple[list[CostRow], int]:
    check_window(limit, offset)
    condition = OperatingCost.caisse_id == caisse_id
    total = await session.scalar(select(func.count()).select_from(OperatingCost).where(condition))
    costs = list(
        await session.scalars(
            select(OperatingCost)
            .where(condition)
            .order_by(OperatingCost.paid_on.desc(), OperatingCost.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    reversals = await reversed_by(session, [c.entry_id for c in costs])
    return [CostRow(c, reversals.get(c.entry_id)) for c in costs], int(total or 0)
