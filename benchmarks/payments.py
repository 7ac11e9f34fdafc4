"""Benchmark: payments at outlets through the HTTP API, next to pgbench running the same SQL.

    python benchmarks/payments.py [--members 5000] [--outlets 20] [--clients 16] [--seconds 20]
                                  [--workers 2] [--pool-size 16] [--server granian|uvicorn]

PostgreSQL only: CAISSE_BENCH_DATABASE_URL (default the local server's database `test`). The run
drops and recreates the schema `bench_payments`, creates the tables, and seeds a caisse: active
households with a PIN and 500 € of credit each, conventioned outlets each with a till user and an
API token. Then:

* **HTTP API**: a real server (`granian --interface asgi --factory caisse.app:create_app
  --workers N`, or uvicorn) on a free port; `--clients` tills (asyncio, a lean keep-alive HTTP/1.1
  connection each) keep payments in flight (each till is one outlet's and pays for its own share
  of the households, so no two payments in flight share a wallet; every payment has a new
  idempotency key) for `--seconds`, after a short warm-up.
* **pgbench**: the service's own statements (compiled from `caisse.spending.statements` and
  `caisse.auth.identify`), with as many clients for as long against the same server: the token
  lookup, then BEGIN, the outlet and household with their rows locked, the credit check with the
  booking, COMMIT (member, outlet and amount drawn with `\\set random`).

It prints payments/s and p50/p99 latency of both and their ratio, then verifies the bench schema's
ledger (`caisse.ledger.verify.verify_ledger` and the spending checks) and prints "ledger verified:
ok" (exit 1 otherwise). Targets: >= 500 payments/s, p99 <= 50 ms, >= 25 % of pgbench's rate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import uvloop

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text  # noqa: E402
from sqlalchemy.dialects import postgresql  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from benchmarks.serving import free_port, start_server, stop_server, wait_until_up  # noqa: E402
from caisse.auth import identify  # noqa: E402
from caisse.auth import service as auth  # noqa: E402
from caisse.auth.models import Role  # noqa: E402
from caisse.auth.secrets import token_digest  # noqa: E402
from caisse.caisses.service import create_caisse_with_preset  # noqa: E402
from caisse.db import append_only  # noqa: E402
from caisse.db.engine import make_engine, make_sessionmaker  # noqa: E402
from caisse.db.models import Base  # noqa: E402
from caisse.ledger import AccountKind, EntryKind, caisse_account_id, open_member_accounts  # noqa: E402
from caisse.ledger.posting import post_compound  # noqa: E402
from caisse.ledger.verify import verify_ledger  # noqa: E402
from caisse.ledger.verify.checker import Checker  # noqa: E402
from caisse.members.models import Member, MemberStatus  # noqa: E402
from caisse.outlets.conventioning import record_decision  # noqa: E402
from caisse.outlets.service import create_outlet  # noqa: E402
from caisse.settings import Settings  # noqa: E402
from caisse.spending import statements  # noqa: E402
from caisse.spending.checks import check_outlet_payments, check_payment_records  # noqa: E402
from caisse.spending.models import MemberPin  # noqa: E402
from caisse.spending.pins import is_trivial, pin_digest  # noqa: E402

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_payments"
SLUG = "bench"
CREDIT_CENTS = 50_000  # 500 € per household: far more than the run spends
WARMUP_SECONDS = 3.0
TARGET_RATE, TARGET_P99_MS, TARGET_SHARE = 500, 50.0, 0.25


@dataclass(frozen=True)
class Seeded:
    caisse_id: int
    member_codes: list[str]
    member_pins: list[str]
    member_ids: tuple[int, int]  # first, last (contiguous)
    outlet_ids: list[int]
    tokens: list[str]  # the till of outlet_ids[i] holds tokens[i]
    till_user_id: int


@dataclass(frozen=True)
class Measure:
    name: str
    clients: int
    done: int
    seconds: float
    latencies_ms: np.ndarray
    errors: dict[str, int]

    @property
    def rate(self) -> float:
        return self.done / self.seconds

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms.size else float("nan")


# --- where the CPU goes ----------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _postgres_pids() -> list[int]:
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip().startswith("postgres"):
                pids.append(int(comm.parent.name))
        except OSError:
            continue
    return pids


def _machine_busy() -> float:
    """CPU seconds the whole machine spent busy (all cores), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICK


