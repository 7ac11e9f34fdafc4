"""Test databases: every database test runs on SQLite and on PostgreSQL.

`CAISSE_TEST_BACKENDS` (default "sqlite,postgresql") picks the backends. PostgreSQL is
`CAISSE_TEST_POSTGRES_URL` (default the local server's database `test`); each run works in
its own schema, so parallel runs never see each other. When PostgreSQL is unreachable its
tests are skipped, except in CI (`CI=true`), where that fails the run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from caisse.db import append_only
from caisse.db.engine import make_engine, make_sessionmaker
from caisse.db.models import Base
from caisse.settings import Settings

POSTGRES_URL = os.environ.get("CAISSE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
BACKENDS = [b.strip() for b in os.environ.get("CAISSE_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
IN_CI = os.environ.get("CI", "").lower() == "true"


async def _pg_admin(url: str, statements: list[str]) -> None:
    import asyncpg

    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def _create_schema_objects(url: str, schema: str | None = None) -> None:
    async def run() -> None:
        engine = make_engine(Settings(database_url=url, database_schema=schema))
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
            await conn.run_sync(append_only.install)
        await engine.dispose()

    asyncio.run(run())


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Still argon2, at its lowest cost: the tests create many users, and the production cost
    (deliberately slow) would dominate the suite's time."""
    from argon2 import PasswordHasher

    from caisse.auth import secrets

    monkeypatch.setattr(secrets, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "template.db"
    _create_schema_objects(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[str]:
    schema = f"caisse_test_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_pg_admin(POSTGRES_URL, [f"CREATE SCHEMA {schema}"]))
    except Exception as exc:  # whatever the failure, there is no usable server
        message = f"PostgreSQL unreachable at {POSTGRES_URL}: {exc}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    _create_schema_objects(POSTGRES_URL, schema)
    yield schema
    asyncio.run(_pg_admin(POSTGRES_URL, [f"DROP SCHEMA {schema} CASCADE"]))


def _truncate_postgres(schema: str) -> None:
    tables = ", ".join(f"{schema}.{t.name}" for t in Base.metadata.sorted_tables)
    asyncio.run(_pg_admin(POSTGRES_URL, [f"TRUNCATE {tables} RESTART IDENTITY CASCADE"]))


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings for an empty database, once per backend."""
    if request.param == "sqlite":
        path = tmp_path / "caisse.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield Settings(database_url=f"sqlite+aiosqlite:///{path}")
    elif request.param == "postgresql":
        schema = request.getfixturevalue("postgres_schema")
        yield Settings(database_url=POSTGRES_URL, database_schema=schema)
        _truncate_postgres(schema)
    else:
        raise ValueError(f"unknown backend {request.param!r} in CAISSE_TEST_BACKENDS")


@pytest.fixture
def backend(settings: Settings) -> str:
    return "sqlite" if settings.is_sqlite else "postgresql"


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(settings)
    yield engine
    await engine.dispose()


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session for arranging and checking; commit explicitly what the code under test must see."""
    async with make_sessionmaker(engine)() as session:
        yield session


# --- the HTTP app and a populated caisse -------------------------------------------------

from dataclasses import dataclass, field  # noqa: E402

from litestar import Litestar  # noqa: E402
from litestar.testing import AsyncTestClient  # noqa: E402

from caisse.app import create_app  # noqa: E402
from caisse.auth.models import Role  # noqa: E402


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture(autouse=True)
def _forget_app_state_keys() -> Iterator[None]:
    """advanced-alchemy keeps every config's app-state keys in class-level sets, to keep them unique
    within a process; with an app per test they pile up until its recursive search for a free key
    overflows the stack (after ~950 apps). Each test's app is gone when the test ends."""
    yield
    for registry in (
        "_SESSION_SCOPE_KEY_REGISTRY",
        "_ENGINE_APP_STATE_KEY_REGISTRY",
        "_SESSIONMAKER_APP_STATE_KEY_REGISTRY",
    ):
        getattr(SQLAlchemyAsyncConfig, registry).clear()


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


@dataclass
class World:
    """A caisse ("test", Ariège CCAMPA rules from 2027-01), a second caisse ("other"), and
    one user per role in "test" with API-token headers, plus an "outsider" who is staff of
    "other" only and a "superuser"."""

    caisse_id: int
    slug: str
    other_caisse_id: int
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)


async def build_world(session: AsyncSession, preset: str = "ariege-ccampa") -> World:
    from caisse import rules
    from caisse.auth import service as auth
    from caisse.caisses.service import create_caisse

    rule_set = rules.get_preset(preset).latest
    caisse = await create_caisse(
        session,
        slug="test",
        name="Caisse test",
        first_month="2027-01",
        rule_set=rule_set,
        preset=preset,
        member_code_prefix="T",
    )
    other = await create_caisse(
        session,
        slug="other",
        name="Autre caisse",
        first_month="2027-01",
        rule_set=rule_set,
        preset=preset,
        member_code_prefix="O",
    )
    world = World(caisse_id=caisse.id, slug="test", other_caisse_id=other.id)
    people: list[tuple[str, Role | None, int | None]] = [(role.value, role, caisse.id) for role in Role]
    people += [("outsider", Role.STAFF, other.id), ("superuser", None, None), ("nobody", None, None)]
    for name, role, caisse_id in people:
        user = await auth.create_user(
            session,
            email=f"{name}@example.org",
            display_name=name.title(),
            password="correct horse battery",
            is_superuser=name == "superuser",
        )
        if role is Role.MEMBER:
            # The member user's household is created by tests that need it; grant later.
            pass
        elif role is not None and caisse_id is not None:
            await auth.grant_role(session, user_id=user.id, caisse_id=caisse_id, role=role)
        _, token = await auth.issue_api_token(session, user_id=user.id, name="tests")
        world.headers[name] = {"Authorization": f"Bearer {token}"}
        world.user_ids[name] = user.id
    await session.commit()
    return world


@pytest.fixture
async def world(db: AsyncSession) -> World:
    return await build_world(db)
