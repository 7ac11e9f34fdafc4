"""What the staff's household and month-close pages share besides `web.pages.staff.forms`: the
verbs of the status moves and a household's address."""

from __future__ import annotations

from caisse.caisses.models import Caisse
from caisse.members.models import MemberStatus
from web.i18n import N_
from web.pages.staff.forms import staff_url

# The verb of each move, on the status form's choices.
STATUS_MOVES = {
    MemberStatus.ACTIVE: N_("Activate (admit, or reactivate after a suspension)"),
    MemberStatus.SUSPENDED: N_("Suspend"),
    MemberStatus.LEFT: N_("Record that the household left (final)"),
}


def member_url(caisse: Caisse, code: str, rest: str = "") -> str:
    return staff_url(caisse, f"/membres/{code}{rest}")
