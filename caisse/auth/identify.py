"""Turn a session cookie or a bearer token into an `Actor` (or nobody)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.actor import Actor, Grant
from caisse.auth.models import ApiToken, RoleGrant, User, UserSession
from caisse.auth.secrets import token_digest
from caisse.caisses.models import Caisse
from caisse.db.base import utcnow

SESSION_COOKIE = "caisse_session"
TOKEN_PREFIX = "cc_"
SESSION_PREFIX = "cs_"
# A token's last use is recorded to the minute: writing it on every request would cost each API
# call a write and a WAL flush (a till taking payments calls many times a minute).
LAST_USED_RESOLUTION = timedelta(minutes=1)


async def load_actor(session: AsyncSession, user: User, *, via_token: bool = False) -> Actor:
    rows = await session.execute(
        select(RoleGrant, Caisse.slug)
        .join(Caisse, Caisse.id == RoleGrant.caisse_id)
        .where(RoleGrant.user_id == user.id)
    )
    grants: dict[str, list[Grant]] = {}
    for grant, slug in rows:
        grants.setdefault(slug, []).append(
            Grant(grant.caisse_id, grant.role, grant.member_id, grant.outlet_id)
        )
    return Actor(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        is_superuser=user.is_superuser,
        grants={slug: tuple(gs) for slug, gs in grants.items()},
        via_token=via_token,
    )


async def actor_from_session_token(session: AsyncSession, token: str) -> Actor | None:
    row = await session.execute(
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == token_digest(token), UserSession.expires_at > utcnow())
    )
    user = row.scalar_one_or_none()
    if user is None or not user.is_active:
        return None
    return await load_actor(session, user)


async def actor_from_api_token(session: AsyncSession, token: str) -> Actor | None:
    now = utcnow()
    row = await session.execute(
        select(User, ApiToken)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_digest(token), ApiToken.revoked_at.is_(None))
    )
    found = row.first()
    if found is None:
        return None
    user, api_token = found
    if not user.is_active or (api_token.expires_at is not None and api_token.expires_at <= now):
        return None
    if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_USED_RESOLUTION:
        await session.execute(update(ApiToken).where(ApiToken.id == api_token.id).values(last_used_at=now))
    return await load_actor(session, user, via_token=True)

