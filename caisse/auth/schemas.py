"""Request and response bodies of the identity routes: login, the caller, tokens, users, grants, audit."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from caisse.auth.actor import Actor
from caisse.auth.models import ApiToken, AuditEvent, Role, RoleGrant, User
from caisse.http.params import BodyId

Email = Annotated[str, Meta(min_length=3, max_length=254)]
Password = Annotated[str, Meta(min_length=1, max_length=1024)]


class LoginRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: Password


class HeldRole(msgspec.Struct):
    role: Role
    member_id: int | None = None
    outlet_id: int | None = None


class Me(msgspec.Struct):
    """The caller, with the roles held in each caisse (keyed by caisse slug)."""

    id: int
    email: str
    display_name: str
    is_superuser: bool
    via_token: bool
    grants: dict[str, list[HeldRole]]

    @classmethod
    def of(cls, actor: Actor) -> Me:
        return cls(
            id=actor.user_id,
            email=actor.email,
            display_name=actor.display_name,
            is_superuser=actor.is_superuser,
            via_token=actor.via_token,
            grants={
                slug: [HeldRole(g.role, g.member_id, g.outlet_id) for g in sorted(held, key=lambda g: g.role)]
                for slug, held in sorted(actor.grants.items())
            },
        )


class NewTokenRequest(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=100)]
    # None: the token never expires (until revoked).
    valid_days: int | None = None


class TokenView(msgspec.Struct):
    """An API token without its secret: only `prefix` (its first characters) helps recognise it."""

    id: int
    name: str
    prefix: str
    created_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, row: ApiToken) -> TokenView:
        return cls(
            id=row.id,
            name=row.name,
            prefix=row.prefix,
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            last_used_at=row.last_used_at,
        )


class NewToken(TokenView):
    """A token just created: `token` is shown this once and never again."""

    token: str

    @classmethod
    def issued(cls, row: ApiToken, token: str) -> NewToken:
        view = TokenView.of(row)
        return cls(**msgspec.structs.asdict(view), token=token)


class NewUserRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    display_name: Annotated[str, Meta(min_length=1, max_length=200)]
    password: Password
    is_superuser: bool = False


class UserView(msgspec.Struct):
    id: int
    email: str
    display_name: str
    is_superuser: bool
    is_active: bool
    created_at: datetime | None

    @classmethod
    def of(cls, user: User) -> UserView:
        return cls(
            id=user.id,
            email=user.email,
            display_name=user.display_name,
            is_superuser=user.is_superuser,
            is_active=user.is_active,
            created_at=user.created_at,
        )


class NewGrantRequest(msgspec.Struct, forbid_unknown_fields=True):
    user_email: Email
    role: Role
    member_id: Annotated[
        BodyId | None,
        Meta(description="Member role: the household (of this caisse) that is the user's own."),
    ] = None
    outlet_id: Annotated[
        BodyId | None,
        Meta(
            description="Outlet role: the outlet the user serves. Not checked until outlets exist "
            "(they come with the outlets feature): any id is accepted and stored as given."
        ),
    ] = None


class GrantView(msgspec.Struct):
    id: int
    user_id: int
    user_email: str
    display_name: str
    role: Role
    member_id: int | None
    outlet_id: int | None
    created_at: datetime | None

    @classmethod
    def of(cls, grant: RoleGrant, user: User) -> GrantView:
        return cls(
            id=grant.id,
            user_id=user.id,
            user_email=user.email,
            display_name=user.display_name,
            role=grant.role,
            member_id=grant.member_id,
            outlet_id=grant.outlet_id,
            created_at=grant.created_at,
        )


class AuditEventView(msgspec.Struct):
    id: int
    at: datetime | None
    actor_user_id: int | None
    action: str
    subject_type: str
    subject_id: str
    # Which fields were read or changed (never their values).
    detail: dict[str, Any]

    @classmethod
    def of(cls, event: AuditEvent) -> AuditEventView:
        try:
            detail = json.loads(event.detail or "{}")
        except ValueError:
            detail = {"raw": event.detail}
        return cls(
            id=event.id,
            at=event.at,
            actor_user_id=event.actor_user_id,
            action=event.action,
            subject_type=event.subject_type,
            subject_id=event.subject_id,
            detail=detail if isinstance(detail, dict) else {"raw": detail},
        )
