"""Turn a session cookie or a bearer token into an `Actor` (or nobody).

Every API call goes through here, a till's payments included, so a credential costs one statement:
the user, the credential's state and every grant with its caisse's slug, prebuilt at import (see
`caisse.spending.statements` for why). The statements only read, so they run on any connection,
in autocommit: no BEGIN and COMMIT around them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from caisse.auth.actor import Actor, Grant
from caisse.auth.models import ApiToken, Role, RoleGrant, User, UserSession
from caisse.auth.secrets import token_digest
from caisse.caisses.models import Caisse
from caisse.db.base import utcnow

SESSION_COOKIE = "caisse_session"
TOKEN_PREFIX = "cc_"
SESSION_PREFIX = "cs_"
# A token's last use is recorded to the minute: writing it on every request would cost each API
# call a write and a WAL flush (a till taking payments calls many times a minute).
LAST_USED_RESOLUTION = timedelta(minutes=1)

user: Any = User.__table__
grant: Any = RoleGrant.__table__
caisse: Any = Caisse.__table__
api_token: Any = ApiToken.__table__
user_session: Any = UserSession.__table__


def _user_with_grants(source: Any, *extra_columns: Any) -> Select[Any]:
    """The user of `source` (the user table, or a credential joined to it), one row per grant (one
    row with null grant columns when the user holds none)."""
    return select(
        user.c.id.label("user_id"),
        user.c.email,
        user.c.display_name,
        user.c.is_superuser,
        user.c.is_active,
        grant.c.caisse_id,
        grant.c.role,
        grant.c.member_id,
        grant.c.outlet_id,
        caisse.c.slug,
        *extra_columns,
    ).select_from(
        source.outerjoin(grant, grant.c.user_id == user.c.id).outerjoin(
            caisse, caisse.c.id == grant.c.caisse_id
        )
    )


# Parameters: user_id; token_hash and now (sessions); token_hash (tokens).
BY_USER = _user_with_grants(user).where(user.c.id == bindparam("user_id"))
BY_SESSION = _user_with_grants(user_session.join(user, user.c.id == user_session.c.user_id)).where(
    user_session.c.token_hash == bindparam("token_hash"), user_session.c.expires_at > bindparam("now")
)
BY_TOKEN = _user_with_grants(
    api_token.join(user, user.c.id == api_token.c.user_id),
    api_token.c.id.label("token_id"), api_token.c.expires_at, api_token.c.last_used_at,
).where(api_token.c.token_hash == bindparam("token_hash"), api_token.c.revoked_at.is_(None))  # fmt: skip
TOKEN_USED = (
    update(api_token).where(api_token.c.id == bindparam("token_id")).values(last_used_at=bindparam("now"))
)


def _actor(rows: Sequence[Row[Any]], *, via_token: bool) -> Actor:
    """The actor of the (non-empty) rows of `_user_with_grants`."""
    first = rows[0]
    grants: dict[str, list[Grant]] = {}
    for row in rows:
        if row.slug is not None:
            grants.setdefault(row.slug, []).append(
                Grant(row.caisse_id, Role(row.role), row.member_id, row.outlet_id)
            )
    return Actor(
        user_id=first.user_id,
        email=first.email,
        display_name=first.display_name,
        is_superuser=first.is_superuser,
        grants={slug: tuple(gs) for slug, gs in grants.items()},
        via_token=via_token,
    )


async def load_actor(session: AsyncSession, user_record: User, *, via_token: bool = False) -> Actor:
    """The actor of a user just authenticated (by password, at login)."""
    rows = (await session.execute(BY_USER, {"user_id": user_record.id})).all()
    return _actor(rows, via_token=via_token)


async def actor_from_session_token(db: AsyncConnection | AsyncSession, token: str) -> Actor | None:
    rows = (await db.execute(BY_SESSION, {"token_hash": token_digest(token), "now": utcnow()})).all()
    if not rows or not rows[0].is_active:
        return None
    return _actor(rows, via_token=False)


async def actor_from_api_token(db: AsyncConnection | AsyncSession, token: str) -> Actor | None:
    now = utcnow()
    rows = (await db.execute(BY_TOKEN, {"token_hash": token_digest(token)})).all()
    if not rows or not rows[0].is_active:
        return None
    first = rows[0]
    expires_at: datetime | None = first.expires_at
    if expires_at is not None and expires_at <= now:
        return None
    last_used: datetime | None = first.last_used_at
    if last_used is None or now - last_used >= LAST_USED_RESOLUTION:
        await db.execute(TOKEN_USED, {"token_id": first.token_id, "now": now})
    return _actor(rows, via_token=True)
