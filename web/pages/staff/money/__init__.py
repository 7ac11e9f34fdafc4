"""The staff's money pages: contribution payments and arrears, subsidies, redemptions and payout
files, reports."""

from litestar.handlers import HTTPRouteHandler

from web.pages.menu import MenuLink

HANDLERS: list[HTTPRouteHandler] = []
MENU: list[MenuLink] = []
