"""Who acts on redemptions: staff and admins for the caisse, an outlet user for its own outlet only."""

from __future__ import annotations

from caisse.auth.actor import Actor
from caisse.auth.guards import STAFF
from caisse.errors import PermissionDenied


def acting_outlet(actor: Actor, slug: str) -> int | None:
    """None when the caller acts for the caisse (staff, admin); else the outlet it acts as."""
    if actor.has_role(slug, *STAFF):
        return None
    outlet_id = actor.outlet_id_in(slug)
    if outlet_id is None:
        raise PermissionDenied(
            "This outlet account is not linked to an outlet yet: ask the caisse's administrator to link it."
        )
    return outlet_id


def outlet_for(actor: Actor, slug: str, asked: int | None) -> int | None:
    """The outlet a request or a filter is about: an outlet user's own (403 for another one's);
    for staff, the one they name (None: all)."""
    own = acting_outlet(actor, slug)
    if own is None:
        return asked
    if asked is not None and asked != own:
        raise PermissionDenied("An outlet account can only see and ask for its own redemptions.")
    return own


def check_own(actor: Actor, slug: str, outlet_id: int) -> None:
    """403 when an outlet user reaches for another outlet's redemption."""
    outlet_for(actor, slug, outlet_id)
