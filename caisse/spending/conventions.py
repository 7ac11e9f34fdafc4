"""Why an outlet may not take the food credit on a day, in words its till can show."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.outlets.models import Convention, ConventionStatus, Outlet


async def why_not_active(session: AsyncSession, outlet_id: int, day: date) -> str:
    """The refusal of a payment at an outlet with no convention covering `day`, from its latest one."""
    latest = await session.scalar(
        select(Convention)
        .where(Convention.outlet_id == outlet_id, Convention.starts_on <= day)
        .order_by(Convention.starts_on.desc(), Convention.id.desc())
    )
    if latest is None:
        status = await session.scalar(select(Outlet.status).where(Outlet.id == outlet_id))
        reason = f"it has no convention in force (the outlet is {status.value if status else 'unknown'})"
    elif latest.stopped_on is not None and latest.stopped_on <= day:
        verb = "suspended" if latest.status is ConventionStatus.SUSPENDED else "ended"
        reason = f"{verb} from {latest.stopped_on.isoformat()}"
    else:
        reason = f"expired on {latest.ends_on.isoformat()}"
    return (
        f"This outlet's convention is not active: {reason}. It cannot take the food credit until the "
        "committee renews it."
    )
