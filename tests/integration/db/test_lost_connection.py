"""A database connection lost under the app (a server restart, a killed backend) costs the request
that meets it a 503, with nothing saved, and the next request works: the pool has no ping at
checkout (see caisse.db.engine), SQLAlchemy discards the lost connections instead."""

from __future__ import annotations

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from tests.conftest import POSTGRES_URL, World

pytestmark = pytest.mark.postgres


async def test_a_lost_connection_gives_one_503_and_the_next_request_works(
    backend: str, world: World, app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite has no connection to lose")
    engine = app.state.auth_engine

    async def backend_pid() -> int:
        async with engine.connect() as connection:
            return int(await connection.scalar(text("SELECT pg_backend_pid()")))

    # The app's pool lives in the test client's event loop (its own thread): run there. After the
    # dispose, the pool holds the one connection that the client's requests, one at a time, share.
    client.blocking_portal.call(engine.dispose)
    assert (await client.get("/api/v1/me", headers=world.headers["staff"])).status_code == 200
    pid = client.blocking_portal.call(backend_pid)
    admin = await asyncpg.connect(POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()

    lost = await client.get("/api/v1/me", headers=world.headers["staff"])
    assert lost.status_code == 503
    assert lost.json()["error"] == "database_unavailable"
    again = await client.get("/api/v1/me", headers=world.headers["staff"])
    assert again.status_code == 200 and again.json()["email"] == "staff@example.org"
