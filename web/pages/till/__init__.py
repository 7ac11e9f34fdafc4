"""Pages for an outlet (phone first), under `/c/{slug}/mon-lieu`."""

from litestar.handlers import HTTPRouteHandler

from web.pages.menu import MenuLink

HANDLERS: list[HTTPRouteHandler] = []
MENU: list[MenuLink] = []
