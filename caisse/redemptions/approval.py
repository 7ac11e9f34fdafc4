"""Staff decide on redemption requests: approve (to be paid in the next batch) or reject, saying why."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from caisse.amounts import format_euros
from caisse.errors import Conflict, ValidationFailed
from caisse.redemptions.changes import move
from caisse.redemptions.locks import lock_outlet
from caisse.redemptions.models import Redemption, RedemptionStatus
from caisse.redemptions.position import outlet_position
from caisse.redemptions.requests import get_redemption
from caisse.text import refuse_control_characters

MAX_REASON = 500


async def approve_redemption(
    session: AsyncSession, caisse_id: int, redemption_id: int, *, by_user_id: int | None
) -> Redemption:
    """Approve a request. Conflict when it is no longer requested (someone else decided first,
    or the outlet cancelled it), or when the outlet no longer holds enough credit to cover it and
    its other approved redemptions (a refund since the request, for instance)."""
    redemption = await get_redemption(session, caisse_id, redemption_id)
    # The outlet's lock orders this approval with its other requests and approvals.
    outlet = await lock_outlet(session, caisse_id, redemption.outlet_id)
    position = await outlet_position(session, caisse_id, outlet.id)
    await session.refresh(redemption)
    if redemption.status is RedemptionStatus.REQUESTED:
        covered = position.balance_cents - position.approved_cents
        if redemption.amount_cents > covered:
            raise Conflict(
                f"{outlet.name} holds {format_euros(position.balance_cents)}, of which "
                f"{format_euros(position.approved_cents)} already approved: it cannot cover "
                f"{format_euros(redemption.amount_cents)} more. Reject this request; the outlet may ask "
                "again for what it holds."
            )
    return await move(
        session,
        redemption,
        from_status=RedemptionStatus.REQUESTED,
        to_status=RedemptionStatus.APPROVED,
        by_user_id=by_user_id,
    )


async def reject_redemption(
    session: AsyncSession, caisse_id: int, redemption_id: int, *, reason: str, by_user_id: int | None
) -> Redemption:
    """Reject a request, with a reason the outlet will read (1 to 500 characters)."""
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise ValidationFailed(
            f"Say why the request is rejected (1 to {MAX_REASON} characters): the outlet reads it.",
            [{"field": "reason", "message": f"1 to {MAX_REASON} characters."}],
        )
    refuse_control_characters({"reason": reason}, multiline={"reason"})
    redemption = await get_redemption(session, caisse_id, redemption_id)
    return await move(
        session,
        redemption,
        from_status=RedemptionStatus.REQUESTED,
        to_status=RedemptionStatus.REJECTED,
        by_user_id=by_user_id,
        reason=reason,
    )
