"""What the staff's household and month-close pages share: the guard, their URLs, the words for
a household's status, and reading a form's date and amount fields.

The guard is the API's (`requires(*STAFF)`): the caisse's staff and its administrators (who hold
staff rights), and superusers; anyone else gets the 403 page, anonymous callers the login page.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, TypeAlias

from litestar.params import PathParameter

from caisse.amounts import parse_euros
from caisse.auth.guards import STAFF, requires
from caisse.caisses.models import Caisse
from caisse.members.csv_import import parse_day
from caisse.members.models import MemberStatus
from web.i18n import N_

GUARD = [requires(*STAFF)]
# A member code, a month or a reference in the path; longer is no such thing (404 below it).
PathText: TypeAlias = Annotated[str, PathParameter(max_length=80)]

STATUS_LABELS = {
    MemberStatus.APPLICANT: N_("Applicant"),
    MemberStatus.ACTIVE: N_("Active"),
    MemberStatus.SUSPENDED: N_("Suspended"),
    MemberStatus.LEFT: N_("Left"),
}
# The verb of each move, on the status form's choices.
STATUS_MOVES = {
    MemberStatus.ACTIVE: N_("Activate (admit, or reactivate after a suspension)"),
    MemberStatus.SUSPENDED: N_("Suspend"),
    MemberStatus.LEFT: N_("Record that the household left (final)"),
}


def staff_url(caisse: Caisse, rest: str = "") -> str:
    return f"/c/{caisse.slug}/gestion{rest}"


def member_url(caisse: Caisse, code: str, rest: str = "") -> str:
    return staff_url(caisse, f"/membres/{code}{rest}")


def read_day(text: str) -> date:
    """A date typed as YYYY-MM-DD (a date input) or DD/MM/YYYY; ValueError otherwise."""
    return parse_day(text.strip())


def read_cents(text: str) -> int:
    """Euros typed with a comma or a point ("1 250,50"); cents. ValueError otherwise."""
    return parse_euros(text.strip())
