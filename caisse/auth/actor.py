"""Who is calling: a user and the roles they hold in each caisse."""

from __future__ import annotations

from dataclasses import dataclass, field

from caisse.auth.models import Role


@dataclass(frozen=True)
class Grant:
    caisse_id: int
    role: Role
    member_id: int | None = None
    outlet_id: int | None = None


@dataclass(frozen=True)
class Actor:
    user_id: int
    email: str
    display_name: str
    is_superuser: bool = False
    # caisse slug -> grants held there
    grants: dict[str, tuple[Grant, ...]] = field(default_factory=dict)
    via_token: bool = False

    def roles_in(self, slug: str) -> set[Role]:
        return {g.role for g in self.grants.get(slug, ())}

    def has_role(self, slug: str, *roles: Role) -> bool:
        """Superusers hold every role; a caisse admin holds staff rights too."""
        if self.is_superuser:
            return True
        held = self.roles_in(slug)
        if Role.ADMIN in held:
            held = held | {Role.STAFF}
        return bool(held.intersection(roles))

    def member_id_in(self, slug: str) -> int | None:
        """The household this user is, in that caisse (a `member` grant), if any."""
        for grant in self.grants.get(slug, ()):
            if grant.role is Role.MEMBER and grant.member_id is not None:
                return grant.member_id
        return None

    def outlet_id_in(self, slug: str) -> int | None:
        for grant in self.grants.get(slug, ()):
            if grant.role is Role.OUTLET and grant.outlet_id is not None:
                return grant.outlet_id
        return None
