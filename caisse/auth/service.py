"""Users, roles, sessions and API tokens."""

from __future__ import annotations

import functools
import math
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from caisse.auth import audit
from caisse.auth.actor import Actor
from caisse.auth.identify import SESSION_PREFIX, TOKEN_PREFIX
from caisse.auth.models import ApiToken, LoginFailure, Role, RoleGrant, User, UserSession
from caisse.auth.secrets import MIN_PASSWORD_LENGTH, hash_password, new_token, token_digest, verify_password
from caisse.db.base import utcnow
from caisse.errors import (
    Conflict,
    DomainError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from caisse.members.codes import normalise_code
from caisse.members.models import Member
from caisse.members.service import get_member
from caisse.outlets.models import Outlet

MAX_TOKEN_VALID_DAYS = 3650


@functools.cache
def _unknown_user_hash() -> str:
    return hash_password("no such user: this hash only evens out login timing")


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email:
        raise ValidationFailed(f"'{email}' is not an e-mail address.")
    return email


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")


async def create_user(
    session: AsyncSession, *, email: str, display_name: str, password: str, is_superuser: bool = False
) -> User:
    email = normalise_email(email)
    check_password_strength(password)
    if not display_name.strip():
        raise ValidationFailed("The display name is empty.")
    if await session.scalar(select(func.count()).where(User.email == email)):
        raise Conflict(f"A user with e-mail {email} already exists.")
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        is_superuser=is_superuser,
    )
    session.add(user)
    await session.flush()
    return user


async def grant_role(
    session: AsyncSession,
    *,
    user_id: int,
    caisse_id: int,
    role: Role,
    member_id: int | None = None,
    outlet_id: int | None = None,
) -> RoleGrant:
    if role is Role.MEMBER and member_id is None:
        raise ValidationFailed("A member role must name the household (member_id) it belongs to.")
    if member_id is not None and not await session.scalar(
        select(func.count()).where(Member.id == member_id, Member.caisse_id == caisse_id)
    ):
        raise ValidationFailed(f"Household {member_id} is not a member of this caisse.")
    if outlet_id is not None and role is not Role.OUTLET:
        raise ValidationFailed("outlet_id only goes with the outlet role.")
    if outlet_id is not None and not await session.scalar(
        select(func.count()).where(Outlet.id == outlet_id, Outlet.caisse_id == caisse_id)
    ):
        raise ValidationFailed(f"outlet_id: outlet {outlet_id} is not an outlet of this caisse.")
    existing = await session.scalar(
        select(RoleGrant).where(
            RoleGrant.user_id == user_id, RoleGrant.caisse_id == caisse_id, RoleGrant.role == role
        )
    )
    if existing is not None:
        raise Conflict(f"This user already has the role '{role.value}' in this caisse.")
    grant = RoleGrant(
        user_id=user_id, caisse_id=caisse_id, role=role, member_id=member_id, outlet_id=outlet_id
    )
    session.add(grant)
    await session.flush()
    return grant


async def authenticate(session: AsyncSession, email: str, password: str) -> User:
    user = await session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        # Hash anyway, so an unknown e-mail takes as long as a wrong password.
        verify_password(_unknown_user_hash(), password)
    # Same message whether the e-mail or the password is wrong: no account enumeration.
    if user is None or not user.is_active or not verify_password(user.password_hash, password):
        raise NotAuthenticated("Wrong e-mail or password.")
    return user


async def open_session(session: AsyncSession, user: User, max_age_seconds: int) -> str:
    """Start a login session; returns the cookie value (shown once, stored hashed)."""
    token = new_token(SESSION_PREFIX)
    session.add(
        UserSession(
            user_id=user.id,
            token_hash=token_digest(token),
            expires_at=utcnow() + timedelta(seconds=max_age_seconds),
        )
    )
    await session.flush()
    return token


async def close_session(session: AsyncSession, token: str) -> None:
    await session.execute(delete(UserSession).where(UserSession.token_hash == token_digest(token)))


async def issue_api_token(
    session: AsyncSession, *, user_id: int, name: str, valid_days: int | None = None
) -> tuple[ApiToken, str]:
    """Create an API token for scripts; returns the row and the token itself (shown once)."""
    if not name.strip():
        raise ValidationFailed("Give the token a name saying what it is for.")
    if valid_days is not None and not 1 <= valid_days <= MAX_TOKEN_VALID_DAYS:
        raise ValidationFailed(f"valid_days must be between 1 and {MAX_TOKEN_VALID_DAYS}.")
    token = new_token(TOKEN_PREFIX)
    row = ApiToken(
        user_id=user_id,
        name=name.strip()[:100],
        token_hash=token_digest(token),
        prefix=token[:10],
        expires_at=None if valid_days is None else utcnow() + timedelta(days=valid_days),
    )
    session.add(row)
    await session.flush()
    return row, token


# --- logging in, with a brake on password guessing -----------------------------------------

MAX_FAILED_LOGINS = 5
FAILED_LOGIN_WINDOW = timedelta(minutes=15)


class TooManyLoginAttempts(DomainError):
    code = "too_many_attempts"
    status_code = 429



def _login_key(email: str) -> str:
    return email.strip().lower()[:254]


async def log_in(
    session: AsyncSession, *, email: str, password: str, max_age_seconds: int
) -> tuple[User, str]:
    """Check the credentials and open a login session; returns the user and the cookie value.

    After MAX_FAILED_LOGINS failures for one e-mail within FAILED_LOGIN_WINDOW every attempt is
    refused (a right password too) until the failures age out; a success clears the count.
    """
    key = _login_key(email)
    await _check_login_brake(session, key)
    try:
        user = await authenticate(session, email, password)
    except NotAuthenticated:
        await _record_login_failure(session, key)
        raise
    await session.execute(delete(LoginFailure).where(LoginFailure.email == key))
    await session.execute(
        delete(UserSession).where(UserSession.user_id == user.id, UserSession.expires_at <= utcnow())
    )
    return user, await open_session(session, user, max_age_seconds)


