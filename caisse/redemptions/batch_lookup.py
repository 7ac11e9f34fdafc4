"""Finding and reading payout batches: by id or reference, page by page, and the transfers each sent."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.errors import NotFound
from caisse.pagination import check_window
from caisse.redemptions import sepa
from caisse.redemptions.models import PayoutBatch, Redemption


async def get_batch(session: AsyncSession, caisse_id: int, batch: int | str) -> PayoutBatch:
    """A batch of the caisse by id (int) or reference (str, e.g. VIR-2027-03-0001)."""
    query = select(PayoutBatch).where(PayoutBatch.caisse_id == caisse_id)
    if isinstance(batch, int) and not isinstance(batch, bool):
        query = query.where(PayoutBatch.id == batch)
    elif str(batch).strip().isdigit():
        query = query.where(PayoutBatch.id == int(str(batch).strip()))
    else:
        query = query.where(PayoutBatch.reference == str(batch).strip().upper())
    found = await session.scalar(query)
    if found is None:
        raise NotFound(f"No payout batch {batch} in this caisse.")
    return found


async def list_batches(
    session: AsyncSession, caisse_id: int, *, limit: int = 50, offset: int = 0
) -> tuple[list[PayoutBatch], int]:
    """One page of the caisse's payout batches, newest first."""
    check_window(limit, offset)
    total = await session.scalar(
        select(func.count()).select_from(PayoutBatch).where(PayoutBatch.caisse_id == caisse_id)
    )
    rows = await session.scalars(
        select(PayoutBatch)
        .where(PayoutBatch.caisse_id == caisse_id)
        .order_by(PayoutBatch.created_at.desc(), PayoutBatch.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total or 0)


def transfers_of(batch: PayoutBatch) -> list[sepa.PaidTransfer]:
    """The transfers a batch sent, as written in its CSV."""
    return sepa.read_payouts_csv(batch.payouts_csv)


async def outlet_ids_of(session: AsyncSession, batch: PayoutBatch) -> list[int]:
    """The outlets a batch paid (for the audit log of downloads: the files carry their IBANs)."""
    return sorted(
        set(await session.scalars(select(Redemption.outlet_id).where(Redemption.batch_id == batch.id)))
    )
