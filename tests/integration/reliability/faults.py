"""Tools to injure a running caisse: a server killed mid-operation, a database that goes away.

* `ServerProcess`: the app served by uvicorn in a process group of its own (benchmarks/serving.py),
  on the test's PostgreSQL schema; `kill()` sends SIGKILL to the group, as the OOM killer or a
  power cut would, so nothing gets to roll back or close politely.
* `RowHolder`: another transaction that holds one row `FOR UPDATE`. An operation that writes that
  row, or inserts a row referencing it (the foreign-key check waits too), stops there with its
  earlier writes done and uncommitted: "the middle" of the operation, reached every time, with
  no hook in the code. `wait_for_blocked` says which backend waits, what it runs and whether it
  has written (a transaction id).
* `TcpProxy`: the database's address as the app sees it; `cut()` drops every connection and
  refuses new ones until `restore()`, without touching the PostgreSQL server others share.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
from dataclasses import dataclass, field

import asyncpg

from benchmarks.serving import free_port, start_server, wait_until_up
from caisse.settings import Settings

STARTUP_SECONDS = 30.0


def asyncpg_dsn(settings: Settings) -> str:
    return settings.database_url.replace("postgresql+asyncpg://", "postgresql://")


async def connect(settings: Settings) -> asyncpg.Connection:
    """A plain connection to the test database, in the test's schema."""
    server_settings = {"search_path": settings.database_schema} if settings.database_schema else None
    return await asyncpg.connect(asyncpg_dsn(settings), server_settings=server_settings, timeout=5)


class ServerProcess:
    """`uvicorn caisse.app:create_app` with one worker, on a free port, for `settings`."""

    def __init__(self, settings: Settings) -> None:
        self.env = {"CAISSE_DATABASE_URL": settings.database_url}
        if settings.database_schema:
            self.env["CAISSE_DATABASE_SCHEMA"] = settings.database_schema
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        self.process = start_server(self.port, 1, "uvicorn", self.env)
        await asyncio.to_thread(wait_until_up, self.base, self.process, STARTUP_SECONDS)

    def kill(self) -> None:
        """SIGKILL to the server and all its processes; returns once they are gone."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None


@dataclass(frozen=True)
class Blocked:
    pid: int
    query: str
    has_written: bool


async def wait_for_blocked(admin: asyncpg.Connection, holder_pid: int, seconds: float = 20.0) -> Blocked:
    """The backend that waits for `holder_pid`'s lock, once one does; AssertionError if none does."""
    for _ in range(int(seconds * 20)):
        row = await admin.fetchrow(
            "SELECT pid, query, backend_xid IS NOT NULL AS has_written FROM pg_stat_activity "
            "WHERE $1 = ANY(pg_blocking_pids(pid))",
            holder_pid,
        )
        if row is not None:
            return Blocked(row["pid"], row["query"], row["has_written"])
        await asyncio.sleep(0.05)
    raise AssertionError(f"no backend waited for the lock held by {holder_pid} within {seconds:g} s")


async def wait_until_gone(admin: asyncpg.Connection, pid: int, seconds: float = 20.0) -> None:
    """Until the backend `pid` has ended (and so rolled back what it had not committed)."""
    for _ in range(int(seconds * 20)):
        if not await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"backend {pid} still runs {seconds:g} s after its client died")


class RowHolder:
    """A transaction holding `SELECT ... FOR UPDATE` on one row until `release()`."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection
        self.transaction = connection.transaction()

    @classmethod
    async def hold(cls, settings: Settings, table: str, row_id: int) -> RowHolder:
        holder = cls(await connect(settings))
        await holder.transaction.start()
        # `table` is one of the app's table names, written by the test itself.
        await holder.connection.execute(f"SELECT id FROM {table} WHERE id = $1 FOR UPDATE", row_id)
        return holder

    @property
    def pid(self) -> int:
        return int(self.connection.get_server_pid())

    async def release(self) -> None:
        if not self.connection.is_closed():
            await self.transaction.rollback()
            await self.connection.close()


@dataclass
class TcpProxy:
    """127.0.0.1:`port` forwarded to the database server, until cut."""

    target_host: str
    target_port: int
    port: int = field(default_factory=free_port)
    _server: asyncio.Server | None = None
    _pipes: set[asyncio.StreamWriter] = field(default_factory=set)
    _drop_at: bytes | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def cut(self) -> None:
        """Refuse new connections and drop every open one (each side sees its peer vanish)."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._pipes):
            with contextlib.suppress(OSError):
                writer.transport.abort()
        self._pipes.clear()

    async def restore(self) -> None:
        await self.start()

    def drop_at(self, marker: bytes) -> None:
        """Drop, once, the connection whose client next sends `marker` (say b"COMMIT;\\x00", asyncpg's
        commit), before the database receives it: the client cannot tell whether its statement ran
        (it did not)."""
        self._drop_at = marker

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                self.target_host, self.target_port
            )
        except OSError:
            writer.transport.abort()
            return
        self._pipes |= {writer, upstream_writer}
        await asyncio.gather(
            self._pipe(reader, upstream_writer, client=writer),
            self._pipe(upstream_reader, writer),
            return_exceptions=True,
        )

    async def _pipe(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        client: asyncio.StreamWriter | None = None,
    ) -> None:
        """Copy `reader` to `writer`; `client` is given on the way to the database."""
        try:
            while data := await reader.read(65536):
                if client is not None and self._drop_at is not None and self._drop_at in data:
                    self._drop_at = None
                    client.transport.abort()
                    return
                writer.write(data)
                await writer.drain()
        finally:
            self._pipes.discard(writer)
            writer.transport.abort()
