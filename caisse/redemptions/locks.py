"""Locks that make the read-then-write steps of redemptions safe under concurrency.

PostgreSQL: `SELECT ... FOR NO KEY UPDATE` on the outlet row and its ledger account (a request, an
approval or a batch reads what the outlet holds, then writes; a refund at the outlet takes the
same lock on the account, see caisse.spending.refunds) and on the caisse row (a payout batch reads
the fund, the approved redemptions and the next reference number, then writes). NO KEY UPDATE,
unlike FOR UPDATE, does not conflict with the KEY SHARE lock a foreign-key check takes, so payments
at outlets and other postings never wait for these locks; two requests of one outlet, two payout
batches of one caisse, or a payout batch and the month close (FOR UPDATE on the caisse) do.

SQLite serialises writers, and its driver opens a transaction only at the first write: the lock
is a write that changes nothing, so everything read afterwards is current (`caisse.db.locks`).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.db.locks import lock_row
from caisse.errors import NotFound
from caisse.ledger.accounts import outlet_code
from caisse.ledger.models import LedgerAccount
from caisse.outlets.models import Outlet


async def lock_outlet(session: AsyncSession, caisse_id: int, outlet_id: int) -> Outlet:
    """The outlet of the caisse, locked until the transaction ends; 404 when unknown."""
    outlet = await lock_row(session, Outlet, Outlet.id == outlet_id, Outlet.caisse_id == caisse_id)
    if outlet is None:
        raise NotFound(f"No outlet {outlet_id} in this caisse.")
    account = (LedgerAccount.caisse_id == caisse_id, LedgerAccount.code == outlet_code(outlet_id))
    await lock_row(session, LedgerAccount, *account)
    return outlet


async def lock_caisse_for_payouts(session: AsyncSession, caisse_id: int) -> Caisse:
    """The caisse, refreshed and locked against other payout batches until the transaction ends."""
    caisse = await lock_row(session, Caisse, Caisse.id == caisse_id)
    if caisse is None:
        raise NotFound(f"No caisse with id {caisse_id}.")
    return caisse
