"""Production mode's refusal of the demo's logins: their password is printed in the README.

`caisse demo` refuses to run in production mode; this finds demo accounts loaded before the
installation was switched to it (or copied along with a database) that still open with that password.
"""

from __future__ import annotations

import logging

from sqlalchemy import or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from caisse.auth.models import RoleGrant, User
from caisse.auth.secrets import verify_password
from caisse.caisses.models import Caisse
from caisse.db.engine import make_sessionmaker
from caisse.demo.build import DEMO_OUTLET_EMAIL, DEMO_PASSWORD, DEMO_SLUG, DEMO_USERS
from caisse.settings import ProductionRefused

log = logging.getLogger("caisse")

DEMO_EMAILS = frozenset({email for email, _name, _role in DEMO_USERS} | {DEMO_OUTLET_EMAIL})


async def demo_logins(session: AsyncSession) -> list[str]:
    """E-mails of active accounts that log in with the demo's password: the demo's own accounts and
    anyone holding a role in the demo caisse (its committee's households). One argon2 check each,
    so only these few accounts are tried, never every user of the installation."""
    in_demo_caisse = (
        select(RoleGrant.user_id)
        .join(Caisse, Caisse.id == RoleGrant.caisse_id)
        .where(Caisse.slug == DEMO_SLUG)
    )
    rows = await session.execute(
        select(User.email, User.password_hash)
        .where(User.is_active, or_(User.email.in_(DEMO_EMAILS), User.id.in_(in_demo_caisse)))
        .order_by(User.email)
    )
    return [email for email, password_hash in rows if verify_password(password_hash, DEMO_PASSWORD)]


async def refuse_demo_logins(engine: AsyncEngine) -> None:
    """Raise ProductionRefused naming the accounts that still open with the demo's password."""
    try:
        async with make_sessionmaker(engine)() as session:
            found = await demo_logins(session)
    except DBAPIError as exc:  # no schema yet (`caisse db upgrade` not run): nothing to find
        log.warning("production mode: the demo logins could not be looked for (%s)", exc.__class__.__name__)
        return
    if found:
        raise ProductionRefused(
            "CAISSE_PRODUCTION=true refuses to start: these accounts still log in with the demo's password "
            f"({', '.join(found)}); delete the demo caisse's database or change their passwords."
        )
