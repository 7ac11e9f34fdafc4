"""Fixtures of the committee tests: the world's caisse, an outlet, people with households."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import service as auth
from caisse.auth.models import Role
from caisse.caisses.models import Caisse
from caisse.caisses.service import get_caisse
from caisse.outlets.models import Outlet
from caisse.outlets.service import create_outlet
from tests.conftest import World
from tests.ledger_checks import add_member


@dataclass(frozen=True)
class Person:
    user_id: int | None
    headers: dict[str, str]
    member_id: int | None
    member_code: str | None


AddPerson = Callable[..., Awaitable[Person]]


@pytest.fixture
async def test_caisse(db: AsyncSession, world: World) -> Caisse:
    return await get_caisse(db, world.slug)


@pytest.fixture
async def outlet(db: AsyncSession, test_caisse: Caisse) -> Outlet:
    found = await create_outlet(
        db, test_caisse, values={"name": "Ferme du Couserans", "kind": "producer"}, today=date(2027, 1, 4)
    )
    await db.commit()
    return found


@pytest.fixture
def add_person(db: AsyncSession, world: World) -> AddPerson:
    """A household of the test caisse (income in cents per month), with a user account holding
    its member role unless `account=False`; committed."""
    count = iter(range(1, 1000))

    async def add(
        name: str, *, income_cents: int = 150_000, adults: int = 1, account: bool = True, **extra: Any
    ) -> Person:
        n = next(count)
        member = await add_member(db, world.caisse_id, f"T-9{n:05d}", name=name)
        member.monthly_income_cents, member.adults = income_cents, adults
        if not account:
            await db.commit()
            return Person(None, {}, member.id, member.code)
        user = await auth.create_user(
            db, email=f"{name.lower()}@example.org", display_name=name, password="correct horse battery"
        )
        await auth.grant_role(
            db, user_id=user.id, caisse_id=world.caisse_id, role=Role.MEMBER, member_id=member.id
        )
        _, token = await auth.issue_api_token(db, user_id=user.id, name="tests")
        await db.commit()
        return Person(user.id, {"Authorization": f"Bearer {token}"}, member.id, member.code)

    return add


@pytest.fixture
async def member_household(db: AsyncSession, world: World) -> int:
    """Give the world's "member" user a household (income 1 500 € a month, one adult); its id."""
    member = await add_member(db, world.caisse_id, "T-000777", name="Foyer Membre")
    await auth.grant_role(
        db, user_id=world.user_ids["member"], caisse_id=world.caisse_id, role=Role.MEMBER, member_id=member.id
    )
    await db.commit()
    return member.id
