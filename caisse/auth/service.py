"""Users, roles, sessions and API tokens."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.identify import SESSION_PREFIX, TOKEN_PREFIX
from caisse.auth.models import ApiToken, Role, RoleGrant, User, UserSession
from caisse.auth.secrets import MIN_PASSWORD_LENGTH, hash_password, new_token, token_digest, verify_password
from caisse.db.base import utcnow
from caisse.errors import Conflict, NotAuthenticated, ValidationFailed


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
    existing = await session.scalar(
        select(RoleGrant).where(
            RoleGrant.user_id == user_id, RoleGrant.caisse_id == caisse_id, RoleGrant.role == role
        )
    )
    if existing is not None:
        raise Conflict(f"This user already has the role '{role.value}' in this caisse.")
    grant = RoleGrant(user_id=user_id, caisse_id=caisse_id, role=role, member_id=member_id, outlet_id=outlet_id)
    session.add(grant)
    await session.flush()
    return grant


async def authenticate(session: AsyncSession, email: str, password: str) -> User:
    user = await session.scalar(select(User).where(User.email == email.strip().lower()))
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
    if valid_days is not None and valid_days < 1:
        raise ValidationFailed("valid_days must be 1 or more.")
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
