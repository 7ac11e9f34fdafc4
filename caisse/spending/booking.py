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
    paused_until: datetime | None  # the end of its latest pause after wrong PINs (see `pauses`)


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


def _outlet(found: Any) -> OutletAccount:
    return OutletAccount(
        found.caisse_id, found.id, found.name, found.recorded_id, bool(found.conventioned), found.paused_until
    )


async def outlet_account(
    db: AsyncConnection, slug: str, outlet_id: int, key: str, day: date
) -> OutletAccount | None:
    """None when there is no such caisse, or the outlet is not one of its own."""
    params = {"slug": slug, "code": outlet_code(outlet_id), "client_key": key, "day": day}
    found = (await db.execute(sql.OUTLET_AND_KEY, params)).first()
    return None if found is None else _outlet(found)


async def lock_holder(db: AsyncConnection, caisse_id: int, code: str) -> Holder | None:
    """None for an unknown code or a household without a PIN (nothing is locked then). SQLite."""
    await db.execute(sql.SQLITE_WALLET_LOCK, {"in_caisse": caisse_id, "member_code": code})
    found = (await db.execute(sql.HOLDER, {"caisse_id": caisse_id, "code": code})).first()
    return None if found is None else Holder(*found)


async def outlet_and_holder(
    db: AsyncConnection, slug: str, outlet_id: int, key: str, day: date, code: str
) -> tuple[OutletAccount | None, Holder | None]:
    """The outlet (None: no such outlet in the caisse) and, when it may take this payment (no payment
    recorded under the key yet, a convention covering the day), the household paying with its PIN
    and wallet rows locked (None: unknown code or no PIN). On PostgreSQL one statement, which may
    lock the wallet for a payment then refused; the refusal's rollback releases it."""
    if db.dialect.name == "postgresql":
        params = {
            "slug": slug, "code": outlet_code(outlet_id), "client_key": key, "day": day, "member_code": code,
        }  # fmt: skip
        found = (await db.execute(sql.OUTLET_AND_HOLDER, params)).first()
        if found is not None:
            holder = Holder(
                found.member_id, found.status, found.pin_hash, found.salt, found.failed_attempts,
                found.locked_until, found.wallet_id,
            )  # fmt: skip
            return _outlet(found), holder
    outlet = await outlet_account(db, slug, outlet_id, key, day)
    if outlet is None or outlet.recorded_id is not None or not outlet.conventioned:
        return outlet, None
    if db.dialect.name == "postgresql":  # the household is unknown or has no PIN
        return outlet, None
    return outlet, await lock_holder(db, outlet.caisse_id, code)


@dataclass(frozen=True)
class Booked:
    payment_id: int
    entry_id: int


@dataclass(frozen=True)
class Booking:
    """What `book` found and did: the wallet's credit before the payment, in cents, and the payment
    booked (None when the credit fell short, or when the key was already posted)."""

    available_cents: int
    booked: Booked | None


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
) -> Booking:
    """If the wallet's credit covers `amount_cents`, post the PAYMENT entry (Dr wallet / Cr outlet)
    and the OutletPayment row. Call it with the wallet locked (`outlet_and_holder`).

    Nothing is written when the credit falls short, or when the entry's key
    ("pay:<outlet>:<client key>") was already posted.
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
        available, payment_id, entry_id = (await db.execute(sql.BOOK_POSTGRES, params)).one()
        booked = None if payment_id is None else Booked(payment_id, entry_id)
        return Booking(int(available), booked)
    available = -int((await db.execute(sql.BALANCE, {"account_id": holder.wallet_id})).scalar_one())
    if amount_cents > available:
        return Booking(available, None)
    entry_id = (await db.execute(sql.SQLITE_ENTRY, entry)).scalar()
    if entry_id is None:
        return Booking(available, None)
    lines = [(holder.wallet_id, amount_cents), (outlet_account_id, -amount_cents)]
    await db.execute(
        sql.SQLITE_LINES, [{"entry_id": entry_id, "account_id": a, "amount_cents": c} for a, c in lines]
    )
    payment_id = (await db.execute(sql.SQLITE_PAYMENT, {**row, "entry_id": entry_id})).scalar_one()
    return Booking(available, Booked(payment_id, entry_id))
