"""Spending the food credit: payments at conventioned outlets, by member code and PIN, and refunds."""

from caisse.spending.models import MemberPin, OutletPayment
from caisse.spending.payments import MAX_PAYMENT_CENTS, record_outlet_payment
from caisse.spending.pins import MAX_FAILED_PINS, PIN_LOCK, pin_state, set_pin
from caisse.spending.queries import PaymentRow, get_payment, list_payments
from caisse.spending.refunds import refund_outlet_payment

__all__ = [
    "MAX_FAILED_PINS",
    "MAX_PAYMENT_CENTS",
    "PIN_LOCK",
    "MemberPin",
    "OutletPayment",
    "PaymentRow",
    "get_payment",
    "list_payments",
    "pin_state",
    "record_outlet_payment",
    "refund_outlet_payment",
    "set_pin",
]