@dataclass(frozen=True)
class CpuSplit:
    """CPU seconds during the measured window: the benchmark's client, the server's processes, the
    PostgreSQL processes alive at both ends of the window (the server's pooled connections and the
    background writers; other users' long-lived sessions too) and the machine as a whole."""

    client: float
    server: float
    postgres: dict[int, float]
    machine: float

    @classmethod
    def now(cls, server_pids: list[int]) -> CpuSplit:
        return cls(
            client=time.process_time(),
            server=sum(_process_cpu(p) for p in server_pids),
            postgres={p: _process_cpu(p) for p in _postgres_pids()},
            machine=_machine_busy(),
        )

    def __sub__(self, other: CpuSplit) -> CpuSplit:
        both = self.postgres.keys() & other.postgres.keys()
        return CpuSplit(
            self.client - other.client,
            self.server - other.server,
            {p: self.postgres[p] - other.postgres[p] for p in both},
            self.machine - other.machine,
        )

    def per_payment_ms(self, payments: int) -> str:
        postgres = sum(self.postgres.values())
        others = self.machine - self.client - self.server - postgres
        parts = {"client": self.client, "server": self.server, "PostgreSQL": postgres, "other": others}
        return ", ".join(f"{name} {1000 * v / max(payments, 1):.2f}" for name, v in parts.items())


# --- the database ---------------------------------------------------------------------------


def pins_for(n: int, rng: np.random.Generator) -> list[str]:
    out = []
    while len(out) < n:
        pin = f"{int(rng.integers(0, 10_000)):04d}"
        if not is_trivial(pin):
            out.append(pin)
    return out


