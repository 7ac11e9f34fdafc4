"""An outlet asks to turn the credit it took into euros (reconversion), or withdraws its request.

What it may ask for is what its account holds minus what it has already asked for and not been
paid (requested or approved). Suspended or ended outlets may still redeem what they took while
conventioned: the status of the outlet does not matter here, only its balance.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.amounts import format_euros
from caisse.caisses.models import Caisse
from caisse.errors import Conflict, InsufficientCredit, NotFound, ValidationFailed
from caisse.money.amounts import check_amount_cents, check_idempotency_key, check_text
from caisse.money.booking import Recorded
from caisse.outlets.models import Outlet
from caisse.pagination import check_window
from caisse.redemptions.changes import move, record_changes
from caisse.redemptions.locks import lock_outlet
from caisse.redemptions.models import PayoutBatch, Redemption, RedemptionStatus
from caisse.redemptions.position import outlet_position


def missing_bank_details(outlet: Outlet) -> list[str]:
    return [name for name, value in (("IBAN", outlet.iban), ("BIC", outlet.bic)) if not value]


def _key_taken(key: str) -> Conflict:
    return Conflict(
        f"The idempotency key '{key}' already recorded a different redemption request; "
        "use a new key for a new request."
    )


async def request_redemption(
    session: AsyncSession,
    caisse: Caisse,
    *,
    outlet_id: int,
    amount_cents: int | None = None,
    all_available: bool = False,
    note: str = "",
    idempotency_key: str | None = None,
    by_user_id: int | None = None,
) -> Recorded[Redemption]:
    """Ask to redeem `amount_cents` (cents, more than 0) of the outlet's credit, or all it may.

    InsufficientCredit (409) when the amount is more than available, or nothing is; Conflict
    when the outlet has no IBAN or BIC on file. With an `idempotency_key` already used, nothing
    is written and the first request is returned (`created=False`).
    """
    if (amount_cents is None) == (not all_available):
        raise ValidationFailed(
            "Give either an amount (amount_cents) or all_available=true, not both and not neither.",
            [{"field": "amount_cents", "message": "Give an amount, or ask for all that is available."}],
        )
    if amount_cents is not None:
        amount_cents = check_amount_cents(amount_cents)
    note = check_text(note, field="The note", limit=300)
    key = check_idempotency_key(idempotency_key)
    outlet = await lock_outlet(session, caisse.id, outlet_id)
    if key is not None:
        existing = await session.scalar(
            select(Redemption).where(Redemption.caisse_id == caisse.id, Redemption.idempotency_key == key)
        )
        if existing is not None:
            same = existing.outlet_id == outlet.id and (
                all_available or existing.amount_cents == amount_cents
            )
            if not same:
                raise _key_taken(key)
            return Recorded(existing, created=False)
    missing = missing_bank_details(outlet)
    if missing:
        raise Conflict(
            f"{outlet.name} has no {' or '.join(missing)} on file: add the outlet's bank details "
            "(IBAN and BIC) first, then ask for the redemption."
        )
    position = await outlet_position(session, caisse.id, outlet.id)
    available = position.available_cents
    pending = (
        f" ({format_euros(position.pending_cents)} of its {format_euros(position.balance_cents)} "
        "already requested or approved)"
        if position.pending_cents
        else ""
    )
    if available == 0:
        raise InsufficientCredit(f"{outlet.name} has no credit to redeem{pending}.")
    amount = available if amount_cents is None else amount_cents
    if amount > available:
        raise InsufficientCredit(
            f"{outlet.name} may redeem at most {format_euros(available)}{pending}; "
            f"{format_euros(amount)} were asked."
        )
    redemption = Redemption(
        caisse_id=caisse.id,
        outlet_id=outlet.id,
        amount_cents=amount,
        status=RedemptionStatus.REQUESTED,
        note=note,
        requested_by_user_id=by_user_id,
        idempotency_key=key,
    )
    try:
        # The key is unique per caisse: a request with the same key for another outlet, made at
        # the same moment, holds another outlet's lock and is only stopped by the constraint.
        async with session.begin_nested():
            session.add(redemption)
            await session.flush()
    except IntegrityError:
        if key is None:
            raise
        raise _key_taken(key) from None
    await record_changes(
        session,
        [redemption.id],
        from_status=None,
        to_status=RedemptionStatus.REQUESTED,
        by_user_id=by_user_id,
    )
    return Recorded(redemption, created=True)


async def cancel_redemption(
    session: AsyncSession, caisse_id: int, redemption_id: int, *, by_user_id: int | None
) -> Redemption:
    """The outlet withdraws a request not yet decided (Conflict once approved, rejected or paid)."""
    redemption = await get_redemption(session, caisse_id, redemption_id)
    return await move(
        session,
        redemption,
        from_status=RedemptionStatus.REQUESTED,
        to_status=RedemptionStatus.CANCELLED,
        by_user_id=by_user_id,
    )


async def get_redemption(session: AsyncSession, caisse_id: int, redemption_id: int) -> Redemption:
    found = await session.scalar(
        select(Redemption).where(Redemption.id == redemption_id, Redemption.caisse_id == caisse_id)
    )
    if found is None:
        raise NotFound(f"No redemption {redemption_id} in this caisse.")
    return found


@dataclass(frozen=True)
class RedemptionRow:
    redemption: Redemption
    outlet_name: str
    batch_reference: str | None


def redemption_status(value: RedemptionStatus | str) -> RedemptionStatus:
    try:
        return RedemptionStatus(value)
    except ValueError:
        known = ", ".join(s.value for s in RedemptionStatus)
        raise ValidationFailed(f"Unknown redemption status '{value}'; use one of: {known}.") from None


async def list_redemptions(
    session: AsyncSession,
    caisse_id: int,
    *,
    status: RedemptionStatus | str | None = None,
    outlet_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[RedemptionRow], int]:
    """One page of the caisse's redemptions, newest first, optionally of one status or outlet."""
    check_window(limit, offset)
    conditions = [Redemption.caisse_id == caisse_id]
    if status is not None:
        conditions.append(Redemption.status == redemption_status(status))
    if outlet_id is not None:
        conditions.append(Redemption.outlet_id == outlet_id)
    total = await session.scalar(select(func.count()).select_from(Redemption).where(*conditions))
    rows = await session.execute(
        select(Redemption, Outlet.name, PayoutBatch.reference)
        .join(Outlet, Outlet.id == Redemption.outlet_id)
        .outerjoin(PayoutBatch, PayoutBatch.id == Redemption.batch_id)
        .where(*conditions)
        .order_by(Redemption.requested_at.desc(), Redemption.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [RedemptionRow(r, name, ref) for r, name, ref in rows], int(total or 0)


async def redemption_row(session: AsyncSession, redemption: Redemption) -> RedemptionRow:
    name = await session.scalar(select(Outlet.name).where(Outlet.id == redemption.outlet_id))
    reference = (
        None
        if redemption.batch_id is None
        else await session.scalar(select(PayoutBatch.reference).where(PayoutBatch.id == redemption.batch_id))
    )
    return RedemptionRow(redemption, name or "", reference)
