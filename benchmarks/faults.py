"""Long fault run: the server SIGKILLed at random moments while it closes months, makes payout
batches and takes payments; after each kill, restart, verify the ledger, resend what went
unanswered, and count what was lost or doubled.

    python benchmarks/faults.py [--cycles 20] [--households 20000] [--tills 8] [--workers 2] [--seed 2027]

PostgreSQL only: `CAISSE_BENCH_DATABASE_URL` (default the local server's database `test`); the run
works in a fresh schema that it drops at the end. The caisse (Ariège rules) starts `cycles + 2`
months ago so that each cycle has a month to close; its tills take payments from 300 households
with PINs at two conventioned outlets with bank details, and its fund holds a subsidy.

Each cycle: the tills pay continuously (each payment with its own idempotency key, as a till does);
the cycle's operation is sent — the close of the next month, or, every other cycle, a payout batch
(with an `Idempotency-Key`) of what the outlets asked and staff approved just before — and the
server's whole process group is SIGKILLed after a random delay (fixed seed) drawn over the time the
operation takes. Then: restart, `verify_ledger` (what `caisse ledger verify` runs), every
unanswered payment and the operation resent with the same keys, and the database checked: every
payment answered 2xx (before or after the kill) stored exactly once, one payment entry per
payment, the month closed once with one allocation entry, each batch made once with one
redemption entry. Exits 1 when anything was lost or doubled or the ledger does not verify.
The tests (tests/integration/reliability/test_faults.py) kill at a chosen point instead, in
seconds; this runs for minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.serving import free_port, start_server, stop_server, wait_until_up
from caisse.auth import service as auth
from caisse.auth.models import Role
from caisse.caisses.models import Caisse
from caisse.caisses.service import create_caisse_with_preset
from caisse.cycle.models import PeriodClose
from caisse.db import append_only
from caisse.db.engine import make_engine, make_sessionmaker
from caisse.db.models import Base
from caisse.errors import DomainError
from caisse.ledger import EntryKind, JournalEntry, open_member_accounts
from caisse.ledger.verify import verify_ledger
from caisse.members.models import Member, MemberStatus
from caisse.money import create_subsidy_source, record_subsidy
from caisse.outlets.conventioning import record_decision
from caisse.outlets.service import create_outlet
from caisse.periods import caisse_today, first_day, month_of, next_month, previous_month
from caisse.redemptions.approval import approve_redemption
from caisse.redemptions.models import PayoutBatch
from caisse.redemptions.requests import request_redemption
from caisse.settings import Settings
from caisse.spending.models import MemberPin, OutletPayment
from caisse.spending.pins import is_trivial, pin_digest

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
SLUG = "pannes"
PAYERS = 300
# Valid French IBANs (mod-97) and BICs that the SEPA file accepts.
CAISSE_BANK = ("Caisse SSA de l'Ariège", "FR7630006000011234567890189", "CMCIFR2A")
OUTLET_BANKS = (("FR4430004000030000012345678", "BNPAFRPP"), ("FR6910278000000002000012345", "CMCIFR2AXXX"))


@dataclass
class World:
    settings: Settings
    caisse_id: int
    outlet_ids: list[int]
    till_headers: list[dict[str, str]]
    staff_headers: dict[str, str]
    payers: list[tuple[str, str]]  # member code, PIN


@dataclass
class Cycle:
    """One kill and what it did to the operations in flight."""

    number: int
    operation: str
    kill_after: float = 0.0
    at_kill: str = ""  # the operation's answer when the server died, or "in flight"
    answered: int = 0  # payments answered before the kill
    in_flight: int = 0  # payments sent and unanswered when the server died
    resent_stored: int = 0  # of those, found done by their resend (200: the first had committed)
    lost: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)
    ledger_ok: bool = False


async def build_world(settings: Settings, households: int, months: int, rng: np.random.Generator) -> World:
    """The schema's tables and the caisse, starting `months` months ago."""
    today = caisse_today()
    first = month_of(today)
    engine = make_engine(settings)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
            await conn.run_sync(append_only.install)
        async with make_sessionmaker(engine)() as session, session.begin():
            for _ in range(months):
                first = previous_month(first)
            return await _populate(session, settings, households, first, today, rng)
    finally:
        await engine.dispose()


