"""The app starts on both databases, answers health checks and maps errors to JSON."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import World


async def test_health_answers_without_login(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_unknown_route_gives_json_error(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


async def test_openapi_schema_is_served(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Caisse commune"


async def test_world_tokens_identify_their_users(world: World, client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/api/v1/me", headers=world.headers["staff"])
    assert response.status_code == 200
    assert response.json()["email"] == "staff@example.org"


async def test_site_root_is_the_home_page(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/", follow_redirects=False)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
