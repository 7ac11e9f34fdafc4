"""The staff's dashboard, households (list and search, detail, changes and status, CSV import) and
month close, under `/c/{slug}/gestion`. Open to the caisse's staff and administrators."""

from litestar.handlers import HTTPRouteHandler

from caisse.auth.models import Role
from web.i18n import N_
from web.pages.menu import MenuLink
from web.pages.staff.people import closing, dashboard, edit, households, importing

HANDLERS: list[HTTPRouteHandler] = [
    dashboard.dashboard,
    households.members,
    importing.upload_form,
    importing.preview,
    importing.confirm,
    importing.import_format,
    importing.done,
    households.household,
    edit.edit_form,
    edit.save,
    edit.change_status_form,
    closing.close_form,
    closing.confirm_close,
    closing.close_result,
]
MENU: list[MenuLink] = [
    MenuLink(Role.STAFF, N_("Dashboard"), "gestion"),
    MenuLink(Role.STAFF, N_("Households"), "gestion/membres"),
    MenuLink(Role.STAFF, N_("Import households"), "gestion/membres/import"),
    MenuLink(Role.STAFF, N_("Month close"), "gestion/cloture"),
]