async def _populate(
    session: AsyncSession,
    settings: Settings,
    households: int,
    first: str,
    today: date,
    rng: np.random.Generator,
) -> World:
    caisse = await create_caisse_with_preset(
        session, slug=SLUG, name="Pannes", first_month=first, preset="ariege-ccampa", member_code_prefix="P"
    )
    caisse.bank_account_name, caisse.bank_iban, caisse.bank_bic = CAISSE_BANK
    joined = first_day(first) - timedelta(days=1)
    incomes = np.round(rng.lognormal(np.log(1_900.0), 0.6, households) * 100).astype(int)
    rows = [
        {
            "caisse_id": caisse.id, "code": f"P-{i + 1:06d}", "reference_person": f"Foyer {i + 1}",
            "monthly_income_cents": int(incomes[i]), "income_declared_on": joined,
            "status": MemberStatus.ACTIVE, "applied_on": joined, "activated_on": joined,
        }
        for i in range(households)
    ]  # fmt: skip
    for start in range(0, households, 20_000):
        await session.execute(insert(Member), rows[start : start + 20_000])
    ids = list(
        await session.scalars(select(Member.id).where(Member.caisse_id == caisse.id).order_by(Member.id))
    )
    await open_member_accounts(session, caisse.id, ids)
    pins: list[str] = []
    while len(pins) < PAYERS:
        pin = f"{int(rng.integers(0, 10_000)):04d}"
        if not is_trivial(pin):
            pins.append(pin)
    salts = [secrets.token_hex(16) for _ in pins]
    await session.execute(
        insert(MemberPin),
        [
            {"member_id": m, "pin_hash": pin_digest(s, p), "salt": s, "failed_attempts": 0}
            for m, p, s in zip(ids[:PAYERS], pins, salts, strict=True)
        ],
    )
    outlet_ids, tills = [], []
    for n, (iban, bic) in enumerate(OUTLET_BANKS):
        outlet = await create_outlet(
            session, caisse, values={"name": f"Lieu {n + 1}", "kind": "shop", "iban": iban, "bic": bic},
            today=joined,
        )  # fmt: skip
        await record_decision(
            session, caisse, outlet.id, decision="convene", effective_on=today - timedelta(days=1)
        )
        tills.append(await _token(session, caisse.id, f"till{n}", Role.OUTLET, outlet.id))
        outlet_ids.append(outlet.id)
    staff = await _token(session, caisse.id, "staff", Role.STAFF, None)
    source = await create_subsidy_source(session, caisse, name="Département", kind="department")
    await record_subsidy(session, caisse, source=source.id, amount_cents=1_000_000_000, received_on=today)
    return World(
        settings, caisse.id, outlet_ids, tills, staff, [(f"P-{i + 1:06d}", pins[i]) for i in range(PAYERS)]
    )


async def _token(
    session: AsyncSession, caisse_id: int, name: str, role: Role, outlet_id: int | None
) -> dict[str, str]:
    user = await auth.create_user(
        session, email=f"{name}@pannes.example", display_name=name, password=secrets.token_urlsafe(16)
    )
    await auth.grant_role(session, user_id=user.id, caisse_id=caisse_id, role=role, outlet_id=outlet_id)
    _, token = await auth.issue_api_token(session, user_id=user.id, name=name)
    return {"Authorization": f"Bearer {token}"}


