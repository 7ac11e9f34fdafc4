"""Engine construction: the same settings give the app, the CLI and the tests one engine."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from caisse.settings import Settings


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # SQLite ignores foreign keys unless told; WAL lets readers run beside the one writer,
    # and the busy timeout makes a second writer wait instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


async def _connect_asyncpg(*args: Any, **kwargs: Any) -> Any:
    """asyncpg's connect, with a database that cannot be reached (refused, unreachable, timed out,
    starting up or full) reported as a lost connection. asyncpg raises these as OSError or as its
    own exceptions, which SQLAlchemy passes on unwrapped: they would be 500s, when they are a
    passing outage worth a retry (503, `caisse.http.errors.database_refusal`)."""
    import asyncpg

    try:
        return await asyncpg.connect(*args, **kwargs)
    except (OSError, TimeoutError, asyncpg.CannotConnectNowError, asyncpg.TooManyConnectionsError) as exc:
        raise DBAPIError(None, None, exc, connection_invalidated=True) from exc


def engine_options(settings: Settings) -> dict[str, Any]:
    # Statement parameters never reach logs or error messages: they carry incomes, PINs' hashes
    # and, during a ballot, the tally increments that would reveal each vote.
    common = {"echo": settings.echo_sql, "hide_parameters": True}
    if settings.is_sqlite:
        return common
    options: dict[str, Any] = {
        **common,
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_pool_size,
        # No ping at checkout: asyncpg's costs three round trips (BEGIN, a no-op, ROLLBACK), and
        # every request checks out twice (the caller, then its handler). A connection lost to a
        # server restart fails its request instead (503, nothing saved; a till resends with the
        # same idempotency key) and SQLAlchemy then discards every older connection of the pool.
        # Connections are renewed every half hour, before a firewall forgets them.
        "pool_pre_ping": False,
        "pool_recycle": 1800,
    }
    connect_args: dict[str, Any] = {}
    if make_url(settings.database_url).get_driver_name() == "asyncpg":
        connect_args["async_creator_fn"] = _connect_asyncpg
    if settings.database_schema:
        connect_args["server_settings"] = {"search_path": settings.database_schema}
    options["connect_args"] = connect_args
    return options


def make_engine(settings: Settings, **overrides: Any) -> AsyncEngine:
    engine = create_async_engine(settings.database_url, **{**engine_options(settings), **overrides})
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[Any]:
    return async_sessionmaker(engine, expire_on_commit=False)