async def prepare(url: str, members: int, outlets: int, seed: int) -> Seeded:
    """Fresh schema, tables, and a caisse ready to take payments."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"), timeout=10)
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        await conn.execute(f"CREATE SCHEMA {SCHEMA}")
    finally:
        await conn.close()
    engine = make_engine(Settings(database_url=url, database_schema=SCHEMA))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
            await connection.run_sync(append_only.install)
        seeded = await seed_caisse(engine, members, outlets, np.random.default_rng(seed))
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM (ANALYZE)"))
    finally:
        await engine.dispose()
    return seeded


async def seed_caisse(engine: AsyncEngine, n: int, n_outlets: int, rng: np.random.Generator) -> Seeded:
    today = date.today()
    joined = today - timedelta(days=90)
    async with make_sessionmaker(engine)() as session, session.begin():
        caisse = await create_caisse_with_preset(
            session, slug=SLUG, name="Benchmark", first_month=f"{joined:%Y-%m}", preset="ariege-ccampa",
            member_code_prefix="B",
        )  # fmt: skip
        codes = [f"B-{i + 1:06d}" for i in range(n)]
        await session.execute(
            insert(Member),
            [
                {
                    "caisse_id": caisse.id, "code": code, "reference_person": f"Foyer {code}",
                    "monthly_income_cents": 150_000, "income_declared_on": joined,
                    "status": MemberStatus.ACTIVE,
                    "applied_on": joined, "activated_on": joined,
                }
                for code in codes
            ],
        )  # fmt: skip
        ids = list(
            await session.scalars(select(Member.id).where(Member.caisse_id == caisse.id).order_by(Member.id))
        )
        await open_member_accounts(session, caisse.id, ids)
        pins = pins_for(n, rng)
        salts = [secrets.token_hex(16) for _ in ids]
        await session.execute(
            insert(MemberPin),
            [
                {"member_id": m, "pin_hash": pin_digest(s, p), "salt": s, "failed_attempts": 0}
                for m, p, s in zip(ids, pins, salts, strict=True)
            ],
        )
        wallets = dict(
            (
                await session.execute(
                    text("SELECT member_id, id FROM ledger_account WHERE caisse_id = :c AND kind = 'wallet'"),
                    {"c": caisse.id},
                )
            ).all()
        )
        await post_compound(
            session, caisse_id=caisse.id, kind=EntryKind.ALLOCATION, occurred_on=joined.replace(day=1),
            period=f"{joined:%Y-%m}", account_ids=np.array([wallets[m] for m in ids], dtype=np.int64),
            amounts_cents=np.full(len(ids), -CREDIT_CENTS, dtype=np.int64),
            counter_account_id=await caisse_account_id(session, caisse.id, AccountKind.ALLOCATIONS),
            memo="benchmark credit",
        )  # fmt: skip
        outlet_ids, tokens, till_user_id = [], [], 0
        for i in range(n_outlets):
            outlet = await create_outlet(
                session, caisse, values={"name": f"Lieu {i + 1:02d}", "kind": "shop"}, today=joined
            )
            await record_decision(
                session, caisse, outlet.id, decision="convene", effective_on=today - timedelta(days=1)
            )
            user = await auth.create_user(
                session, email=f"till{i + 1}@bench.example", display_name=f"Till {i + 1}",
                password=secrets.token_urlsafe(16),
            )  # fmt: skip
            await auth.grant_role(
                session, user_id=user.id, caisse_id=caisse.id, role=Role.OUTLET, outlet_id=outlet.id
            )
            _, token = await auth.issue_api_token(session, user_id=user.id, name="till")
            outlet_ids.append(outlet.id)
            tokens.append(token)
            till_user_id = till_user_id or user.id
        return Seeded(caisse.id, codes, pins, (ids[0], ids[-1]), outlet_ids, tokens, till_user_id)


async def verify(url: str) -> list[str]:
    engine = make_engine(Settings(database_url=url, database_schema=SCHEMA))
    try:
        async with make_sessionmaker(engine)() as session:
            report = await verify_ledger(session)
            checker = Checker(session, None)
            await check_outlet_payments(checker)
            await check_payment_records(checker)
            problems = [f"{p.code}: {p.message}" for p in [*report.problems, *checker.problems]]
            print(f"{report.summary()}")
            return problems
    finally:
        await engine.dispose()


# --- the HTTP run ---------------------------------------------------------------------------

class TillConnection:
    """A till's keep-alive HTTP/1.1 connection that posts JSON and reads the answer.

    The benchmark measures the server; pgbench's client is C. With httpx the tills cost about
    1.5 ms of CPU a payment, as much as half the server's, on the same two cores; this costs a
    fraction of that. It relies on what the server sends: a status line, headers with a
    Content-Length, and the body.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: bytes) -> None:
        self.reader, self.writer, self.head = reader, writer, head

    @classmethod
    async def open(cls, base: str, path: str, token: str) -> TillConnection:
        host, _, port = base.removeprefix("http://").partition(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\nContent-Length: "
        ).encode()
        return cls(reader, writer, head)

    async def post(self, body: bytes) -> tuple[int, bytes]:
        self.writer.write(b"%s%d\r\n\r\n%s" % (self.head, len(body), body))
        headers = await self.reader.readuntil(b"\r\n\r\n")
        status = int(headers[9:12])
        start = headers.lower().index(b"content-length:") + 15
        length = int(headers[start : headers.index(b"\r\n", start)])
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