class Tills:
    """Tills paying until stopped; every payment body is kept by key, with its first answer."""

    def __init__(self, world: World, base: str, rng: np.random.Generator) -> None:
        self.world, self.base, self.rng = world, base, rng
        self.bodies: dict[str, tuple[str, dict[str, object]]] = {}
        self.answers: dict[str, int | None] = {}  # key -> status, None while unanswered
        self.stop = asyncio.Event()

    async def run(self, cycle: int, tills: int) -> None:
        async with httpx.AsyncClient(base_url=self.base, timeout=30) as client:
            await asyncio.gather(*(self._till(client, cycle, t) for t in range(tills)))

    async def _till(self, client: httpx.AsyncClient, cycle: int, till: int) -> None:
        outlet = till % len(self.world.outlet_ids)
        url = f"/api/v1/caisses/{SLUG}/outlets/{self.world.outlet_ids[outlet]}/payments"
        n = 0
        while not self.stop.is_set():
            code, pin = self.world.payers[int(self.rng.integers(0, PAYERS))]
            key = f"c{cycle}-t{till}-{n}"
            body = {"member_code": code, "pin": pin, "amount_cents": int(self.rng.integers(100, 1_500)),
                    "idempotency_key": key}  # fmt: skip
            self.bodies[key], self.answers[key] = (url, body), None
            n += 1
            try:
                answer = await client.post(url, json=body, headers=self.world.till_headers[outlet])
            except httpx.TransportError:
                return  # the server is gone: this payment stays unanswered
            self.answers[key] = answer.status_code

    async def resend(self, base: str, keys: list[str]) -> dict[str, int]:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            statuses = {}
            for key in keys:
                url, body = self.bodies[key]
                outlet = self.world.outlet_ids.index(int(url.split("/")[-2]))
                answer = await client.post(url, json=body, headers=self.world.till_headers[outlet])
                statuses[key] = answer.status_code
            return statuses


async def prepare_batch(world: World) -> bool:
    """Each outlet asks for all it holds and staff approve (in process); False when nothing is asked."""
    engine = make_engine(world.settings)
    asked = False
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            caisse = await session.get(Caisse, world.caisse_id)
            assert caisse is not None
            for outlet_id in world.outlet_ids:
                try:
                    made = await request_redemption(session, caisse, outlet_id=outlet_id, all_available=True)
                except DomainError:
                    continue  # nothing to redeem yet
                await approve_redemption(session, caisse.id, made.record.id, by_user_id=None)
                asked = True
    finally:
        await engine.dispose()
    return asked


class Server:
    def __init__(self, world: World, workers: int) -> None:
        self.env = {"CAISSE_DATABASE_URL": world.settings.database_url,
                    "CAISSE_DATABASE_SCHEMA": world.settings.database_schema or ""}  # fmt: skip
        self.workers, self.port = workers, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = start_server(self.port, workers, "uvicorn", self.env)

    def wait(self) -> None:
        wait_until_up(self.base, self.process, 60)

    def kill(self) -> None:
        os.killpg(self.process.pid, 9)
        self.process.wait()


