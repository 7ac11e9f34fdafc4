"""Request and response bodies of payments at outlets, refunds and PINs.

Amounts are integer cents, as everywhere in the API (`amount_cents: 1250` is 12.50 €).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from caisse.spending.pauses import MAX_WRONG_PINS, PAUSE_WINDOW, TillPause
from caisse.spending.payments import MAX_KEY, MAX_PAYMENT_CENTS, MIN_KEY
from caisse.spending.pins import PinState
from caisse.spending.queries import PaymentRow

Pin = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4,6}$", description="4 to 6 digits, as a string.")]


class OutletPaymentRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A payment typed at the outlet's till. Resend it with the same `idempotency_key` when the
    answer was lost: it is recorded once."""

    member_code: Annotated[str, msgspec.Meta(min_length=1, max_length=20, examples=["SA-000042"])]
    pin: Pin
    amount_cents: Annotated[
        int,
        msgspec.Meta(gt=0, le=MAX_PAYMENT_CENTS, description="Integer cents, more than 0: 1250 is 12.50 €."),
    ]
    idempotency_key: Annotated[
        str,
        msgspec.Meta(
            min_length=MIN_KEY,
            max_length=MAX_KEY,
            pattern=r"^[\x21-\x7e]+$",
            description="Made by the till for each new payment (e.g. a UUID); resent unchanged on retry.",
        ),
    ]
    note: Annotated[str, msgspec.Meta(max_length=200)] = ""


class OutletPaymentView(msgspec.Struct, frozen=True, kw_only=True):
    """A payment at an outlet. No name: the household is its member code."""

    id: int
    outlet_id: int
    outlet_name: str
    member_code: str
    amount_cents: int
    paid_on: date
    paid_at: datetime
    note: str
    entry_id: int
    refunded: bool
    refunded_on: date | None
    refund_entry_id: int | None
    refund_reason: str

    @classmethod
    def of(cls, row: PaymentRow) -> OutletPaymentView:
        return cls(
            id=row.id,
            outlet_id=row.outlet_id,
            outlet_name=row.outlet_name,
            member_code=row.member_code,
            amount_cents=row.amount_cents,
            paid_on=row.paid_on,
            paid_at=row.paid_at,
            note=row.note,
            entry_id=row.entry_id,
            refunded=row.refund_entry_id is not None,
            refunded_on=row.refunded_on,
            refund_entry_id=row.refund_entry_id,
            refund_reason=row.refund_reason,
        )


class RefundRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=200)] = ""


class PinRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A new PIN: 4 to 6 digits, neither one digit repeated nor digits in a row (1234, 4321)."""

    pin: Pin


class PinView(msgspec.Struct, frozen=True, kw_only=True):
    """Whether the household has a PIN and whether it is locked; never the PIN."""

    member_code: str
    is_set: bool
    set_at: datetime | None
    failed_attempts: int
    locked_until: datetime | None

    @classmethod
    def of(cls, state: PinState) -> PinView:
        return cls(
            member_code=state.member_code,
            is_set=state.is_set,
            set_at=state.set_at,
            failed_attempts=state.failed_attempts,
            locked_until=state.locked_until,
        )


class TillPauseView(msgspec.Struct, frozen=True, kw_only=True):
    """Whether the outlet's payments are paused after too many wrong PINs; never a PIN."""

    outlet_id: int
    paused: bool
    paused_until: datetime | None
    wrong_pins_in_window: int
    max_wrong_pins: int
    window_minutes: int

    @classmethod
    def of(cls, pause: TillPause) -> TillPauseView:
        return cls(
            outlet_id=pause.outlet_id,
            paused=pause.paused_until is not None,
            paused_until=pause.paused_until,
            wrong_pins_in_window=pause.wrong_pins_in_window,
            max_wrong_pins=MAX_WRONG_PINS,
            window_minutes=int(PAUSE_WINDOW.total_seconds() // 60),
        )
