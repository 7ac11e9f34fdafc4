"""Every identity route: anonymous callers get 401, the wrong role 403, the right role 2xx."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.models import ApiToken, RoleGrant
from tests.conftest import World


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    allowed: str  # a caller who succeeds
    status: int
    denied: tuple[str, ...] = ()  # callers who get 403
    body: dict[str, Any] | None = None


EVERY_ROLE_BUT_ADMIN = ("staff", "committee", "official", "outlet", "member", "outsider", "nobody")

CASES = [
    Case("GET", "/api/v1/me", "nobody", 200),
    Case("GET", "/api/v1/me/tokens", "nobody", 200),
    Case("POST", "/api/v1/me/tokens", "nobody", 201, body={"name": "script"}),
    Case("DELETE", "/api/v1/me/tokens/{nobody_token}", "nobody", 204),
    Case(
        "POST",
        "/api/v1/users",
        "superuser",
        201,
        denied=("admin", "staff", "outsider", "nobody"),
        body={"email": "new@example.org", "display_name": "New", "password": "long enough secret"},
    ),
    Case("GET", "/api/v1/caisses/test/grants", "admin", 200, denied=EVERY_ROLE_BUT_ADMIN),
    Case(
        "POST",
        "/api/v1/caisses/test/grants",
        "admin",
        201,
        denied=EVERY_ROLE_BUT_ADMIN,
        body={"user_email": "nobody@example.org", "role": "official"},
    ),
    Case(
        "DELETE", "/api/v1/caisses/test/grants/{committee_grant}", "admin", 204, denied=EVERY_ROLE_BUT_ADMIN
    ),
    Case("GET", "/api/v1/caisses/test/audit", "admin", 200, denied=EVERY_ROLE_BUT_ADMIN),
]


async def resolve(path: str, world: World, db: AsyncSession) -> str:
    nobody_token = await db.scalar(select(ApiToken.id).where(ApiToken.user_id == world.user_ids["nobody"]))
    committee_grant = await db.scalar(
        select(RoleGrant.id).where(RoleGrant.user_id == world.user_ids["committee"])
    )
    return path.format(nobody_token=nobody_token, committee_grant=committee_grant)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.path}")
async def test_route_answers_401_403_and_2xx_by_caller(
    case: Case, world: World, client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    path = await resolve(case.path, world, db)
    anonymous = await client.request(case.method, path, json=case.body)
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.json()["error"] == "not_authenticated"
    for caller in case.denied:
        denied = await client.request(case.method, path, json=case.body, headers=world.headers[caller])
        assert denied.status_code == 403, (caller, denied.text)
        assert denied.json()["error"] == "forbidden"
    allowed = await client.request(case.method, path, json=case.body, headers=world.headers[case.allowed])
    assert allowed.status_code == case.status, allowed.text
