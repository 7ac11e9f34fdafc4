"""The payment's reads under lock and its writes, on the request's connection (see `statements`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from caisse.ledger.accounts import outlet_code
from caisse.ledger.models import EntryKind
from caisse.ledger.posting import Line, check_balanced
from caisse.members.models import MemberStatus
from caisse.spending import statements as sql


@dataclass(frozen=True)
class OutletAccount:
    caisse_id: int
    account_id: int
    name: str
    recorded_id: int | None  # the payment already recorded under the retry key, if any
    conventioned: bool  # a convention covers the day: the outlet may take payments


@dataclass(frozen=True)
class Holder:
    """The household paying, read with its PIN and wallet rows locked."""

    member_id: int
    status: MemberStatus
    pin_hash: str
    salt: str
    failed_attempts: int
    locked_until: datetime | None
    wallet_id: int


async def outlet_account(
    db: AsyncConnection, slug: str, outlet_id: int, key: str, day: date
) -> OutletAccount | None:
    """None when there is no such caisse, or the outlet is not one of its own."""
    params = {"slug": slug, "code": outlet_code(outlet_id), "client_key": key, "day": day}
    found = (await db.execute(sql.OUTLET_AND_KEY, params)).first()
    if found is None:
        return None
    caisse_id, account_id, name, recorded_id, conventioned = found
    return OutletAccount(caisse_id, account_id, name, recorded_id, bool(conventioned))


async def lock_holder(db: AsyncConnection, caisse_id: int, code: str) -> Holder | None:
    """None for an unknown code or a household without a PIN (nothing is locked then)."""
    params = {"caisse_id": caisse_id, "code": code}
    if db.dialect.name == "postgresql":
        found = (await db.execute(sql.HOLDER_LOCKED, params)).first()
    else:
        await db.execute(sql.SQLITE_WALLET_LOCK, {"in_caisse": caisse_id, "member_code": code})
        found = (await db.execute(sql.HOLDER, params)).first()
    return None if found is None else Holder(*found)


async def credit_available(db: AsyncConnection, wallet_id: int) -> int:
    """The wallet's credit in cents (wallets are credit-normal). Read it after `lock_holder`."""
    return -int((await db.execute(sql.BALANCE, {"account_id": wallet_id})).scalar_one())


@dataclass(frozen=True)
class Booked:
    payment_id: int
    entry_id: int


async def book(
    db: AsyncConnection,
    *,
    caisse_id: int,
    outlet_id: int,
    outlet_account_id: int,
    holder: Holder,
    amount_cents: int,
    day: date,
    paid_at: datetime,
    client_key: str,
    note: str,
    memo: str,
    user_id: int | None,
) -> Booked | None:
    """Post the PAYMENT entry (Dr wallet / Cr outlet, `amount_cents`) and the OutletPayment row.

    None when the entry's key ("pay:<outlet>:<client key>") was already posted: nothing written.
    """
    check_balanced([Line(holder.wallet_id, amount_cents), Line(outlet_account_id, -amount_cents)])
    entry = {
        "caisse_id": caisse_id, "kind": EntryKind.PAYMENT.value, "occurred_on": day, "posted_at": paid_at,
        "memo": memo, "idempotency_key": f"pay:{outlet_id}:{client_key}", "created_by_user_id": user_id,
    }  # fmt: skip
    row: dict[str, Any] = {
        "caisse_id": caisse_id, "outlet_id": outlet_id, "member_id": holder.member_id,
        "amount_cents": amount_cents, "paid_on": day, "paid_at": paid_at, "client_key": client_key,
        "note": note, "recorded_by_user_id": user_id, "refund_reason": "",
    }  # fmt: skip
    if db.dialect.name == "postgresql":
        params = {
            **row, "kind": entry["kind"], "memo": memo, "entry_key": entry["idempotency_key"],
            "user_id": user_id, "wallet_id": holder.wallet_id, "outlet_account_id": outlet_account_id,
        }  # fmt: skip
        found = (await db.execute(sql.BOOK_POSTGRES, params)).first()
        return None if found is None else Booked(*found)
    entry_id = (await db.execute(sql.SQLITE_ENTRY, entry)).scalar()
    if entry_id is None:
        return None
    lines = [(holder.wallet_id, amount_cents), (outlet_account_id, -amount_cents)]
    await db.execute(
        sql.SQLITE_LINES, [{"entry_id": entry_id, "account_id": a, "amount_cents": c} for a, c in lines]
    )
    payment_id = (await db.execute(sql.SQLITE_PAYMENT, {**row, "entry_id": entry_id})).scalar_one()
    return Booked(payment_id, entry_id)
