"""Fixtures of the reliability tests: PostgreSQL only, requests truly in parallel.

The concurrency tests send many requests at once to the app in this process (`api`, see
`racing.in_loop_client`); the fault tests also run a real server process (`faults.ServerProcess`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from litestar import Litestar

from caisse.settings import Settings
from tests.conftest import BACKENDS, POSTGRES_URL, _truncate_postgres
from tests.integration.reliability.racing import in_loop_client


@pytest.fixture
def settings(request: pytest.FixtureRequest) -> Iterator[Settings]:
    """The PostgreSQL settings only (SQLite serialises writers: nothing races there)."""
    if "postgresql" not in BACKENDS:
        pytest.skip("PostgreSQL is not among CAISSE_TEST_BACKENDS")
    schema = request.getfixturevalue("postgres_schema")
    yield Settings(database_url=POSTGRES_URL, database_schema=schema)
    _truncate_postgres(schema)


@pytest.fixture
async def api(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with in_loop_client(app) as client:
        yield client
