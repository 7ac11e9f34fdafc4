"""Pages for an outlet (phone first), under `/c/{slug}/mon-lieu`: take a payment and see its
receipt, the payment history with day totals and refunds, and redemptions of the outlet's credit."""

from litestar.handlers import HTTPRouteHandler

from caisse.auth.models import Role
from web.i18n import N_
from web.pages.menu import MenuLink
from web.pages.till import history, payment, redemption

HANDLERS: list[HTTPRouteHandler] = [
    payment.payment_form,
    payment.take_payment,
    payment.receipt,
    history.history,
    history.refund_form,
    history.refund,
    redemption.redemptions,
    redemption.ask,
]
MENU: list[MenuLink] = [
    MenuLink(Role.OUTLET, N_("Take a payment"), "mon-lieu"),
    MenuLink(Role.OUTLET, N_("Payment history"), "mon-lieu/paiements"),
    MenuLink(Role.OUTLET, N_("Redemptions"), "mon-lieu/reconversions"),
]
