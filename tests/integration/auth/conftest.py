"""Helpers for identity tests: households to link member users to, and a logged-in client."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.members.models import Member, MemberStatus

AddHousehold = Callable[[int, str], Awaitable[int]]

PASSWORD = "correct horse battery"  # the password build_world gives every user


@pytest.fixture
def add_household(db: AsyncSession) -> AddHousehold:
    """Insert a household in a caisse and commit; returns its id."""

    async def add(caisse_id: int, code: str) -> int:
        member = Member(
            caisse_id=caisse_id,
            code=code,
            reference_person=f"Foyer {code}",
            monthly_income_cents=150_000,
            income_declared_on=date(2027, 1, 1),
            status=MemberStatus.ACTIVE,
            applied_on=date(2027, 1, 1),
        )
        db.add(member)
        await db.commit()
        return member.id

    return add
