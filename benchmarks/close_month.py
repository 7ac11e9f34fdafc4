"""Benchmark: closing a month for 100 000 households on PostgreSQL, against a naive reference.

    python benchmarks/close_month.py [--households 100000] [--naive-households 5000] [--seed 2027]

The database is CAISSE_BENCH_DATABASE_URL (default the local server's database `test`); each run
works in fresh schemas that it creates and drops. Households are drawn with a fixed seed (incomes
roughly log-normal around the French median, compositions from 1 to 6 persons) under the Ariège
rules (2.5 % of income, 10 € floor, 50 € per household).

* **close_month**: `caisse.cycle.close_month`, timed from the call to the commit: one Core select of
  every household into numpy, the rules once on whole arrays, one compound entry for the
  contributions and one for the allocations, lines inserted by one `unnest` statement each.
* **naive**: what one would write with the ORM alone: load each Member as an ORM object, bill it
  with the same rules on 1-element arrays, add two JournalEntry and four JournalLine objects per
  household and flush. Run on a subset (`--naive-households`) because it is slow; its rate is
  per household, so the ratio compares like with like. Both runs book the same amounts: the
  script checks that the subset's totals agree.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from caisse import rules
from caisse.caisses.models import Caisse
from caisse.caisses.service import create_caisse_with_preset, decode_rule_set, rule_set_in_force
from caisse.cycle.close import close_month
from caisse.cycle.models import PeriodClose
from caisse.db import append_only
from caisse.db.engine import make_engine, make_sessionmaker
from caisse.db.models import Base
from caisse.ledger import (
    AccountKind,
    EntryKind,
    JournalEntry,
    JournalLine,
    LedgerAccount,
    caisse_account_id,
    open_member_accounts,
)
from caisse.members.models import Member, MemberStatus, MemberStatusChange
from caisse.periods import first_day, last_day
from caisse.settings import Settings

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
PRESET = "ariege-ccampa"
MONTH = "2026-01"
TARGET_RATE = 20_000
TARGET_RATIO = 10.0


@dataclass(frozen=True)
class Run:
    implementation: str
    households: int
    seconds: float
    contributions_cents: int
    allocations_cents: int

    @property
    def rate(self) -> float:
        return self.households / self.seconds


def draw_households(n: int, seed: int) -> list[dict[str, object]]:
    """Member rows: incomes log-normal (median ≈ 2 000 € a month), 1–6 persons."""
    rng = np.random.default_rng(seed)
    income = np.round(rng.lognormal(mean=math.log(2000.0), sigma=0.6, size=n), 2)
    adults = rng.choice([1, 2], size=n, p=[0.45, 0.55])
    others = rng.choice([0, 1, 2], size=n, p=[0.8, 0.15, 0.05])
    children = rng.choice([0, 1, 2, 3], size=n, p=[0.6, 0.2, 0.15, 0.05])
    joined = date(2025, 6, 1)
    return [
        {
            "code": f"B-{i:07d}",
            "reference_person": f"Foyer {i}",
            "adults": int(adults[i]),
            "others_14_plus": int(others[i]),
            "children_under_14": int(children[i]),
            "monthly_income_cents": round(float(income[i]) * 100),
            "income_declared_on": joined,
            "status": MemberStatus.ACTIVE,
            "applied_on": joined,
            "activated_on": joined,
        }
        for i in range(n)
    ]


async def admin(url: str, statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"), timeout=10)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@asynccontextmanager
async def fresh_schema(url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a new schema with the caisse's tables and triggers; dropped afterwards."""
    schema = f"caisse_bench_{uuid.uuid4().hex[:10]}"
    await admin(url, f"CREATE SCHEMA {schema}")
    engine = make_engine(Settings(database_url=url, database_schema=schema))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
            await conn.run_sync(append_only.install)
        yield engine
    finally:
        await engine.dispose()
        await admin(url, f"DROP SCHEMA {schema} CASCADE")


