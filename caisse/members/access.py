"""Who may see and change which household.

Staff and admins of the caisse: every household. A member (a `member` grant naming a household):
their own household only — another household's code answers 404 exactly as an unknown code does,
so members cannot probe which codes exist. Everyone else: 403 (route guards say so first).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.actor import Actor
from caisse.caisses.models import Caisse
from caisse.errors import NotFound, PermissionDenied
from caisse.members.codes import normalise_code
from caisse.members.household import public_name
from caisse.members.models import Member
from caisse.members.service import SELF_SERVICE_FIELDS, get_member, is_staff


async def visible_member(session: AsyncSession, caisse: Caisse, code: str, actor: Actor) -> Member:
    """The household `code`, if `actor` may see it; NotFound (also for someone else's household)
    or PermissionDenied (neither staff nor a member of this caisse)."""
    if is_staff(actor, caisse):
        return await get_member(session, caisse.id, code)
    own = actor.member_id_in(caisse.slug)
    if own is None:
        raise PermissionDenied("Only the caisse's staff and the household itself can see a household.")
    member = await get_member(session, caisse.id, code)
    if member.id != own:
        # Word for word the NotFound of an unknown code.
        raise NotFound(f"No member '{normalise_code(code)}' in this caisse.")
    return member


async def own_household(session: AsyncSession, caisse: Caisse, actor: Actor) -> Member:
    """The caller's own household in the caisse."""
    own = actor.member_id_in(caisse.slug)
    member = None if own is None else await session.get(Member, own)
    if member is None or member.caisse_id != caisse.id:
        raise NotFound(f"You have no household in caisse '{caisse.slug}'.")
    return member


def check_may_change(actor: Actor, caisse: Caisse, fields: Iterable[str]) -> None:
    """Staff change anything editable; a household only its contact and chosen contribution."""
    if is_staff(actor, caisse):
        return
    refused = sorted(public_name(f) for f in set(fields) - SELF_SERVICE_FIELDS)
    if refused:
        allowed = ", ".join(sorted(public_name(f) for f in SELF_SERVICE_FIELDS))
        raise PermissionDenied(
            f"You can change your {allowed} yourself; ask the caisse's staff to change: {', '.join(refused)}."
        )