async def run_cycle(
    number: int,
    world: World,
    server: Server,
    rng: np.random.Generator,
    window: dict[str, float],
    tills_at_once: int,
) -> tuple[Cycle, Server]:
    """Pay, send the cycle's operation, kill the server at a random moment, restart, resend, check.
    `window` holds about the seconds each operation takes (learnt from its answers, widened after
    each kill that beat it): the kill falls within 1.5× that."""
    operation = "batch" if number % 2 and await prepare_batch(world) else "close"
    cycle = Cycle(number, operation)
    month = await next_to_close(world)
    staff = world.staff_headers
    if operation == "close":
        path, body, headers = f"/api/v1/caisses/{SLUG}/cycle/close", {"month": month}, staff
    else:
        path = f"/api/v1/caisses/{SLUG}/payout-batches/"
        body = {"execution_date": caisse_today().isoformat()}
        headers = staff | {"Idempotency-Key": f"lot-{number}"}
    tills = Tills(world, server.base, rng)
    paying = asyncio.create_task(tills.run(number, tills_at_once))
    await asyncio.sleep(float(rng.uniform(0.2, 0.6)))
    cycle.kill_after = float(rng.uniform(0.0, 1.5 * window[operation]))
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=server.base, timeout=120) as client:
        sent = asyncio.create_task(client.post(path, json=body, headers=headers))
        await asyncio.sleep(cycle.kill_after)
        server.kill()
        try:
            answer = await sent
            cycle.at_kill = str(answer.status_code)
            window[operation] = max(0.05, 0.5 * window[operation] + 0.5 * (time.perf_counter() - started))
        except httpx.TransportError:
            cycle.at_kill = "in flight"
            # Killed before it answered: let later kills fall later too, so that some land after it.
            window[operation] *= 1.2
    tills.stop.set()
    await paying
    cycle.answered = sum(1 for s in tills.answers.values() if s is not None)
    unanswered = [k for k, s in tills.answers.items() if s is None]
    cycle.in_flight = len(unanswered)

    restarted = Server(world, server.workers)
    await asyncio.to_thread(restarted.wait)
    cycle.ledger_ok = await ledger_ok(world)
    resent = await tills.resend(restarted.base, unanswered)
    cycle.resent_stored = sum(1 for s in resent.values() if s == 200)
    tills.answers.update(resent)
    async with httpx.AsyncClient(base_url=restarted.base, timeout=120) as client:
        again = await client.post(path, json=body, headers=headers)
    if again.status_code not in (200, 201):
        cycle.lost.append(f"{operation} resent: {again.status_code} {again.text[:120]}")
    await check(world, cycle, tills, month if operation == "close" else None, headers.get("Idempotency-Key"))
    cycle.ledger_ok = cycle.ledger_ok and await ledger_ok(world)
    return cycle, restarted


async def next_to_close(world: World) -> str:
    async with _session(world) as session:
        last = await session.scalar(
            select(func.max(PeriodClose.month)).where(PeriodClose.caisse_id == world.caisse_id)
        )
        first = await session.scalar(select(Caisse.first_month).where(Caisse.id == world.caisse_id))
    assert first is not None
    return first if last is None else next_month(last)


@asynccontextmanager
async def _session(world: World) -> AsyncIterator[AsyncSession]:
    """A session on an engine of its own, disposed afterwards (the server runs in other processes)."""
    engine = make_engine(world.settings)
    try:
        async with make_sessionmaker(engine)() as session:
            yield session
    finally:
        await engine.dispose()


async def ledger_ok(world: World) -> bool:
    async with _session(world) as session:
        report = await verify_ledger(session, world.caisse_id)
    for problem in report.problems:
        print(f"  ledger: {problem.code}: {problem.message}", file=sys.stderr)
    return report.ok


async def check(world: World, cycle: Cycle, tills: Tills, month: str | None, batch_key: str | None) -> None:
    """Every payment answered 2xx stored once; the operation done once."""
    async with _session(world) as session:
        stored = dict(
            (
                await session.execute(
                    select(OutletPayment.client_key, func.count())
                    .where(OutletPayment.client_key.in_(list(tills.answers)))
                    .group_by(OutletPayment.client_key)
                )
            ).all()
        )
        for key, status in tills.answers.items():
            if status in (200, 201) and stored.get(key, 0) == 0:
                cycle.lost.append(f"payment {key}")
            if stored.get(key, 0) > 1:
                cycle.doubled.append(f"payment {key}")
        payments = await session.scalar(select(func.count()).select_from(OutletPayment))
        entries = await session.scalar(select(func.count()).where(JournalEntry.kind == EntryKind.PAYMENT))
        if payments != entries:
            cycle.doubled.append(f"{entries} payment entries for {payments} payments")
        if month is not None:
            closes = await session.scalar(select(func.count()).where(PeriodClose.month == month))
            allocations = await session.scalar(
                select(func.count()).where(
                    JournalEntry.kind == EntryKind.ALLOCATION, JournalEntry.period == month
                )
            )
            if (closes, allocations) != (1, 1):
                (cycle.lost if closes == 0 else cycle.doubled).append(
                    f"{month}: {closes} closes, {allocations} allocations"
                )
        if batch_key is not None:
            batches = await session.scalar(
                select(func.count()).where(PayoutBatch.idempotency_key == batch_key)
            )
            if batches != 1:
                (cycle.lost if batches == 0 else cycle.doubled).append(f"batch {batch_key}: {batches}")
            made = await session.scalar(select(func.count()).select_from(PayoutBatch))
            posted = await session.scalar(
                select(func.count()).where(JournalEntry.kind == EntryKind.REDEMPTION)
            )
            if made != posted:
                cycle.doubled.append(f"{posted} redemption entries for {made} batches")


