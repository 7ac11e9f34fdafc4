"""What an outlet may still redeem: the credit it holds minus what it already asked for."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.errors import NotFound
from caisse.ledger.accounts import outlet_account_id
from caisse.ledger.balances import account_balance, natural
from caisse.ledger.models import AccountKind
from caisse.outlets.service import outlet_in_caisse
from caisse.redemptions.models import PENDING, Redemption, RedemptionStatus


@dataclass(frozen=True)
class OutletPosition:
    """In cents: `balance` is the outlet account (credit taken, not yet paid out); `pending` the
    redemptions requested or approved and not yet paid; `available` what it may still request."""

    outlet_id: int
    balance_cents: int
    requested_cents: int
    approved_cents: int

    @property
    def pending_cents(self) -> int:
        return self.requested_cents + self.approved_cents

    @property
    def available_cents(self) -> int:
        return max(self.balance_cents - self.pending_cents, 0)


async def outlet_balance(session: AsyncSession, caisse_id: int, outlet_id: int) -> int:
    """The outlet account's balance in cents, as people read it (credit it holds: 0 or more)."""
    account = await outlet_account_id(session, caisse_id, outlet_id)
    return natural(AccountKind.OUTLET, await account_balance(session, account))


async def outlet_position(session: AsyncSession, caisse_id: int, outlet_id: int) -> OutletPosition:
    """The outlet's balance and pending redemptions, in cents; 404 for an outlet of another caisse."""
    if not await outlet_in_caisse(session, caisse_id, outlet_id):
        raise NotFound(f"No outlet {outlet_id} in this caisse.")
    rows = await session.execute(
        select(Redemption.status, func.sum(Redemption.amount_cents))
        .where(
            Redemption.caisse_id == caisse_id,
            Redemption.outlet_id == outlet_id,
            Redemption.status.in_(PENDING),
        )
        .group_by(Redemption.status)
    )
    sums = {status: int(total) for status, total in rows}
    return OutletPosition(
        outlet_id=outlet_id,
        balance_cents=await outlet_balance(session, caisse_id, outlet_id),
        requested_cents=sums.get(RedemptionStatus.REQUESTED, 0),
        approved_cents=sums.get(RedemptionStatus.APPROVED, 0),
    )