async def _check_login_brake(session: AsyncSession, key: str) -> None:
    recent = (
        await session.scalars(
            select(LoginFailure.at)
            .where(LoginFailure.email == key, LoginFailure.at > utcnow() - FAILED_LOGIN_WINDOW)
            .order_by(LoginFailure.at.desc())
            .limit(MAX_FAILED_LOGINS)
        )
    ).all()
    if len(recent) >= MAX_FAILED_LOGINS:
        # The brake lifts when the oldest of the last MAX_FAILED_LOGINS failures ages out.
        lifts_at = recent[-1] + FAILED_LOGIN_WINDOW
        minutes = max(1, math.ceil((lifts_at - utcnow()).total_seconds() / 60))
        raise TooManyLoginAttempts(
            f"Too many failed logins for this e-mail: try again in {minutes} minute{'s' * (minutes > 1)}, "
            "or ask an administrator to reset the password."
        )


async def _record_login_failure(session: AsyncSession, key: str) -> None:
    # The request's transaction is rolled back with the 401, so the failure is written in a
    # transaction of its own; otherwise the brake would never count anything.
    bind = session.bind
    engine = bind.engine if isinstance(bind, AsyncConnection) else bind
    async with AsyncSession(engine) as apart, apart.begin():
        await apart.execute(delete(LoginFailure).where(LoginFailure.at <= utcnow() - FAILED_LOGIN_WINDOW))
        apart.add(LoginFailure(email=key, at=utcnow()))


# --- API tokens ----------------------------------------------------------------------------


async def list_api_tokens(session: AsyncSession, user_id: int) -> list[ApiToken]:
    """The user's tokens, newest first, revoked ones included (their hashes stay private)."""
    rows = await session.scalars(
        select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
    )
    return list(rows)


async def revoke_api_token(session: AsyncSession, *, user_id: int, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (idempotent). Another user's token is NotFound,
    so token ids of other people cannot be probed."""
    token = await session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id))
    if token is None:
        raise NotFound(f"You have no API token {token_id}.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        await session.flush()
    return token


# --- users and roles in a caisse -------------------------------------------------------------


async def user_by_email(session: AsyncSession, email: str) -> User:
    user = await session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"No user with e-mail {email.strip()}; an installation administrator creates users.")
    return user


async def list_grants(session: AsyncSession, caisse_id: int) -> list[tuple[RoleGrant, User]]:
    """Who holds which role in the caisse, by e-mail then role."""
    rows = await session.execute(
        select(RoleGrant, User)
        .join(User, User.id == RoleGrant.user_id)
        .where(RoleGrant.caisse_id == caisse_id)
        .order_by(User.email, RoleGrant.role, RoleGrant.id)
    )
    return [(grant, user) for grant, user in rows]


async def add_grant(
    session: AsyncSession,
    actor: Actor | None,
    *,
    caisse_id: int,
    user_email: str,
    role: Role,
    member_id: int | None = None,
    outlet_id: int | None = None,
    member_code: str | None = None,
) -> tuple[RoleGrant, User]:
    """Grant `role` in the caisse to the user with `user_email`, on behalf of `actor` (None: the
    command line, run by whoever administers the installation). Only a superuser grants admin.
    A member role names its household by `member_id` or by its `member_code` in this caisse."""
    if role is Role.ADMIN and actor is not None and not actor.is_superuser:
        raise PermissionDenied("Only an installation administrator (superuser) can grant the admin role.")
    if (member_id is not None or member_code is not None) and role is not Role.MEMBER:
        raise ValidationFailed("A household (member_id or member code) only goes with the member role.")
    if member_code is not None:
        if member_id is not None:
            raise ValidationFailed("Name the household by member_id or by member code, not both.")
        try:
            member_id = (await get_member(session, caisse_id, member_code)).id
        except NotFound:
            # The request names a household that is not there: bad input, not a missing resource.
            raise ValidationFailed(
                f"No household with member code {normalise_code(member_code)} in this caisse."
            ) from None
    if outlet_id is not None and role is not Role.OUTLET:
        raise ValidationFailed("outlet_id only goes with the outlet role.")
    try:
        user = await user_by_email(session, user_email)
    except NotFound as exc:
        raise ValidationFailed(exc.detail) from None
    grant = await grant_role(
        session, user_id=user.id, caisse_id=caisse_id, role=role, member_id=member_id, outlet_id=outlet_id
    )
    await audit.record(
        session, actor=actor, caisse_id=caisse_id, action="grant.create", subject_type="user",
        subject_ids=[user.id], fields=["role"], note=role.value,
    )
    return grant, user


async def remove_grant(session: AsyncSession, actor: Actor | None, *, caisse_id: int, grant_id: int) -> None:
    """Withdraw a role. Like granting it, withdrawing admin needs a superuser."""
    grant = await session.scalar(
        select(RoleGrant).where(RoleGrant.id == grant_id, RoleGrant.caisse_id == caisse_id)
    )
    if grant is None:
        raise NotFound(f"No role grant {grant_id} in this caisse.")
    if grant.role is Role.ADMIN and actor is not None and not actor.is_superuser:
        raise PermissionDenied("Only an installation administrator (superuser) can withdraw the admin role.")
    user_id, role = grant.user_id, grant.role
    await session.delete(grant)
    await session.flush()
    await audit.record(
        session, actor=actor, caisse_id=caisse_id, action="grant.delete", subject_type="user",
        subject_ids=[user_id], fields=["role"], note=role.value,
    )