async def populate(engine: AsyncEngine, households: list[dict[str, object]]) -> int:
    """A caisse with these households, their accounts and status history; returns the caisse id."""
    async with make_sessionmaker(engine)() as session, session.begin():
        caisse = await create_caisse_with_preset(
            session, slug="bench", name="Benchmark", first_month=MONTH, preset=PRESET
        )
        for start in range(0, len(households), 20_000):
            batch = [{**row, "caisse_id": caisse.id} for row in households[start : start + 20_000]]
            await session.execute(insert(Member), batch)
        ids = list(
            await session.scalars(select(Member.id).where(Member.caisse_id == caisse.id).order_by(Member.id))
        )
        await open_member_accounts(session, caisse.id, ids)
        # The dated history the members service writes: applied, then admitted.
        joined = households[0]["activated_on"] if households else None
        history = [
            {"member_id": member_id, "from_status": before, "to_status": after, "effective_on": joined}
            for member_id in ids
            for before, after in (
                (None, MemberStatus.APPLICANT),
                (MemberStatus.APPLICANT, MemberStatus.ACTIVE),
            )
        ]
        for start in range(0, len(history), 40_000):
            await session.execute(insert(MemberStatusChange), history[start : start + 40_000])
        caisse_id = caisse.id
    # As in a caisse whose households were registered over the past months: tables vacuumed and
    # analysed, so the timed close does not pay for the bulk load's housekeeping.
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        for table in ("member", "member_status_change", "ledger_account", "caisse", "rule_set"):
            await conn.execute(text(f"VACUUM (ANALYZE) {table}"))
    return caisse_id


async def booked(
    session: AsyncSession, caisse_id: int, kind: EntryKind, member_limit: int | None = None
) -> int:
    """Cents booked on member accounts by entries of `kind` (optionally for the first members only)."""
    query = (
        select(func.coalesce(func.sum(JournalLine.amount_cents), 0))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .where(
            JournalEntry.caisse_id == caisse_id,
            JournalEntry.kind == kind,
            LedgerAccount.member_id.is_not(None),
        )
    )
    if member_limit is not None:
        first_ids = (
            select(Member.id).where(Member.caisse_id == caisse_id).order_by(Member.id).limit(member_limit)
        )
        query = query.where(LedgerAccount.member_id.in_(first_ids.scalar_subquery()))
    return abs(int(await session.scalar(query) or 0))


async def run_fast(engine: AsyncEngine, caisse_id: int, n: int) -> Run:
    async with make_sessionmaker(engine)() as session:
        caisse = await session.get(Caisse, caisse_id)
        assert caisse is not None
        start = time.perf_counter()
        result = await close_month(session, caisse, MONTH, allow_future=True)
        await session.commit()
        seconds = time.perf_counter() - start
    if result.households != n:
        raise SystemExit(f"close_month billed {result.households} households, expected {n}")
    return Run("close_month", n, seconds, result.contributions_due_cents, result.allocations_cents)


async def naive_close(session: AsyncSession, caisse_id: int) -> tuple[int, int, int]:
    """The reference: one ORM object per member, rules on 1-element arrays, entries flushed per household."""
    rule_set = decode_rule_set(await rule_set_in_force(session, caisse_id, MONTH))
    contributions_account = await caisse_account_id(session, caisse_id, AccountKind.CONTRIBUTIONS)
    allocations_account = await caisse_account_id(session, caisse_id, AccountKind.ALLOCATIONS)
    accounts = {
        (account.member_id, account.kind): account.id
        for account in await session.scalars(
            select(LedgerAccount).where(
                LedgerAccount.caisse_id == caisse_id, LedgerAccount.member_id.is_not(None)
            )
        )
    }
    on = first_day(MONTH)
    billed = total_due = total_allocation = 0
    for member in await session.scalars(
        select(Member).where(Member.caisse_id == caisse_id).order_by(Member.id)
    ):
        if (
            member.status is not MemberStatus.ACTIVE
            or member.activated_on is None
            or member.activated_on > last_day(MONTH)
        ):
            continue
        chosen = (
            math.nan if member.chosen_contribution_cents is None else member.chosen_contribution_cents / 100
        )
        due_eur = rules.contributions(
            rule_set.contribution,
            [member.monthly_income_cents / 100],
            [member.adults],
            [member.others_14_plus],
            [member.children_under_14],
            chosen=[chosen],
        )
        allocation_eur = rules.allocations(
            rule_set.allocation,
            [member.adults],
            [member.others_14_plus],
            [member.children_under_14],
            contributions=due_eur,
        )
        due, allocation = int(rules.to_cents(due_eur)[0]), int(rules.to_cents(allocation_eur)[0])
        due_entry = JournalEntry(
            caisse_id=caisse_id,
            kind=EntryKind.CONTRIBUTION_DUE,
            period=MONTH,
            occurred_on=on,
            memo=f"Cotisation {member.code} {MONTH}",
        )
        allocation_entry = JournalEntry(
            caisse_id=caisse_id,
            kind=EntryKind.ALLOCATION,
            period=MONTH,
            occurred_on=on,
            memo=f"Allocation {member.code} {MONTH}",
        )
        session.add_all([due_entry, allocation_entry])
        await session.flush()
        session.add_all(
            [
                JournalLine(
                    entry_id=due_entry.id,
                    account_id=accounts[member.id, AccountKind.RECEIVABLE],
                    amount_cents=due,
                ),
                JournalLine(entry_id=due_entry.id, account_id=contributions_account, amount_cents=-due),
                JournalLine(
                    entry_id=allocation_entry.id, account_id=allocations_account, amount_cents=allocation
                ),
                JournalLine(
                    entry_id=allocation_entry.id,
                    account_id=accounts[member.id, AccountKind.WALLET],
                    amount_cents=-allocation,
                ),
            ]
        )
        await session.flush()
        billed += 1
        total_due += due
        total_allocation += allocation
    return billed, total_due, total_allocation


