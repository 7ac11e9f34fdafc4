"""Pages for the caisse's staff, under `/c/{slug}/gestion`: the dashboard, households (list, search,
detail, edit, status, CSV import) and the month close in `people`; contribution payments and arrears,
subsidies, redemptions with their payout files and reports in `money`."""

from litestar.handlers import HTTPRouteHandler

from web.pages.menu import MenuLink
from web.pages.staff import money, people

HANDLERS: list[HTTPRouteHandler] = [*people.HANDLERS, *money.HANDLERS]
MENU: list[MenuLink] = [*people.MENU, *money.MENU]
