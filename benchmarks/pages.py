"""Benchmark: the web pages with 10 000 households, each next to the JSON route answering the same question.

    python benchmarks/pages.py [--members 10000] [--months 3] [--requests 200] [--warmup 20]
                               [--budget 90] [--server granian|uvicorn] [--workers 1] [--seed 2027]

PostgreSQL only: CAISSE_BENCH_DATABASE_URL (default the local server's database `test`). The run
works in a fresh schema that it creates and drops at the end. It builds a caisse (Gironde rules)
the way the demo does, with the project's services where they are bulk already and set-based SQL
where the demo books one row at a time:

* `--members` households registered by `caisse.members.registration.create_members` (INSEE
  incomes, RP2022 compositions, drawn names; 15 % still applicants), the demo's funding
  (opening reserve, subsidies), its committee lottery, outlets, assessments and closed ballots
  (`caisse.demo.conventioning.build_conventioning`), and one user per role with a login session
  (for the pages) and an API token (for the JSON routes);
* `--months` closed months ending last month: `caisse.cycle.close_month`, then 88 % of the
  households pay their contribution (one entry, two lines and a `contribution_payment` each, as
  `record_contribution_payment` books them), the demo's operating costs, and each active household
  spends most of its credit in 1–5 payments at the outlets conventioned that day (one entry, two
  lines and an `outlet_payment` each, as the till's `BOOK_POSTGRES` books them);
* the ledger checked with `verify_ledger` and the spending checks, the tables vacuumed and analysed.

Then one real server (`granian --interface asgi --factory caisse.app:create_app`, or uvicorn) on a
free port, and for each page and its JSON counterpart `--warmup` then `--requests` sequential
requests on one keep-alive connection each, the page's and the route's requests interleaved so
that both see the same load on a shared machine (a pair stops early, after at least 40 of each,
once `--budget` seconds are spent: a page taking a second misses the target without 200 samples).
Every response must be a 200 containing what the page is about (a member code, an outlet's
name…), so that a broken page is not timed as fast.

It prints one table (p50 and p95 of each, the page/JSON ratio of the medians, and whether the
page's p95 is within 100 ms) and a summary line. The exit code is 0 even when pages miss the
target (it is a benchmark); 1 only when a response was wrong or the ledger does not verify.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import select, text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession  # noqa: E402

from benchmarks.serving import free_port, start_server, stop_server, wait_until_up  # noqa: E402
from caisse.auth import service as auth  # noqa: E402
from caisse.auth.models import Role, User  # noqa: E402
from caisse.caisses.models import Caisse  # noqa: E402
from caisse.caisses.service import create_caisse_with_preset  # noqa: E402
from caisse.cycle.close import close_month  # noqa: E402
from caisse.db import append_only  # noqa: E402
from caisse.db.engine import make_engine, make_sessionmaker  # noqa: E402
from caisse.db.models import Base  # noqa: E402

# The demo's funding and costs, reused as they are: the same subsidies and costs as `caisse demo`.
from caisse.demo.build import _open_funds, _pay_costs, _subsidise, monthly_budget_cents  # noqa: E402
from caisse.demo.conventioning import build_conventioning  # noqa: E402
from caisse.demo.people import draw_names  # noqa: E402
from caisse.demo.population import draw_households  # noqa: E402
from caisse.ledger import AccountKind, caisse_account_id  # noqa: E402
from caisse.ledger.verify import verify_ledger  # noqa: E402
from caisse.ledger.verify.checker import Checker  # noqa: E402
from caisse.members.models import Member, MemberStatus  # noqa: E402
from caisse.members.registration import create_members  # noqa: E402
from caisse.outlets.conventioning import outlet_can_take_payments  # noqa: E402
from caisse.outlets.models import Outlet  # noqa: E402
from caisse.periods import caisse_today, first_day, month_of, previous_month  # noqa: E402
from caisse.settings import Settings  # noqa: E402
from caisse.spending.checks import check_outlet_payments, check_payment_records  # noqa: E402

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
SLUG = "bench"
PRESET = "gironde"
PASSWORD = "bench-pages-password"
TARGET_P95_MS = 100.0
MIN_TIMED = 40  # requests of each kind timed at least, whatever --budget says
SHARE_APPLICANTS = 0.15  # as the demo: registered, not yet admitted (the list's status filter has both)
SHARE_PAYING = 0.88  # households paying the month's contribution (the demo's on-time share)
SPEND_THROUGH = (8.0, 2.0)  # Beta parameters of the share of its credit a household spends (the demo's)
SESSION_SECONDS = 24 * 3600


@dataclass
class Built:
    """What the requests need to know about the caisse built."""

    months: list[str]
    member_codes: list[str]  # in id order, as the staff list pages them
    search: str  # a surname: the staff search's query
    search_hits: int
    member_code: str  # the household of the member user
    outlet_id: int  # the till user's outlet
    outlet_name: str
    till_payments: int
    ballot_title: str
    cookies: dict[Role, str] = field(default_factory=dict)  # login session per role
    tokens: dict[Role, str] = field(default_factory=dict)  # API token per role
    counts: dict[str, int] = field(default_factory=dict)  # rows, for the header


# --- the database ---------------------------------------------------------------------------


async def admin(url: str, statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"), timeout=10)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def create_schema(url: str, schema: str) -> None:
    await admin(url, f"CREATE SCHEMA {schema}")
    engine = make_engine(Settings(database_url=url, database_schema=schema))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
            await conn.run_sync(append_only.install)
    finally:
        await engine.dispose()


def month_list(count: int, today: date) -> list[str]:
    """The `count` months ending last month, oldest first."""
    months = [previous_month(month_of(today))]
    while len(months) < count:
        months.insert(0, previous_month(months[0]))
    return months


async def register(
    session: AsyncSession, caisse: Caisse, n: int, first: str, rng: np.random.Generator, today: date
) -> list[Member]:
    """`n` households through the registration service (one bulk insert), as the demo draws them."""
    drawn = draw_households(n, rng)
    names = draw_names(n, rng)
    start = first_day(first)
    later = rng.random(n) < SHARE_APPLICANTS
    values = [
        {
            "reference_person": names[i].full,
            "email": names[i].email(i),
            "adults": int(drawn.adults[i]),
            "others_14_plus": int(drawn.others_14_plus[i]),
            "children_under_14": int(drawn.children_under_14[i]),
            "monthly_income_cents": round(float(drawn.monthly_income[i]) * 100),
            "income_declared_on": start - timedelta(days=20),
            "status": MemberStatus.APPLICANT if later[i] else MemberStatus.ACTIVE,
            "applied_on": start - timedelta(days=20),
            "activated_on": None if later[i] else start,
        }
        for i in range(n)
    ]
    await create_members(session, caisse, values, today=today, reason="benchmark")
    return list(
        await session.scalars(select(Member).where(Member.caisse_id == caisse.id).order_by(Member.id))
    )


async def user_with_role(session: AsyncSession, caisse: Caisse, role: Role, **grant: int) -> User:
    user = await auth.create_user(
        session, email=f"{role.value}@bench.example", display_name=f"Bench {role.value}", password=PASSWORD
    )
    await auth.grant_role(session, user_id=user.id, caisse_id=caisse.id, role=role, **grant)
    return user


async def pay_contributions(
    session: AsyncSession, caisse: Caisse, month: str, rng: np.random.Generator, today: date
) -> int:
    """Most households pay what the close billed them: per household one CONTRIBUTION_PAID entry
    (Dr fund, Cr its receivable) and its `contribution_payment`, as `record_contribution_payment`
    books them, in three set-based inserts instead of ten thousand calls."""
    dues = (
        await session.execute(
            text(
                "SELECT a.member_id, l.account_id, l.amount_cents, m.code FROM journal_line l "
                "JOIN journal_entry e ON e.id = l.entry_id JOIN ledger_account a ON a.id = l.account_id "
                "JOIN member m ON m.id = a.member_id "
                "WHERE e.caisse_id = :c AND e.kind = 'contribution_due' AND e.period = :month "
                "AND a.kind = 'receivable' AND l.amount_cents > 0 ORDER BY a.member_id"
            ),
            {"c": caisse.id, "month": month},
        )
    ).all()
    paying = [row for row in dues if rng.random() < SHARE_PAYING]
    if not paying:
        return 0
    start = first_day(month)
    days = [min(start + timedelta(days=int(d)), today) for d in rng.integers(1, 10, len(paying))]
    methods = ["direct_debit" if rng.random() < 0.6 else "transfer" for _ in paying]
    fund = await caisse_account_id(session, caisse.id, AccountKind.FUND)
    await session.execute(
        text(
            """
            WITH paid AS (
                SELECT * FROM unnest(CAST(:members AS BIGINT[]), CAST(:accounts AS BIGINT[]),
                                     CAST(:cents AS BIGINT[]), CAST(:days AS DATE[]),
                                     CAST(:methods AS TEXT[]), CAST(:codes AS TEXT[]))
                    AS t(member_id, account_id, cents, day, method, code)
            ), entries AS (
                INSERT INTO journal_entry (caisse_id, kind, occurred_on, posted_at, memo, idempotency_key)
                SELECT :c, 'contribution_paid', day, now(),
                       'Cotisation ' || code || ' (' || method || ') cotisation ' || :month,
                       'payment:bench-' || :month || '-' || member_id
                FROM paid
                RETURNING id, idempotency_key
            ), keyed AS (
                SELECT entries.id AS entry_id, paid.* FROM entries
                JOIN paid ON entries.idempotency_key = 'payment:bench-' || :month || '-' || paid.member_id
            ), lines AS (
                INSERT INTO journal_line (entry_id, account_id, amount_cents)
                SELECT keyed.entry_id, x.account_id, x.cents FROM keyed
                CROSS JOIN LATERAL (VALUES (CAST(:fund AS BIGINT), keyed.cents),
                                           (keyed.account_id, -keyed.cents)) AS x(account_id, cents)
            )
            INSERT INTO contribution_payment (caisse_id, member_id, amount_cents, method, received_on,
                                              reference, entry_id, created_at)
            SELECT :c, member_id, cents, method, day, 'cotisation ' || :month, entry_id, now() FROM keyed
            """
        ),
        {
            "c": caisse.id, "month": month, "fund": fund,
            "members": [r.member_id for r in paying], "accounts": [r.account_id for r in paying],
            "cents": [r.amount_cents for r in paying], "days": days, "methods": methods,
            "codes": [r.code for r in paying],
        },
    )  # fmt: skip
    return len(paying)


async def spend(
    session: AsyncSession, caisse: Caisse, month: str, outlets: list[Outlet], till: tuple[int, int],
    rng: np.random.Generator, today: date,
) -> int:  # fmt: skip
    """Each active household spends most of its credit in 1–5 payments at outlets conventioned on
    the day (the demo's behaviour): per payment one PAYMENT entry (Dr wallet, Cr outlet), its two
    lines and its `outlet_payment`, as `caisse.spending.statements.BOOK_POSTGRES` books them."""
    start = first_day(month)
    days = [start + timedelta(days=d) for d in range(1, 28) if start + timedelta(days=d) < today]
    # The outlets' own rule, day by day (a handful of outlets and days: cheap).
    open_on = {
        day: [o for o in outlets if await outlet_can_take_payments(session, o.id, day)] for day in days
    }
    days = [day for day in days if open_on[day]]
    if not days:
        return 0
    outlet_accounts: dict[int, int] = dict(
        (
            await session.execute(
                text("SELECT outlet_id, id FROM ledger_account WHERE caisse_id = :c AND kind = 'outlet'"),
                {"c": caisse.id},
            )
        ).all()
    )
    wallets = (
        await session.execute(
            text(
                "SELECT a.member_id, a.id, m.code, -coalesce(sum(l.amount_cents), 0) AS credit "
                "FROM ledger_account a JOIN member m ON m.id = a.member_id "
                "LEFT JOIN journal_line l ON l.account_id = a.id "
                "WHERE a.caisse_id = :c AND a.kind = 'wallet' AND m.status = 'active' "
                "GROUP BY a.member_id, a.id, m.code ORDER BY a.member_id"
            ),
            {"c": caisse.id},
        )
    ).all()
    weight = {"epicerie_solidaire": 3.0, "market": 3.0, "cooperative": 3.0}
    columns = ("members", "wallets", "outlets", "accounts", "cents", "days", "at", "keys", "codes", "users")
    rows: dict[str, list[object]] = {k: [] for k in columns}
    till_outlet, till_user = till
    for member_id, wallet_id, code, credit in wallets:
        if int(credit) < 500:
            continue
        budget = int(int(credit) * rng.beta(*SPEND_THROUGH))
        visits = int(min(5, 1 + rng.poisson(2)))
        for v, share in enumerate(rng.dirichlet(np.ones(visits))):
            day = days[int(rng.integers(0, len(days)))]
            here = open_on[day]
            p = np.array([weight.get(o.kind.value, 1.0) for o in here])
            outlet = here[int(rng.choice(len(here), p=p / p.sum()))]
            cents = int(budget * share)
            if cents < 100:
                continue
            seconds = int(rng.integers(0, 11 * 3600))  # opening hours, 8:00 to 19:00 UTC
            at = datetime.combine(day, clock(8), tzinfo=UTC) + timedelta(seconds=seconds)
            for key, value in (
                ("members", member_id), ("wallets", wallet_id), ("outlets", outlet.id),
                ("accounts", outlet_accounts[outlet.id]), ("cents", cents), ("days", day), ("at", at),
                ("keys", f"bench-{month}-{member_id}-{v}"), ("codes", code),
                ("users", till_user if outlet.id == till_outlet else None),
            ):  # fmt: skip
                rows[key].append(value)
    if not rows["members"]:
        return 0
    await session.execute(
        text(
            """
            WITH paid AS (
                SELECT * FROM unnest(CAST(:members AS BIGINT[]), CAST(:wallets AS BIGINT[]),
                                     CAST(:outlets AS BIGINT[]), CAST(:accounts AS BIGINT[]),
                                     CAST(:cents AS BIGINT[]), CAST(:days AS DATE[]),
                                     CAST(:at AS TIMESTAMPTZ[]), CAST(:keys AS TEXT[]),
                                     CAST(:codes AS TEXT[]), CAST(:users AS BIGINT[]))
                    AS t(member_id, wallet_id, outlet_id, account_id, cents, day, at, client_key, code,
                         user_id)
            ), entries AS (
                INSERT INTO journal_entry (caisse_id, kind, occurred_on, posted_at, memo, idempotency_key,
                                           created_by_user_id)
                SELECT :c, 'payment', day, at, 'Paiement ' || code || ' au lieu ' || outlet_id,
                       'pay:' || outlet_id || ':' || client_key, user_id
                FROM paid
                RETURNING id, idempotency_key
            ), keyed AS (
                SELECT entries.id AS entry_id, paid.* FROM entries
                JOIN paid ON entries.idempotency_key = 'pay:' || paid.outlet_id || ':' || paid.client_key
            ), lines AS (
                INSERT INTO journal_line (entry_id, account_id, amount_cents)
                SELECT keyed.entry_id, x.account_id, x.cents FROM keyed
                CROSS JOIN LATERAL (VALUES (keyed.wallet_id, keyed.cents),
                                           (keyed.account_id, -keyed.cents)) AS x(account_id, cents)
            )
            INSERT INTO outlet_payment (caisse_id, outlet_id, member_id, amount_cents, paid_on, paid_at,
                                        client_key, note, entry_id, recorded_by_user_id, refund_reason)
            SELECT :c, outlet_id, member_id, cents, day, at, client_key, '', entry_id, user_id, '' FROM keyed
            """
        ),
        {"c": caisse.id, **rows},
    )
    return len(rows["members"])


async def build(
    url: str, schema: str, n: int, month_count: int, seed: int, *, spend_last: bool = True
) -> Built:
    """The caisse; `spend_last=False` leaves last month's credit in the wallets (benchmarks/load.py
    pays with it)."""
    today = caisse_today()
    months = month_list(month_count, today)
    rng = np.random.default_rng(seed)
    engine = make_engine(Settings(database_url=url, database_schema=schema))
    try:
        async with make_sessionmaker(engine)() as session:
            async with session.begin():
                caisse = await create_caisse_with_preset(
                    session, slug=SLUG, name="Caisse de référence (benchmark)", first_month=months[0],
                    preset=PRESET, member_code_prefix="B",
                )  # fmt: skip
                members = await register(session, caisse, n, months[0], rng, today)
                active = [m for m in members if m.status is MemberStatus.ACTIVE]
                staff = await user_with_role(session, caisse, Role.STAFF)
                official = await user_with_role(session, caisse, Role.OFFICIAL)
                committee = await user_with_role(session, caisse, Role.COMMITTEE)
                # The member user's household is the last active one: never among the committee's
                # volunteers, drawn from the first few hundred below.
                household = active[-1]
                member = await user_with_role(session, caisse, Role.MEMBER, member_id=household.id)
                sources = await _open_funds(
                    session, caisse, months[0], monthly_budget_cents(members, n), today
                )
                conventioning = await build_conventioning(
                    session, caisse, active[:400], months, committee.id, rng, today
                )
                # The épicerie: weighted ×3 by the households, so its till has thousands of payments.
                till_outlet = conventioning.outlets[1]
                till = await user_with_role(session, caisse, Role.OUTLET, outlet_id=till_outlet.id)
            counts = {"contribution payments": 0, "outlet payments": 0}
            for index, month in enumerate(months):
                async with session.begin():
                    started = time.perf_counter()
                    await _subsidise(session, caisse, sources, index, month, today)
                    await close_month(session, caisse, month, today=today)
                    paid = await pay_contributions(session, caisse, month, rng, today)
                    counts["contribution payments"] += paid
                    await _pay_costs(session, caisse, month, n, today)
                    if spend_last or month != months[-1]:
                        counts["outlet payments"] += await spend(
                            session, caisse, month, conventioning.outlets, (till_outlet.id, till.id), rng,
                            today,
                        )  # fmt: skip
                seconds = time.perf_counter() - started
                print(f"  {month} closed, paid and spent in {seconds:.1f} s", flush=True)
            async with session.begin():
                built = Built(
                    months=months,
                    member_codes=[m.code for m in members],
                    search=members[len(members) // 3].reference_person.split()[-1],
                    search_hits=0,
                    member_code=household.code,
                    outlet_id=till_outlet.id,
                    outlet_name=till_outlet.name,
                    till_payments=int(
                        await session.scalar(
                            text("SELECT count(*) FROM outlet_payment WHERE outlet_id = :o"),
                            {"o": till_outlet.id},
                        )
                        or 0
                    ),
                    ballot_title=str(
                        await session.scalar(text("SELECT title FROM ballot ORDER BY opens_at DESC LIMIT 1"))
                    ),
                    counts=counts,
                )
                built.search_hits = sum(built.search in m.reference_person for m in members)
                for role, user in (
                    (Role.STAFF, staff), (Role.OFFICIAL, official), (Role.COMMITTEE, committee),
                    (Role.MEMBER, member), (Role.OUTLET, till),
                ):  # fmt: skip
                    built.cookies[role] = await auth.open_session(session, user, SESSION_SECONDS)
                    _, built.tokens[role] = await auth.issue_api_token(session, user_id=user.id, name="bench")
        problems = await verify(engine)
        if problems:
            raise SystemExit("the benchmark's caisse does not verify:\n" + "\n".join(problems[:20]))
        # As in a caisse that has lived a few months: statistics up to date, no bulk-load debris.
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM (ANALYZE)"))
            for table in (
                "member",
                "journal_entry",
                "journal_line",
                "contribution_payment",
                "outlet_payment",
            ):
                built.counts[table] = int(await conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
        return built
    finally:
        await engine.dispose()


async def verify(engine: AsyncEngine) -> list[str]:
    """The ledger's invariants and the spending checks: the bulk inserts booked what the services would."""
    async with make_sessionmaker(engine)() as session:
        report = await verify_ledger(session)
        checker = Checker(session, None)
        await check_outlet_payments(checker)
        await check_payment_records(checker)
        return [f"{p.code}: {p.message}" for p in [*report.problems, *checker.problems]]


