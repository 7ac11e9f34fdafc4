"""Pages for the citizen committee, under `/c/{slug}/comite`: ballots (vote with a receipt, close
and publish, check a receipt), opening a ballot, the outlets before the committee with their
criteria grid and the members' assessments, one's declared links, and the stratified lotteries."""

from litestar.handlers import HTTPRouteHandler

from caisse.auth.models import Role
from web.i18n import N_
from web.pages.committee import ballots, links, lottery, opening, outlets
from web.pages.menu import MenuLink

HANDLERS: list[HTTPRouteHandler] = [
    ballots.ballots,
    ballots.ballot,
    ballots.check_receipt,
    ballots.vote,
    ballots.close,
    opening.new_ballot,
    opening.open_ballot,
    outlets.outlets,
    outlets.outlet_file,
    outlets.assess,
    links.links,
    links.declare,
    links.withdraw,
    lottery.lotteries,
    lottery.lottery,
    lottery.run,
]
MENU: list[MenuLink] = [
    MenuLink(Role.COMMITTEE, N_("Ballots"), "comite"),
    MenuLink(Role.COMMITTEE, N_("Outlets to assess"), "comite/lieux"),
    MenuLink(Role.COMMITTEE, N_("My declared links"), "comite/liens"),
    MenuLink(Role.COMMITTEE, N_("Lotteries"), "comite/tirages"),
    # Staff run ballots and draws with the committee (they open, close and draw, but do not vote).
    MenuLink(Role.STAFF, N_("Committee ballots and lotteries"), "comite"),
]
