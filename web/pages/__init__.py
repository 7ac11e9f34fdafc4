"""HTML route handlers, one module (or package) per group of pages. Each lists its handlers in
`HANDLERS`; the role groups also list, in `MENU`, the pages their role opens (shown on the space).

URL scheme (French, as the pages): `/` home, `/connexion` and `/deconnexion`, `/langue`, `/espace`
(the caisse picker), and under `/c/{slug}`: the caisse's home, `lieux` (directory), `transparence`,
`decisions` and `espace` (the user's roles there); `gestion/…` (staff), `comite/…` (committee),
`mon-lieu/…` (an outlet's till), `mon-compte/…` (a member) and `simulations/…` (officials).
"""

from web.pages import (
    auth,
    committee,
    decisions,
    home,
    member,
    officials,
    outlets,
    space,
    staff,
    till,
    transparency,
)

HANDLERS = [
    *home.HANDLERS,
    *outlets.HANDLERS,
    *transparency.HANDLERS,
    *decisions.HANDLERS,
    *auth.HANDLERS,
    *space.HANDLERS,
    *staff.HANDLERS,
    *committee.HANDLERS,
    *till.HANDLERS,
    *member.HANDLERS,
    *officials.HANDLERS,
]

__all__ = ["HANDLERS"]
