"""Members: households, their personal data (protected and audited) and the CSV import.

The names are re-exported lazily: `caisse.auth.service` imports `caisse.members.models`, and the
member services import auth, caisses and the cycle's models, so eager imports here would be circular.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from caisse.members.chosen import chosen_contribution_problem, contribution_scheme, first_open_month
    from caisse.members.household import PERSONAL_FIELDS, Household, check_household
    from caisse.members.importing import ImportReport, import_households
    from caisse.members.models import Member, MemberStatus, MemberStatusChange
    from caisse.members.registration import CreatedMember, create_member, create_members
    from caisse.members.service import (
        change_status,
        get_member,
        list_members,
        read_member,
        search_members,
        status_history,
        update_member,
    )

_EXPORTS = {
    "CreatedMember": "caisse.members.registration",
    "Household": "caisse.members.household",
    "ImportReport": "caisse.members.importing",
    "Member": "caisse.members.models",
    "MemberStatus": "caisse.members.models",
    "MemberStatusChange": "caisse.members.models",
    "PERSONAL_FIELDS": "caisse.members.household",
    "change_status": "caisse.members.service",
    "check_household": "caisse.members.household",
    "chosen_contribution_problem": "caisse.members.chosen",
    "contribution_scheme": "caisse.members.chosen",
    "create_member": "caisse.members.registration",
    "create_members": "caisse.members.registration",
    "first_open_month": "caisse.members.chosen",
    "get_member": "caisse.members.service",
    "import_households": "caisse.members.importing",
    "list_members": "caisse.members.service",
    "read_member": "caisse.members.service",
    "search_members": "caisse.members.service",
    "status_history": "caisse.members.service",
    "update_member": "caisse.members.service",
}

__all__ = [
    "PERSONAL_FIELDS",
    "CreatedMember",
    "Household",
    "ImportReport",
    "Member",
    "MemberStatus",
    "MemberStatusChange",
    "change_status",
    "check_household",
    "chosen_contribution_problem",
    "contribution_scheme",
    "create_member",
    "create_members",
    "first_open_month",
    "get_member",
    "import_households",
    "list_members",
    "read_member",
    "search_members",
    "status_history",
    "update_member",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'caisse.members' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
