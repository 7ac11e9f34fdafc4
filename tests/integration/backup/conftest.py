"""Fresh databases to import into, beside the test's own (`settings`), and one archive of a caisse
with history, built once per test process on SQLite."""

from __future__ import annotations

import asyncio
import fcntl
import shutil
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from caisse.backup import Archive, read_archive, write_archive
from caisse.db.engine import make_engine, make_sessionmaker
from caisse.settings import Settings
from tests.conftest import POSTGRES_URL, _create_schema_objects, _pg_admin

from .history import export_history

FreshDatabase = Callable[[str], Settings]


def _off_loop(work: Callable[[], object]) -> None:
    # The conftest helpers run their own event loop, which a running test's loop would refuse.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(work).result()


@pytest.fixture
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FreshDatabase]:
    """`fresh_database("sqlite" | "postgresql")`: the Settings of a new, empty database (a
    PostgreSQL schema of its own, dropped after the test)."""
    schemas: list[str] = []

    def make(backend: str) -> Settings:
        if backend == "sqlite":
            path = tmp_path / f"fresh-{uuid.uuid4().hex[:8]}.db"
            shutil.copy(request.getfixturevalue("sqlite_template"), path)
            return Settings(database_url=f"sqlite+aiosqlite:///{path}")
        # A test using PostgreSQL asks for `postgres_schema` (skipped when the server is unreachable).
        schema = f"caisse_backup_{uuid.uuid4().hex[:10]}"
        _off_loop(lambda: asyncio.run(_pg_admin(POSTGRES_URL, [f"CREATE SCHEMA {schema}"])))
        schemas.append(schema)
        _off_loop(lambda: _create_schema_objects(POSTGRES_URL, schema))
        return Settings(database_url=POSTGRES_URL, database_schema=schema)

    yield make
    for schema in schemas:
        asyncio.run(_pg_admin(POSTGRES_URL, [f"DROP SCHEMA {schema} CASCADE"]))


@pytest.fixture(scope="session")
def history_archive(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Archive:
    """The archive of `history.build_history`'s caisse, exported from SQLite: built once for all
    the test processes (the first to come builds it under a lock, the others read its file)."""
    shared = tmp_path_factory.getbasetemp().parent
    archive_file = shared / "backup-history.json"
    with (shared / "backup-history.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not archive_file.exists():
            archive = _build_history_archive(
                sqlite_template, tmp_path_factory.mktemp("history") / "source.db"
            )
            write_archive(archive, archive_file, compress=False)
    return read_archive(archive_file)


def _build_history_archive(template: Path, path: Path) -> Archive:
    from argon2 import PasswordHasher

    from caisse.auth import secrets

    shutil.copy(template, path)

    async def build() -> Archive:
        engine = make_engine(Settings(database_url=f"sqlite+aiosqlite:///{path}"))
        try:
            async with make_sessionmaker(engine)() as session:
                return await export_history(session)
        finally:
            await engine.dispose()

    # Like the suite's `cheap_password_hashing`, which a session fixture cannot use.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(secrets, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
        return asyncio.run(build())
