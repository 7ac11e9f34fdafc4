"""Pages for the citizen committee, under `/c/{slug}/comite`."""

from litestar.handlers import HTTPRouteHandler

from web.pages.menu import MenuLink

HANDLERS: list[HTTPRouteHandler] = []
MENU: list[MenuLink] = []
