"""Pages for the caisse's staff, under `/c/{slug}/gestion`."""

from litestar.handlers import HTTPRouteHandler

from web.pages.menu import MenuLink

HANDLERS: list[HTTPRouteHandler] = []
MENU: list[MenuLink] = []
