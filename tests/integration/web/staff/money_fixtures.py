"""Fixtures of the staff's money pages: caisse "ssa" (first month 2026-01) with its bank account,
outlets holding credit (see `build_payout_world`), 500 € in the fund, contributions due for
2026-02 and 2026-03, and the world's users ("member" is household SA-1). The ledger is verified
after each test. Import the fixtures into a test module: `from ...money_fixtures import *`."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import service as auth
from caisse.auth.models import Role
from tests.conftest import World
from tests.integration.redemptions.payout_helpers import PayoutWorld, build_payout_world
from tests.integration.web.web_fixtures import Client, csrf_token
from tests.ledger_checks import assert_ledger_ok, build_money_world, post_dues

__all__ = ["GESTION", "ledger_verified_after_each_test", "money_pages", "open_form", "post_form"]

GESTION = "/c/ssa/gestion"
DUES = {"2026-02": {"SA-1": 3_000, "SA-2": 2_000}, "2026-03": {"SA-1": 3_000, "SA-2": 2_000}}
KEY_FIELD = re.compile(r'name="key" value="([^"]+)"')


@pytest.fixture
async def money_pages(db: AsyncSession, world: World) -> PayoutWorld:
    mw = await build_money_world(db, world)
    pw = await build_payout_world(db, mw, with_users=True)
    for month, dues in DUES.items():
        await post_dues(db, mw.caisse_id, month, {mw.members[code]: cents for code, cents in dues.items()})
    await auth.grant_role(
        db, user_id=world.user_ids["member"], caisse_id=mw.caisse_id, role=Role.MEMBER,
        member_id=mw.members["SA-1"],
    )  # fmt: skip
    await db.commit()
    return pw


@pytest.fixture(autouse=True)
async def ledger_verified_after_each_test(db: AsyncSession) -> AsyncIterator[None]:
    yield
    await db.rollback()
    await assert_ledger_ok(db)


async def open_form(client: Client, headers: dict[str, str], path: str) -> tuple[str, str | None]:
    """(CSRF token, retry key or None) of the page's forms."""
    response = await client.get(path, headers=headers)
    assert response.status_code == 200, response.text[:2000]
    found = KEY_FIELD.search(response.text)
    return csrf_token(response.text), None if found is None else found.group(1)


async def post_form(
    client: Client,
    headers: dict[str, str],
    path: str,
    data: dict[str, str],
    *,
    token: str | None = None,
    page: str | None = None,
) -> Any:
    """Send a form to `path` with the CSRF token given, or that of the page showing it (`page`,
    default `path`); the answer, unfollowed."""
    if token is None:
        token, _ = await open_form(client, headers, page or path)
    return await client.post(
        path, data={**data, "_csrf_token": token}, headers=headers, follow_redirects=False
    )
