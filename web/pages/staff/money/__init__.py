"""The staff's money pages: contribution payments and arrears, subsidies, redemptions and payout
files, reports."""

from litestar.handlers import HTTPRouteHandler

from caisse.auth.models import Role
from web.i18n import N_
from web.pages.menu import MenuLink
from web.pages.staff.money import contributions

HANDLERS: list[HTTPRouteHandler] = [
    contributions.contributions,
    contributions.record_payment,
    contributions.arrears_csv,
]
MENU: list[MenuLink] = [
    MenuLink(Role.STAFF, N_("Contributions"), "gestion/cotisations"),
]
