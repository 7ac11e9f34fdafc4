"""The refusals of payments and refunds, each with a stable `code` the outlet's till can act on."""

from __future__ import annotations

from datetime import datetime

from caisse.errors import Conflict, DomainError


class ConventionNotActive(Conflict):
    """The outlet has no convention covering the day: it may not take the food credit."""

    code = "convention_not_active"


class PinRefused(DomainError):
    """Unknown member code, wrong PIN or no PIN: one message, so codes cannot be probed."""

    code = "pin_refused"
    status_code = 403


class PinLocked(DomainError):
    """Too many wrong PINs for this member code: no PIN is checked until `until`. An unknown code
    locks the same way (see `pins.refuse_without_pin`), so the lock does not tell which codes exist."""

    code = "pin_locked"
    status_code = 423

    def __init__(self, detail: str, *, until: datetime) -> None:
        super().__init__(detail)
        self.until = until


class TillPaused(DomainError):
    """The outlet typed too many wrong PINs across households: every payment it sends is refused
    until `until` or until staff lift the pause (see `pauses`)."""

    code = "till_paused"
    status_code = 429

    def __init__(self, detail: str, *, until: datetime) -> None:
        super().__init__(detail)
        self.until = until


class MemberNotActive(Conflict):
    code = "member_not_active"


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"


class RefundWindowClosed(Conflict):
    code = "refund_window_closed"


class AlreadyRefunded(Conflict):
    code = "already_refunded"


class OutletCreditInsufficient(Conflict):
    """The outlet's account no longer holds the payment (it was redeemed): no refund in credit."""

    code = "outlet_credit_insufficient"
