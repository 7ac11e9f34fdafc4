"""Pages for elected officials and funders (budget scenarios), under `/c/{slug}/simulations`."""

from litestar.handlers import HTTPRouteHandler

from web.pages.menu import MenuLink

HANDLERS: list[HTTPRouteHandler] = []
MENU: list[MenuLink] = []
