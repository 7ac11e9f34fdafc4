"""Reading payments at outlets: one payment, or pages of them for an outlet, a household or staff.

Rows carry the member's code and never a name: the outlet already saw the code at its counter.
Who paid where is personal, so every page read is audit-logged ("member.outlet_payments").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import audit
from caisse.auth.actor import Actor
from caisse.errors import NotFound
from caisse.members.models import Member
from caisse.outlets.models import Outlet
from caisse.pagination import check_window
from caisse.spending.models import OutletPayment


@dataclass(frozen=True)
class PaymentRow:
    """A payment as every reader sees it; amounts in cents."""

    id: int
    outlet_id: int
    outlet_name: str
    member_id: int
    member_code: str
    amount_cents: int
    paid_on: date
    paid_at: datetime
    note: str
    entry_id: int
    refund_entry_id: int | None = None
    refunded_on: date | None = None
    refund_reason: str = ""


_COLUMNS = (
    OutletPayment.id,
    OutletPayment.outlet_id,
    Outlet.name,
    OutletPayment.member_id,
    Member.code,
    OutletPayment.amount_cents,
    OutletPayment.paid_on,
    OutletPayment.paid_at,
    OutletPayment.note,
    OutletPayment.entry_id,
    OutletPayment.refund_entry_id,
    OutletPayment.refunded_on,
    OutletPayment.refund_reason,
)


def _payments() -> Any:
    return (
        select(*_COLUMNS)
        .join(Member, Member.id == OutletPayment.member_id)
        .join(Outlet, Outlet.id == OutletPayment.outlet_id)
    )


def _row(values: Any) -> PaymentRow:
    return PaymentRow(*values)


# Built once: every payment looks its key up first (see `caisse.spending.statements`).
_BY_KEY = _payments().where(
    OutletPayment.outlet_id == bindparam("outlet_id"), OutletPayment.client_key == bindparam("client_key")
)


async def find_by_key(session: AsyncSession, outlet_id: int, client_key: str) -> PaymentRow | None:
    """The payment the outlet recorded under its retry key, if any."""
    connection = await session.connection()
    found = (await connection.execute(_BY_KEY, {"outlet_id": outlet_id, "client_key": client_key})).first()
    return None if found is None else _row(found)


async def get_payment(session: AsyncSession, caisse_id: int, outlet_id: int, payment_id: int) -> PaymentRow:
    found = (
        await session.execute(
            _payments().where(
                OutletPayment.id == payment_id,
                OutletPayment.outlet_id == outlet_id,
                OutletPayment.caisse_id == caisse_id,
            )
        )
    ).first()
    if found is None:
        raise NotFound(f"No payment {payment_id} at outlet {outlet_id} in this caisse.")
    return _row(found)


async def list_payments(
    session: AsyncSession,
    caisse_id: int,
    *,
    actor: Actor | None,
    outlet_id: int | None = None,
    member_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[PaymentRow], int]:
    """One page of the caisse's payments at outlets, newest first, optionally of one outlet and/or
    one household, and the number matching. The households on the page are audit-logged. NotFound
    for an outlet not in the caisse, as for one payment: an empty page would pass it for an outlet of
    this caisse without payments."""
    check_window(limit, offset)
    if outlet_id is not None and not await session.scalar(
        select(Outlet.id).where(Outlet.id == outlet_id, Outlet.caisse_id == caisse_id)
    ):
        raise NotFound(f"No outlet {outlet_id} in this caisse.")
    where = [OutletPayment.caisse_id == caisse_id]
    if outlet_id is not None:
        where.append(OutletPayment.outlet_id == outlet_id)
    if member_id is not None:
        where.append(OutletPayment.member_id == member_id)
    total = await session.scalar(select(func.count()).select_from(OutletPayment).where(*where))
    newest_first = (OutletPayment.paid_at.desc(), OutletPayment.id.desc())
    # The page's ids first, from the payment table and its (outlet or member, paid_at) index alone;
    # then only those rows are joined to their household and outlet. Joined before the OFFSET, the
    # deep pages of a busy outlet joined and sorted every payment they skip (benchmarks/pages.md).
    page_ids = (
        select(OutletPayment.id).where(*where).order_by(*newest_first).limit(limit).offset(offset).subquery()
    )
    rows = await session.execute(
        _payments().join(page_ids, page_ids.c.id == OutletPayment.id).order_by(*newest_first)
    )
    items = [_row(r) for r in rows]
    await audit.record(
        session, actor=actor, caisse_id=caisse_id, action="member.outlet_payments", subject_type="member",
        subject_ids=sorted({p.member_id for p in items}), fields=["outlet_payments"],
        note="" if outlet_id is None else f"outlet {outlet_id}",
    )  # fmt: skip
    return items, int(total or 0)