async def drive(
    base: str, seeded: Seeded, clients: int, seconds: float, server_pids: list[int]
) -> tuple[Measure, CpuSplit]:
    """`clients` tills paying in a loop; latencies, successes and CPU counted after the warm-up."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    done = 0
    run = secrets.token_hex(4)
    started = time.perf_counter()
    measure_from, stop_at = started + WARMUP_SECONDS, started + WARMUP_SECONDS + seconds

    async def till(k: int) -> None:
        nonlocal done
        outlet = k % len(seeded.outlet_ids)
        path = f"/api/v1/caisses/{SLUG}/outlets/{seeded.outlet_ids[outlet]}/payments"
        mine = range(k, len(seeded.member_codes), clients)  # no wallet shared with another till
        n = 0
        # One connection per till, as at a real counter.
        till_connection = await TillConnection.open(base, path, seeded.tokens[outlet])
        try:
            while (now := time.perf_counter()) < stop_at:
                member = mine[n % len(mine)]
                body = {
                    "member_code": seeded.member_codes[member], "pin": seeded.member_pins[member],
                    "amount_cents": 100 + (n * 37 + k) % 1900, "idempotency_key": f"bench-{run}-{k}-{n}",
                }  # fmt: skip
                n += 1
                status, answer = await till_connection.post(json.dumps(body).encode())
                if now < measure_from:
                    continue
                if status == 201:
                    latencies.append((time.perf_counter() - now) * 1000)
                    done += 1
                else:
                    key = f"{status} {json.loads(answer).get('error', '')}"
                    errors[key] = errors.get(key, 0) + 1
        finally:
            till_connection.close()

    async def meter() -> CpuSplit:
        await asyncio.sleep(measure_from - time.perf_counter())
        first = CpuSplit.now(server_pids)
        await asyncio.sleep(stop_at - time.perf_counter())
        return CpuSplit.now(server_pids) - first

    cpu, *_ = await asyncio.gather(meter(), *(till(k) for k in range(clients)))
    return Measure("HTTP API", clients, done, seconds, np.array(latencies), errors), cpu


# --- pgbench --------------------------------------------------------------------------------

def _as_pgbench(statement: Any, values: dict[str, str]) -> str:
    """The service's own statement as PostgreSQL compiles it, each bound parameter replaced by a
    pgbench variable or an SQL expression (pgbench can only draw numbers)."""
    compiled = str(statement.compile(dialect=postgresql.dialect(paramstyle="named")))
    missing = set(re.findall(r"(?<!:):(\w+)", compiled)) - values.keys()
    if missing:
        raise SystemExit(f"the pgbench script has no value for {sorted(missing)}")
    return re.sub(r"(?<!:):(\w+)", lambda m: values[m[1]], " ".join(compiled.split()))


def pgbench_script() -> str:
    """The payment as the service runs it on PostgreSQL: the caller's token lookup (autocommit),
    then in a transaction the outlet and the household with its rows locked, and the credit check
    with the booking. Retry keys are fresh UUIDs; members, outlets and amounts drawn at random."""
    # A key made of parameters (not a volatile function), so its lookups use the index as the app's do.
    new_key = "('pgb-' || :client_id || '-' || :nonce)"
    lock = _as_pgbench(
        statements.OUTLET_AND_HOLDER,
        {
            "slug": f"'{SLUG}'", "code": "('outlet:' || :outlet)", "client_key": new_key,
            "day": "current_date", "member_code": "('B-' || lpad(CAST(:member AS text), 6, '0'))",
            "kind_1": "'wallet'",
        },
    )  # fmt: skip
    book = _as_pgbench(
        statements.BOOK_POSTGRES,
        {
            "wallet_id": ":wallet_id", "caisse_id": ":caisse_id", "outlet_account_id": ":outlet_account_id",
            "member_id": ":member_id", "outlet_id": ":outlet", "amount_cents": ":amount",
            "kind": "'payment'", "paid_on": "current_date", "paid_at": "now()", "memo": "'pgbench'",
            "entry_key": f"('pay:' || :outlet || ':' || {new_key})", "user_id": ":till_user",
            "client_key": new_key, "note": "''",
        },
    )  # fmt: skip
    caller = _as_pgbench(identify.BY_TOKEN, {"token_hash": ":token_hash"})
    return "\n".join(
        [
            "\\set member random(1, :members)",
            "\\set outlet random(:first_outlet, :last_outlet)",
            "\\set amount random(100, 1999)",
            "\\set nonce random(1, 1000000000)",
            f"{caller};",
            "BEGIN;",
            f"SELECT caisse_id, id AS outlet_account_id, member_id, wallet_id FROM ({lock}) AS locked \\gset",
            f"{book};",
            "COMMIT;",
            "",
        ]
    )


def run_pgbench(url: str, seeded: Seeded, clients: int, seconds: float) -> Measure:
    pgbench = shutil.which("pgbench")
    if pgbench is None:
        raise SystemExit("pgbench is not installed (apt-get install postgresql-client)")
    match = re.match(
        r"postgresql\+asyncpg://(?P<user>[^@/]+)@(?P<host>[^:/]+):(?P<port>\d+)/(?P<db>\w+)", url
    )
    if match is None:
        raise SystemExit(f"cannot read user, host, port and database from {url}")
    variables = {
        "members": len(seeded.member_codes), "first_outlet": min(seeded.outlet_ids),
        "last_outlet": max(seeded.outlet_ids), "till_user": seeded.till_user_id,
        "token_hash": token_digest(seeded.tokens[0]),
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "payment.sql"
        script.write_text(pgbench_script())
        # The warm-up is not logged: pgbench's own run of the same length first, then the measured one.
        command = [
            pgbench, "-n", "-M", "prepared", "-h", match["host"], "-p", match["port"], "-U", match["user"],
            "-c", str(clients),
            "-j", "2", "-f", str(script), *(f"-D{k}={v}" for k, v in variables.items()), match["db"],
        ]  # fmt: skip
        env = {**os.environ, "PGOPTIONS": f"-c search_path={SCHEMA}"}
        subprocess.run([*command, "-T", str(int(WARMUP_SECONDS))], env=env, check=True, capture_output=True)
        out = subprocess.run(
            [*command, "-T", str(int(seconds)), "-l", f"--log-prefix={tmp}/log"],
            env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        latencies = []
        for log in Path(tmp).glob("log.*"):
            for line in log.read_text().splitlines():
                latencies.append(int(line.split()[2]) / 1000)  # client, transaction, latency in µs, ...
    done = int(re.search(r"number of transactions actually processed: (\d+)", out.stdout)[1])  # type: ignore[index]
    failed = re.search(r"number of failed transactions: (\d+)", out.stdout)
    errors = {"failed": int(failed[1])} if failed and int(failed[1]) else {}
    return Measure("pgbench (same SQL)", clients, done, seconds, np.array(latencies), errors)


# --- the run --------------------------------------------------------------------------------


def table(ours: Measure, theirs: Measure) -> str:
    rows = [
        "| implementation | clients | payments | payments/s | p50 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for m in (ours, theirs):
        rows.append(
            f"| {m.name} | {m.clients} | {m.done} | {m.rate:,.0f} | {m.percentile(50):.1f} "
            f"| {m.percentile(99):.1f} |"
        )
    rows.append(f"\nHTTP API / pgbench: {ours.rate / theirs.rate:.1%} of pgbench's rate")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--outlets", type=int, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--server", choices=["granian", "uvicorn"], default="granian")
    parser.add_argument("--pool-size", type=int, default=16, help="database connections per server worker")
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()
    url = os.environ.get("CAISSE_BENCH_DATABASE_URL", DEFAULT_URL)

    print(f"seeding {args.members} households and {args.outlets} outlets in schema {SCHEMA} …", flush=True)
    seeded = asyncio.run(prepare(url, args.members, args.outlets, args.seed))
    port = free_port()
    server = start_server(
        port,
        args.workers,
        args.server,
        {
            "CAISSE_DATABASE_URL": url,
            "CAISSE_DATABASE_SCHEMA": SCHEMA,
            "CAISSE_DB_POOL_SIZE": str(args.pool_size),
        },
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base, server, seconds=20.0)
        print(
            f"HTTP API: {args.clients} clients for {args.seconds:.0f} s "
            f"({args.server}, {args.workers} workers) …",
            flush=True,
        )
        server_pids = [server.pid, *_children(server.pid)]
        ours, cpu = uvloop.run(drive(base, seeded, args.clients, args.seconds, server_pids))
        ours = replace(ours, name=f"HTTP API ({args.server}, {args.workers} workers)")
    finally:
        stop_server(server)
    print(f"pgbench: {args.clients} clients for {args.seconds:.0f} s …", flush=True)
    theirs = run_pgbench(url, seeded, args.clients, args.seconds)

    print()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, {date.today()}")
    print(table(ours, theirs))
    cores = os.cpu_count() or 1
    print(
        f"CPU per HTTP payment, ms: {cpu.per_payment_ms(ours.done)} "
        f"({cores} cores at this rate: {1000 * cores / max(ours.rate, 1):.2f} ms a payment)"
    )
    if ours.errors or theirs.errors:
        print(f"refused or failed: HTTP {ours.errors or 'none'}; pgbench {theirs.errors or 'none'}")
    met = (
        ours.rate >= TARGET_RATE
        and ours.percentile(99) <= TARGET_P99_MS
        and ours.rate >= TARGET_SHARE * theirs.rate
    )
    print(
        f"targets (>= {TARGET_RATE}/s, p99 <= {TARGET_P99_MS:.0f} ms, >= {TARGET_SHARE:.0%} of pgbench): "
        f"{'met' if met else 'NOT met'}"
    )
    problems = asyncio.run(verify(url))
    if problems:
        print("ledger verified: BROKEN\n" + "\n".join(problems))
        raise SystemExit(1)
    print("ledger verified: ok")


if __name__ == "__main__":
    main()