def table(cycles: list[Cycle]) -> str:
    lines = [
        "| cycle | operation | killed after (s) | operation at the kill | payments answered | in flight "
        "| found done on resend | lost | doubled | ledger |",
        "|---:|---|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for c in cycles:
        lines.append(
            f"| {c.number} | {c.operation} | {c.kill_after:.2f} | {c.at_kill} | {c.answered} | {c.in_flight} "
            f"| {c.resent_stored} | {len(c.lost)} | {len(c.doubled)} | {'ok' if c.ledger_ok else 'BROKEN'} |"
        )
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> int:
    url = os.environ.get("CAISSE_BENCH_DATABASE_URL", DEFAULT_URL)
    schema = f"caisse_faults_{uuid.uuid4().hex[:10]}"
    import asyncpg

    admin = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"), timeout=10)
    await admin.execute(f"CREATE SCHEMA {schema}")
    rng = np.random.default_rng(args.seed)
    cycles: list[Cycle] = []
    server: Server | None = None
    try:
        settings = Settings(database_url=url, database_schema=schema)
        world = await build_world(settings, args.households, args.cycles + 2, rng)
        server = Server(world, args.workers)
        await asyncio.to_thread(server.wait)
        window = {"close": 1.0, "batch": 0.2}  # seconds an operation takes, learnt as the run goes
        for number in range(1, args.cycles + 1):
            cycle, server = await run_cycle(number, world, server, rng, window, args.tills)
            cycles.append(cycle)
            print(
                f"cycle {number}: {cycle.operation}, killed after {cycle.kill_after:.2f} s "
                f"({cycle.at_kill}), {cycle.in_flight} payments in flight, lost {len(cycle.lost)}, "
                f"doubled {len(cycle.doubled)}, ledger {'ok' if cycle.ledger_ok else 'BROKEN'}",
                flush=True,
            )
            for problem in cycle.lost + cycle.doubled:
                print(f"  {problem}", flush=True)
    finally:
        if server is not None:
            stop_server(server.process)
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        await admin.close()
    print()
    print(table(cycles))
    in_flight = sum(c.in_flight for c in cycles) + sum(c.at_kill == "in flight" for c in cycles)
    lost, doubled = sum(len(c.lost) for c in cycles), sum(len(c.doubled) for c in cycles)
    verified = sum(c.ledger_ok for c in cycles)
    print(
        f"\nfaults injected: {len(cycles)} SIGKILLs; operations in flight at a kill: {in_flight}; "
        f"payments answered: {sum(c.answered for c in cycles)}; lost: {lost}; doubled: {doubled}; "
        f"ledger verified after {verified} of {len(cycles)} kills"
    )
    return 0 if lost == doubled == 0 and verified == len(cycles) else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=20, help="server kills (default 20)")
    parser.add_argument(
        "--households", type=int, default=20_000, help="households of the caisse (default 20 000)"
    )
    parser.add_argument("--tills", type=int, default=8, help="tills paying at once (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    parser.add_argument("--seed", type=int, default=2027)
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
