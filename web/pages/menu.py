"""The pages each role opens in a caisse, listed on the user's space (`/c/{slug}/espace`).

Each group of pages (staff, committee, outlet till, member, officials) declares its entries in its
own `MENU`; the space page shows those of the roles the user holds there.
"""

from __future__ import annotations

from dataclasses import dataclass

from caisse.auth.models import Role


@dataclass(frozen=True, slots=True)
class MenuLink:
    role: Role
    # An English msgid marked with N_; translated where it is shown.
    label: str
    # Below /c/{slug}, e.g. "gestion/membres".
    path: str

    def href(self, slug: str) -> str:
        return f"/c/{slug}/{self.path}"
