"""Every caisse route: anonymous callers get 401, the wrong role 403, the right role 2xx."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import World

NO_ROLE_IN_TEST = ("member", "outsider", "nobody")  # member: the world's member user has no grant yet


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    allowed: tuple[str, ...]  # callers who succeed (GETs only list several)
    status: int
    denied: tuple[str, ...] = ()
    body: dict[str, Any] | None = None


CASES = [
    Case(
        "POST",
        "/api/v1/caisses",
        ("superuser",),
        201,
        denied=("admin", "staff", "outsider", "nobody"),
        body={"slug": "new", "name": "New", "first_month": "2027-01", "preset": "gironde"},
    ),
    Case("GET", "/api/v1/caisses", ("nobody", "staff"), 200),
    Case(
        "GET",
        "/api/v1/caisses/test",
        ("admin", "staff", "committee", "official", "outlet", "superuser"),
        200,
        denied=NO_ROLE_IN_TEST,
    ),
    Case(
        "GET",
        "/api/v1/caisses/test/rule-sets",
        ("admin", "staff", "committee", "official", "outlet"),
        200,
        denied=NO_ROLE_IN_TEST,
    ),
    Case(
        "POST",
        "/api/v1/caisses/test/rule-sets",
        ("admin",),
        201,
        denied=("staff", "committee", "official", "outlet", *NO_ROLE_IN_TEST),
        body={"effective_from": "2027-06", "preset": "gironde"},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.path}")
async def test_route_answers_401_403_and_2xx_by_caller(
    case: Case, world: World, client: AsyncTestClient[Litestar]
) -> None:
    anonymous = await client.request(case.method, case.path, json=case.body)
    assert anonymous.status_code == 401, anonymous.text
    for caller in case.denied:
        denied = await client.request(case.method, case.path, json=case.body, headers=world.headers[caller])
        assert denied.status_code == 403, (caller, denied.text)
    for caller in case.allowed:
        allowed = await client.request(case.method, case.path, json=case.body, headers=world.headers[caller])
        assert allowed.status_code == case.status, (caller, allowed.text)
