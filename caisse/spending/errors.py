"""The refusals of payments and refunds, each with a stable `code` the outlet's till can act on."""

from __future__ import annotations

from caisse.errors import Conflict, DomainError


class ConventionNotActive(Conflict):
    """The outlet has no convention covering the day: it may not take the food credit."""

    code = "convention_not_active"


class PinRefused(DomainError):
    """Unknown member code, wrong PIN or no PIN: one message, so codes cannot be probed."""

    code = "pin_refused"
    status_code = 403


class PinLocked(DomainError):
    code = "pin_locked"
    status_code = 423


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
