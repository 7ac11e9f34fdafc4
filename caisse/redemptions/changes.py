"""Status changes of redemptions: the one place a status moves, and its history (who, when, why).

A change is a conditional UPDATE (`... WHERE status = <expected>`): of two people approving the
same request at once, exactly one moves it; the other is told what happened instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.db.base import utcnow
from caisse.errors import Conflict
from caisse.redemptions.models import Redemption, RedemptionEvent, RedemptionStatus

NEXT_STEP = {
    RedemptionStatus.REQUESTED: "it is waiting for staff to approve or reject it",
    RedemptionStatus.APPROVED: "it will be paid in the next payout batch",
    RedemptionStatus.REJECTED: "it was rejected; the outlet may ask again",
    RedemptionStatus.CANCELLED: "the outlet cancelled it; it may ask again",
    RedemptionStatus.PAID: "it has been paid",
}


async def move(
    session: AsyncSession,
    redemption: Redemption,
    *,
    from_status: RedemptionStatus,
    to_status: RedemptionStatus,
    by_user_id: int | None,
    reason: str = "",
) -> Redemption:
    """Move one redemption from `from_status` to `to_status`, or raise Conflict saying where it is."""
    moved = (
        (
            await session.execute(
                update(Redemption)
                .where(Redemption.id == redemption.id, Redemption.status == from_status)
                .values(status=to_status)
                .returning(Redemption.id)
                .execution_options(synchronize_session=False)
            )
        )
        .scalars()
        .all()
    )
    await session.refresh(redemption)
    if not moved:
        raise Conflict(
            f"Redemption {redemption.id} is {redemption.status.value}, not {from_status.value}: "
            f"{NEXT_STEP[redemption.status]}."
        )
    await record_changes(
        session, [redemption.id], from_status=from_status, to_status=to_status, by_user_id=by_user_id,
        reason=reason,
    )  # fmt: skip
    return redemption


async def record_changes(
    session: AsyncSession,
    redemption_ids: Iterable[int],
    *,
    from_status: RedemptionStatus | None,
    to_status: RedemptionStatus,
    by_user_id: int | None,
    reason: str = "",
    batch_id: int | None = None,
) -> None:
    """Log the same change for several redemptions at once (`by_user_id` None: the command line)."""
    now = utcnow()
    rows = [
        {
            "redemption_id": rid,
            "from_status": from_status,
            "to_status": to_status,
            "at": now,
            "by_user_id": by_user_id,
            "reason": reason,
            "batch_id": batch_id,
        }
        for rid in redemption_ids
    ]
    if rows:
        await session.execute(insert(RedemptionEvent), rows)


async def history_of(
    session: AsyncSession, redemption_ids: Iterable[int]
) -> dict[int, list[RedemptionEvent]]:
    """Each redemption's changes, oldest first."""
    ids = list(redemption_ids)
    found: dict[int, list[RedemptionEvent]] = {rid: [] for rid in ids}
    if not ids:
        return found
    rows = await session.scalars(
        select(RedemptionEvent)
        .where(RedemptionEvent.redemption_id.in_(ids))
        .order_by(RedemptionEvent.redemption_id, RedemptionEvent.id)
    )
    for event in rows:
        found[event.redemption_id].append(event)
    return found
