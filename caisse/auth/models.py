"""Users, their per-caisse roles, API tokens and the audit log of personal data."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from caisse.db.base import Base, CreatedAtMixin, IdMixin, UtcDateTime, str_enum, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    COMMITTEE = "committee"
    OFFICIAL = "official"
    OUTLET = "outlet"
    MEMBER = "member"


class User(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "user_account"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    # Installation-wide: may create caisses and grant roles anywhere.
    is_superuser: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class RoleGrant(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("user_id", "caisse_id", "role"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, 16))
    # A `member` grant says which household is this user's own.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), nullable=True)
    # An `outlet` grant names the outlet whose payments this user records.
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id"), nullable=True)


class ApiToken(IdMixin, CreatedAtMixin, Base):
    """A bearer token for scripts. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_token"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class AuditEvent(IdMixin, Base):
    """Who read or changed whose personal data, and when. Append-only."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_subject", "subject_type", "subject_id"),)

    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    caisse_id: Mapped[int | None] = mapped_column(ForeignKey("caisse.id"), nullable=True, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(64))
    # JSON: which fields were read or changed (never the values of income).
    detail: Mapped[str] = mapped_column(Text, default="{}")


class UserSession(IdMixin, CreatedAtMixin, Base):
    """A login session. The cookie holds a random token; only its SHA-256 is stored, so
    logging out (or deleting the row) really ends the session, on every worker."""

    __tablename__ = "user_session"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LoginFailure(IdMixin, Base):
    """A failed login for an e-mail address: the brute-force brake counts recent rows.
    Kept apart from `user_account` so unknown addresses are braked the same way."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_email_at", "email", "at"),)

    email: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