async def run_naive(engine: AsyncEngine, caisse_id: int, n: int) -> Run:
    async with make_sessionmaker(engine)() as session:
        start = time.perf_counter()
        async with session.begin():
            billed, due, allocation = await naive_close(session, caisse_id)
        seconds = time.perf_counter() - start
    if billed != n:
        raise SystemExit(f"the naive close billed {billed} households, expected {n}")
    return Run("naive ORM (per household)", n, seconds, due, allocation)


def table(fast: Run, naive: Run) -> str:
    ratio = fast.rate / naive.rate
    rows = [
        "| implementation | households | seconds | households/s | ratio |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {run.implementation} | {run.households:,} | {run.seconds:.2f} | {run.rate:,.0f} | {x:.1f}x |"
            for run, x in ((fast, ratio), (naive, 1.0))
        ),
    ]
    return "\n".join(rows).replace(",", " ")


async def main(args: argparse.Namespace) -> int:
    households = draw_households(args.households, args.seed)
    subset = households[: args.naive_households]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"PostgreSQL at {args.database_url.split('@')[-1]}, rules {PRESET}, month {MONTH}, seed {args.seed}; "
        f"{os.cpu_count()} CPUs, load average {load}"
    )

    async with fresh_schema(args.database_url) as engine:
        caisse_id = await populate(engine, households)
        fast = await run_fast(engine, caisse_id, len(households))
        async with make_sessionmaker(engine)() as session:
            fast_subset = (
                await booked(session, caisse_id, EntryKind.CONTRIBUTION_DUE, len(subset)),
                await booked(session, caisse_id, EntryKind.ALLOCATION, len(subset)),
            )
            closes = await session.scalar(select(func.count()).select_from(PeriodClose))
        assert closes == 1

    async with fresh_schema(args.database_url) as engine:
        caisse_id = await populate(engine, subset)
        naive = await run_naive(engine, caisse_id, len(subset))

    agree = fast_subset == (naive.contributions_cents, naive.allocations_cents)
    print(table(fast, naive))
    print(
        f"contributions due {fast.contributions_cents / 100:,.2f} €, "
        f"allocations {fast.allocations_cents / 100:,.2f} € for {fast.households:,} households; "
        f"on the first {len(subset):,} both implementations book the same amounts: {'yes' if agree else 'NO'}"
    )
    ratio = fast.rate / naive.rate
    met = fast.rate >= TARGET_RATE and ratio >= TARGET_RATIO
    print(
        f"target >= {TARGET_RATE:,} households/s and >= {TARGET_RATIO:.0f}x naive: "
        f"{'met' if met else 'NOT met'} ({fast.rate:,.0f} households/s, {ratio:.1f}x)"
    )
    return 0 if agree else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--households", type=int, default=100_000, help="households in the caisse (default 100000)"
    )
    parser.add_argument(
        "--naive-households",
        type=int,
        default=5_000,
        help="households for the naive reference (default 5000)",
    )
    parser.add_argument("--seed", type=int, default=2027, help="seed of the drawn households (default 2027)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("CAISSE_BENCH_DATABASE_URL", DEFAULT_URL),
        help="PostgreSQL URL (default $CAISSE_BENCH_DATABASE_URL or the local database `test`)",
    )
    args = parser.parse_args(argv)
    if args.households < 1 or args.naive_households < 1:
        parser.error("--households and --naive-households must be at least 1")
    if not args.database_url.startswith("postgresql+asyncpg://"):
        parser.error("the benchmark runs on PostgreSQL: give a postgresql+asyncpg:// URL")
    args.naive_households = min(args.naive_households, args.households)
    return args


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
