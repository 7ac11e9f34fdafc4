"""Spending the food credit: payments at conventioned outlets, by member code and PIN, and refunds."""

from caisse.spending.models import MemberPin, OutletPayment, OutletPinFailure
from caisse.spending.pauses import MAX_WRONG_PINS, PAUSE_WINDOW, lift_pause, till_pause
from caisse.spending.payments import MAX_PAYMENT_CENTS, record_outlet_payment
from caisse.spending.pins import MAX_FAILED_PINS, PIN_LOCK, pin_state, set_pin
from caisse.spending.queries import PaymentRow, get_payment, list_payments
from caisse.spending.refunds import refund_outlet_payment

__all__ = [
    "MAX_FAILED_PINS",
    "MAX_PAYMENT_CENTS",
    "MAX_WRONG_PINS",
    "PAUSE_WINDOW",
    "PIN_LOCK",
    "MemberPin",
    "OutletPayment",
    "OutletPinFailure",
    "PaymentRow",
    "get_payment",
    "lift_pause",
    "list_payments",
    "pin_state",
    "record_outlet_payment",
    "refund_outlet_payment",
    "set_pin",
    "till_pause",
]