# --- the requests ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One GET, who sends it (None: nobody logged in) and what its answer must contain."""

    path: str
    role: Role | None
    expect: str


@dataclass(frozen=True)
class Pair:
    name: str
    page: Request
    api: Request


@dataclass
class Timed:
    latencies_ms: list[float] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else float("nan")


def pairs(built: Built) -> list[Pair]:
    """The pages of issue 5's list, each with the JSON route answering the same question."""
    c, api, pub = f"/c/{SLUG}", f"/api/v1/caisses/{SLUG}", f"/api/v1/public/caisses/{SLUG}"
    codes, last_closed, this_month = built.member_codes, built.months[-1], month_of(caisse_today())
    deep = len(codes) * 3 // 4 // 25 + 1  # three quarters down the staff list, 25 a page
    deep_code = codes[(deep - 1) * 25]
    till_deep = max(1, built.till_payments * 3 // 4 // 20 + 1)  # the till pages 20 at a time
    member_code = built.member_code
    staff, member, till = Role.STAFF, Role.MEMBER, Role.OUTLET
    outlet = f"{api}/outlets/{built.outlet_id}/payments"
    return [
        Pair("caisse home", Request(c, None, "Caisse de référence"), Request(api, staff, f'"slug":"{SLUG}"')),
        Pair(
            "outlets directory",
            Request(f"{c}/lieux", None, built.outlet_name),
            Request(f"{pub}/outlets", None, built.outlet_name),
        ),
        Pair(
            "transparency",
            Request(f"{c}/transparence", None, "chart-trend"),
            Request(f"{api}/reports/months/{last_closed}", Role.OFFICIAL, "reserve_cents"),
        ),
        Pair(
            "decisions",
            Request(f"{c}/decisions", None, "Conventionner"),
            Request(f"{pub}/decisions?limit=20", None, "Conventionner"),
        ),
        Pair(
            "staff dashboard",
            Request(f"{c}/gestion", staff, "gestion/membres"),
            Request(f"{api}/reports/months/{this_month}", staff, "reserve_cents"),
        ),
        Pair(
            "staff members, page 1",
            Request(f"{c}/gestion/membres", staff, codes[0]),
            Request(f"{api}/members?limit=25", staff, codes[0]),
        ),
        Pair(
            f"staff members, search “{built.search}”",
            Request(f"{c}/gestion/membres?q={built.search}", staff, built.search),
            Request(f"{api}/members?q={built.search}&limit=25", staff, built.search),
        ),
        Pair(
            f"staff members, page {deep}",
            Request(f"{c}/gestion/membres?page={deep}", staff, deep_code),
            Request(f"{api}/members?limit=25&offset={(deep - 1) * 25}", staff, deep_code),
        ),
        Pair(
            "staff household",
            Request(f"{c}/gestion/membres/{deep_code}", staff, deep_code),
            Request(f"{api}/members/{deep_code}", staff, deep_code),
        ),
        Pair(
            # Last month's dues and payments, household by household, with the households in
            # arrears; the API has no month-dues route: its arrears list is the page's heavy part.
            "staff contributions",
            Request(f"{c}/gestion/cotisations?mois={last_closed}", staff, "B-00"),
            Request(f"{api}/arrears", staff, '"owed_cents"'),
        ),
        Pair(
            "member account",
            Request(f"{c}/mon-compte", member, member_code),
            Request(f"{api}/me/household", member, member_code),
        ),
        Pair(
            "member history",
            Request(f"{c}/mon-compte/historique", member, "Paiement"),
            Request(f"{api}/members/{member_code}/outlet-payments?limit=25", member, member_code),
        ),
        Pair(
            "till payments, page 1",
            Request(f"{c}/mon-lieu/paiements", till, "B-•••"),
            Request(f"{outlet}?limit=20", till, '"items":[{'),
        ),
        Pair(
            f"till payments, page {till_deep}",
            Request(f"{c}/mon-lieu/paiements?page={till_deep}", till, "B-•••"),
            Request(f"{outlet}?limit=20&offset={(till_deep - 1) * 20}", till, '"items":[{'),
        ),
        Pair(
            "officials' simulations",
            Request(f"{c}/simulations", Role.OFFICIAL, "simulations/nouvelle"),
            Request(f"{api}/simulations", Role.OFFICIAL, "["),
        ),
        Pair(
            "committee ballots",
            Request(f"{c}/comite", Role.COMMITTEE, built.ballot_title[:20]),
            Request(f"{api}/ballots?limit=20", Role.COMMITTEE, '"items":[{'),
        ),
    ]


def client_for(base: str, built: Built, request: Request) -> httpx.Client:
    """One keep-alive connection per request kind: pages with the role's session cookie (as a
    browser), JSON routes with its API token (as a script); the French pages, as the caisses see them."""
    headers = {"Accept-Language": "fr"}
    if request.role is not None and request.path.startswith("/api/"):
        headers["Authorization"] = f"Bearer {built.tokens[request.role]}"
    elif request.role is not None:
        headers["Cookie"] = f"caisse_session={built.cookies[request.role]}; lang=fr"
    return httpx.Client(base_url=base, headers=headers, timeout=30.0)


def timed_get(client: httpx.Client, request: Request, timed: Timed | None) -> None:
    start = time.perf_counter()
    response = client.get(request.path)
    body = response.text  # httpx has read it all: the time includes the whole body
    elapsed = (time.perf_counter() - start) * 1000
    if timed is None:
        if response.status_code != 200 or request.expect not in body:
            raise SystemExit(
                f"{request.path}: {response.status_code}, no {request.expect!r} in the answer:\n{body[:3000]}"
            )
        return
    timed.latencies_ms.append(elapsed)
    if response.status_code != 200 or request.expect not in body:
        timed.wrong.append(f"{response.status_code} {request.path}")


def measure(base: str, built: Built, pair: Pair, n: int, warmup: int, budget: float) -> tuple[Timed, Timed]:
    """`warmup` then `n` requests of each, or fewer (never under MIN_TIMED) once `budget` seconds
    are spent: a page taking a second misses the target plainly without 200 samples."""
    page, api = Timed(), Timed()
    with client_for(base, built, pair.page) as page_client, client_for(base, built, pair.api) as api_client:
        for _ in range(warmup):
            timed_get(page_client, pair.page, None)
            timed_get(api_client, pair.api, None)
        started = time.perf_counter()
        for k in range(n):
            if budget and k >= MIN_TIMED and time.perf_counter() - started > budget:
                break
            # Interleaved, so that a burst of load from the machine's other users hits both alike.
            timed_get(page_client, pair.page, page)
            timed_get(api_client, pair.api, api)
    return page, api


def short(path: str) -> str:
    """A path without its long common prefix (`…`), so that the table stays readable."""
    for prefix in (f"/api/v1/public/caisses/{SLUG}", f"/api/v1/caisses/{SLUG}", f"/c/{SLUG}"):
        if path.startswith(prefix + "/") or path.startswith(prefix + "?"):
            return ("public " if "/public/" in prefix else "") + "…" + path.removeprefix(prefix)
    return path


def table(rows: list[tuple[Pair, Timed, Timed]]) -> str:
    lines = [
        "| page | p50 ms | p95 ms | JSON route | p50 ms | p95 ms | page/JSON (p50) | n | p95 ≤ 100 ms? |",
        "|---|---:|---:|---|---:|---:|---:|---:|:---:|",
    ]
    for pair, page, api in rows:
        met = "yes" if page.percentile(95) <= TARGET_P95_MS else "**no**"
        met = "BROKEN" if page.wrong or api.wrong else met
        lines.append(
            f"| {pair.name} (`{short(pair.page.path)}`) | {page.percentile(50):.1f} "
            f"| {page.percentile(95):.1f} | `{short(pair.api.path)}` | {api.percentile(50):.1f} "
            f"| {api.percentile(95):.1f} | {page.percentile(50) / api.percentile(50):.1f}x "
            f"| {len(page.latencies_ms)} | {met} |"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    url, schema = args.database_url, f"caisse_bench_{uuid.uuid4().hex[:10]}"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"PostgreSQL at {url.split('@')[-1]}, schema {schema}; {os.cpu_count()} CPUs, load average {load}; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        flush=True,
    )
    asyncio.run(create_schema(url, schema))
    try:
        started = time.perf_counter()
        print(f"building a caisse: {args.members:,} households, {args.months} closed months …", flush=True)
        built = asyncio.run(build(url, schema, args.members, args.months, args.seed))
        print(
            f"built in {time.perf_counter() - started:.0f} s: "
            + ", ".join(f"{k} {v:,}" for k, v in built.counts.items())
            + f"; the till's outlet has {built.till_payments:,} payments; search “{built.search}” "
            f"matches {built.search_hits} households",
            flush=True,
        )
        port = free_port()
        server = start_server(
            port, args.workers, args.server, {"CAISSE_DATABASE_URL": url, "CAISSE_DATABASE_SCHEMA": schema}
        )
        rows = []
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base, server)
            print(
                f"{args.server}, {args.workers} worker(s): {args.warmup} warm-up then {args.requests} "
                f"sequential requests per page and per route …",
                flush=True,
            )
            loads = [os.getloadavg()[0]]
            for pair in pairs(built):
                page, api = measure(base, built, pair, args.requests, args.warmup, args.budget)
                rows.append((pair, page, api))
                loads.append(os.getloadavg()[0])
                print(
                    f"  {pair.name}: page p95 {page.percentile(95):.1f} ms, "
                    f"JSON p95 {api.percentile(95):.1f} ms (load average {loads[-1]:.2f})",
                    flush=True,
                )
        finally:
            stop_server(server)
    finally:
        asyncio.run(admin(url, f"DROP SCHEMA {schema} CASCADE"))

    print()
    print(
        f"{os.cpu_count()} CPUs, load average (1 min) {min(loads):.2f}–{max(loads):.2f} while timed, "
        f"{args.members:,} households, {args.months} closed month(s), "
        f"{args.server} with {args.workers} worker(s), "
        f"{args.requests} requests each after {args.warmup} warm-up"
    )
    print(table(rows))
    wrong = [w for _, page, api in rows for w in page.wrong + api.wrong]
    missed = [pair.name for pair, page, _ in rows if page.percentile(95) > TARGET_P95_MS]
    print(
        f"target p95 <= {TARGET_P95_MS:.0f} ms with {args.members:,} households: "
        + (f"NOT met by {len(missed)} of {len(rows)} pages: {', '.join(missed)}" if missed else "met")
    )
    if wrong:
        print(f"WRONG ANSWERS ({len(wrong)}): " + "; ".join(sorted(set(wrong))[:10]))
        return 1
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000, help="households (default 10000)")
    parser.add_argument("--months", type=int, default=3, help="closed months ending last month (default 3)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests of each (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first (default 20)")
    parser.add_argument(
        "--budget",
        type=float,
        default=90.0,
        help=f"seconds of timed requests per page at most, {MIN_TIMED} requests at least (0: no limit; "
        "default 90)",
    )
    parser.add_argument("--server", choices=["granian", "uvicorn"], default="granian")
    # One is enough for sequential requests; a second would only share the two cores.
    parser.add_argument("--workers", type=int, default=1, help="server workers (default 1)")
    parser.add_argument("--seed", type=int, default=2027, help="seed of the drawn caisse (default 2027)")
    add_database_url(parser)
    args = parser.parse_args(argv)
    if args.members < 500 or args.months < 1 or args.requests < 1 or args.warmup < 1:
        parser.error(
            "--members must be at least 500 (the committee is drawn from them); "
            "--months, --requests and --warmup at least 1"
        )
    return args


def postgres_url(value: str) -> str:
    if not value.startswith("postgresql+asyncpg://"):
        raise argparse.ArgumentTypeError("the benchmark runs on PostgreSQL: give a postgresql+asyncpg:// URL")
    return value


def add_database_url(parser: argparse.ArgumentParser) -> None:
    """`--database-url` (PostgreSQL only), shared with benchmarks/load.py."""
    parser.add_argument(
        "--database-url",
        type=postgres_url,
        default=os.environ.get("CAISSE_BENCH_DATABASE_URL", DEFAULT_URL),
        help="PostgreSQL URL (default $CAISSE_BENCH_DATABASE_URL or the local database `test`)",
    )


def stop_on_term(_signum: int, _frame: object) -> None:
    """`kill` (TERM) stops the run like Ctrl-C: the server stopped and the schema dropped."""
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, stop_on_term)
    sys.exit(run(parse_args()))
