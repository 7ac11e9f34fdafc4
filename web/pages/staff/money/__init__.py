"""The staff's money pages: contribution payments and arrears, subsidies, redemptions and payout
files, reports."""

from litestar.handlers import HTTPRouteHandler

from caisse.auth.models import Role
from web.i18n import N_
from web.pages.menu import MenuLink
from web.pages.staff.money import agreements, contributions, redemptions, reports, subsidies

HANDLERS: list[HTTPRouteHandler] = [
    contributions.contributions,
    contributions.record_payment,
    contributions.arrears_csv,
    subsidies.subsidies,
    subsidies.record,
    subsidies.add_source,
    subsidies.record_cost,
    agreements.funder,
    agreements.record_agreement,
    agreements.remove_agreement,
    redemptions.redemptions,
    redemptions.approve,
    redemptions.reject,
    redemptions.make_batch,
    redemptions.pain001,
    redemptions.payouts_csv,
    reports.reports,
    reports.report_file,
    reports.households_file,
]
MENU: list[MenuLink] = [
    MenuLink(Role.STAFF, N_("Contributions"), "gestion/cotisations"),
    MenuLink(Role.STAFF, N_("Subsidies and costs"), "gestion/subventions"),
    MenuLink(Role.STAFF, N_("Redemptions to approve and pay"), "gestion/reconversions"),
    MenuLink(Role.STAFF, N_("Monthly reports and exports"), "gestion/rapports"),
]
