"""Pages for a member household, under `/c/{slug}/mon-compte`: its food credit and when it lapses,
the history of its wallet, its contribution and how it is computed, a printable yearly statement,
and changing its PIN. Each page shows the caller's own household only."""

from litestar.handlers import HTTPRouteHandler

from caisse.auth.models import Role
from web.i18n import N_
from web.pages.member import account, contribution, pin, statement
from web.pages.menu import MenuLink

HANDLERS: list[HTTPRouteHandler] = [
    account.account,
    account.history,
    contribution.contribution,
    statement.yearly_statement,
    pin.pin_form,
    pin.change_pin,
]
MENU: list[MenuLink] = [
    MenuLink(Role.MEMBER, N_("My food credit"), "mon-compte"),
    MenuLink(Role.MEMBER, N_("My history"), "mon-compte/historique"),
    MenuLink(Role.MEMBER, N_("My contribution"), "mon-compte/cotisation"),
    MenuLink(Role.MEMBER, N_("My yearly statement"), "mon-compte/releve"),
    MenuLink(Role.MEMBER, N_("My PIN"), "mon-compte/code-secret"),
]
