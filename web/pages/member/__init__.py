"""Pages for a member household, under `/c/{slug}/mon-compte`."""

from litestar.handlers import HTTPRouteHandler

from web.pages.menu import MenuLink

HANDLERS: list[HTTPRouteHandler] = []
MENU: list[MenuLink] = []
