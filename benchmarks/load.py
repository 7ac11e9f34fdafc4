"""Benchmark: a mixed, realistic load on a real server with several workers, for a fixed time.

    python benchmarks/load.py [--duration 60] [--clients 12] [--workers 4] [--members 3000]
                              [--ballots 12] [--paths 10000] [--seed 2027] [--json]

PostgreSQL only: CAISSE_BENCH_DATABASE_URL (default the local server's database `test`). The run
works in a fresh schema `caisse_load_…` that it drops at the end (also on Ctrl-C or `kill`).

The caisse is the one `benchmarks/pages.py` builds (Gironde rules, `--members` households drawn as
the demo draws them, its committee lottery, outlets, assessments and ballots, three closed months),
except that last month's credit is left unspent. On top of it: a PIN for every active household with
credit, a till user with an API token at each outlet conventioned today, login sessions for a few
dozen households and for every sitting committee member (who also get a token), and `--ballots`
motions open today.

Then `uvicorn --workers N` (CAISSE_SECRET_KEY set, so a form rendered by one worker is accepted by
another) and `--clients` concurrent clients (httpx, a keep-alive connection pool each), every one
looping without pause for `--duration` seconds over a drawn mix:

* 72 % payments at the tills through the API, each with its own idempotency key: most accepted (201);
  some resent with the same key (200, the same payment), some sent twice at once (one 201, one
  200, one payment); some refused as they should be: a wrong PIN
  (403, at most 8 per outlet, under the 10 that pause a till) or more than the household's credit
  (409). Each client pays for its own share of the households and knows their credit exactly, so an
  ordinary payment refused is an error;
* 27 % page views: the public outlet directory, decision log and transparency report, the staff's
  household list (a random page), a household's account page, the officials' simulations page;
* 1 % committee votes, on the open ballots, half through the API (token), half through the web page
  (GET the ballot, POST its form with the CSRF token): each voter once per ballot (201), and some
  votes sent again (409), like the votes cast before the run;
* beside them, simulation jobs ("caisse" preset, `--paths` paths) submitted by an official and
  polled every second until done, one after the other 5 s apart, the last one followed to its end
  after the run.

An error is a 5xx, a connection error, a timeout or any status other than the one expected. After
the run the server is stopped and: `caisse ledger verify --caisse bench` must exit 0; `verify_ledger`
and the spending checks must pass; every accepted payment's key must be stored exactly once with
its amount and no refused key at all; each payer's wallet must hold its credit before the run less
what it paid; each ballot's tally must count the votes on its roll. The exit code is 1 on any error
or failed check.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession  # noqa: E402

from benchmarks import pages  # noqa: E402
from benchmarks.pages import SLUG, Built  # noqa: E402
from benchmarks.serving import free_port, start_server, stop_server, wait_until_up  # noqa: E402
from caisse.auth import service as auth  # noqa: E402
from caisse.auth.models import Role, User  # noqa: E402
from caisse.ballots import BallotInput, create_ballot  # noqa: E402
from caisse.ballots.models import Ballot, BallotTally, BallotVoter  # noqa: E402
from caisse.caisses.models import Caisse  # noqa: E402
from caisse.committee.eligibility import sitting_members  # noqa: E402
from caisse.db.engine import make_engine, make_sessionmaker  # noqa: E402
from caisse.demo.spending import _wallets  # noqa: E402
from caisse.ledger import EntryKind, JournalEntry  # noqa: E402
from caisse.members.models import Member, MemberStatus  # noqa: E402
from caisse.outlets.conventioning import outlet_can_take_payments  # noqa: E402
from caisse.outlets.models import Outlet  # noqa: E402
from caisse.periods import caisse_today  # noqa: E402
from caisse.settings import Settings  # noqa: E402
from caisse.spending.models import MemberPin, OutletPayment  # noqa: E402
from caisse.spending.pins import is_trivial, pin_digest  # noqa: E402

MIX = (("payment", 0.72), ("page", 0.27), ("vote", 0.01))
PAYMENT_MIX = (("accepted", 0.86), ("resent", 0.04), ("retried in flight", 0.02), ("over credit", 0.04),
               ("wrong PIN", 0.04))  # fmt: skip
PAGE_MIX = (("member account", 0.30), ("outlet directory", 0.20), ("staff household list", 0.20),
            ("transparency", 0.10), ("decision log", 0.10), ("officials' simulations", 0.10))  # fmt: skip
WRONG_PINS_PER_OUTLET = 8  # the till is paused at 10 in an hour (caisse.spending.pauses)
MIN_CREDIT_CENTS = 300
JOB_PAUSE_SECONDS = 5.0
MEMBER_SESSIONS = 40
SESSION_SECONDS = 24 * 3600
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')
LOAD_KEY = "load-"


# --- the caisse -------------------------------------------------------------------------------


@dataclass
class Payer:
    member_id: int
    code: str
    pin: str
    credit_cents: int  # known exactly: only one client pays for this household


@dataclass
class Voter:
    user_id: int
    token: str
    cookie: str


@dataclass
class Setup:
    """What the clients need beyond pages.Built."""

    tills: dict[int, str]  # outlet id -> API token of its till
    payers: list[Payer]
    members: list[tuple[str, str]]  # household code, its login session
    voters: dict[int, Voter]
    roll: dict[tuple[int, int], bool]  # (ballot, voter) -> has voted already
    tallied: dict[int, int] = field(default_factory=dict)  # ballot -> votes counted before the run


async def prepare(settings: Settings, ballots: int, rng: np.random.Generator) -> Setup:
    engine = make_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            caisse = await session.scalar(select(Caisse).where(Caisse.slug == SLUG))
            assert caisse is not None
            today = caisse_today()
            tills = await _tills(session, caisse, today)
            payers = await _payers(session, caisse, rng)
            members = []
            for payer in payers[:MEMBER_SESSIONS]:
                user = await _user(
                    session, f"foyer{payer.member_id}", Role.MEMBER, caisse, member_id=payer.member_id
                )
                members.append((payer.code, await auth.open_session(session, user, SESSION_SECONDS)))
            voters = {}
            for user_id in await sitting_members(session, caisse.id, today):
                user = await session.get(User, user_id)
                assert user is not None
                _, token = await auth.issue_api_token(session, user_id=user_id, name="load")
                voters[user_id] = Voter(
                    user_id, token, await auth.open_session(session, user, SESSION_SECONDS)
                )
            now = datetime.now(UTC)
            for k in range(ballots):
                motion = BallotInput(
                    title=f"Motion {k + 1} : ouvrir un nouveau lieu de distribution", kind="motion",
                    description="Motion générale mise au vote pendant le banc de charge.",
                    opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=10),
                )  # fmt: skip
                await create_ballot(session, caisse, motion, now=now, by_user_id=None)
            rows = await session.execute(
                select(BallotVoter.ballot_id, BallotVoter.user_id, BallotVoter.has_voted)
                .join(Ballot, Ballot.id == BallotVoter.ballot_id)
                .where(Ballot.caisse_id == caisse.id, Ballot.closed_at.is_(None), ~BallotVoter.recused)
            )
            roll = {(b, u): voted for b, u, voted in rows if u in voters}
            setup = Setup(tills, payers, members, voters, roll)
            setup.tallied = await tallies(session, {b for b, _ in roll})
            return setup
    finally:
        await engine.dispose()


async def _user(session: AsyncSession, name: str, role: Role, caisse: Caisse, **grant: int) -> User:
    # A random password: these users only use the session or token opened here.
    user = await auth.create_user(
        session, email=f"{name}@load.example", display_name=name, password=secrets.token_urlsafe(12)
    )
    await auth.grant_role(session, user_id=user.id, caisse_id=caisse.id, role=role, **grant)
    return user


async def _tills(session: AsyncSession, caisse: Caisse, today: Any) -> dict[int, str]:
    """A till user with a token at every outlet that may take the food credit today."""
    tills = {}
    for outlet in await session.scalars(
        select(Outlet).where(Outlet.caisse_id == caisse.id).order_by(Outlet.id)
    ):
        if await outlet_can_take_payments(session, outlet.id, today):
            user = await _user(session, f"caisse{outlet.id}", Role.OUTLET, caisse, outlet_id=outlet.id)
            _, tills[outlet.id] = await auth.issue_api_token(session, user_id=user.id, name="till")
    if not tills:
        raise SystemExit("no outlet of the benchmark's caisse may take payments today")
    return tills


async def _payers(session: AsyncSession, caisse: Caisse, rng: np.random.Generator) -> list[Payer]:
    """Every active household with credit, with a fresh non-trivial PIN, in a drawn order."""
    credit = await _wallets(session, caisse)
    active = (
        await session.execute(
            select(Member.id, Member.code).where(
                Member.caisse_id == caisse.id, Member.status == MemberStatus.ACTIVE
            )
        )
    ).all()
    payers = []
    for member_id, code in active:
        if credit.get(member_id, 0) < MIN_CREDIT_CENTS:
            continue
        pin = "0000"
        while is_trivial(pin):
            pin = f"{int(rng.integers(0, 10_000)):04d}"
        payers.append(Payer(member_id, code, pin, credit[member_id]))
    salts = {p.member_id: secrets.token_hex(16) for p in payers}
    await session.execute(
        insert(MemberPin),
        [
            {"member_id": p.member_id, "salt": s, "pin_hash": pin_digest(s, p.pin), "failed_attempts": 0}
            for p, s in ((p, salts[p.member_id]) for p in payers)
        ],
    )
    return [payers[i] for i in rng.permutation(len(payers))]


async def tallies(session: AsyncSession, ballot_ids: set[int]) -> dict[int, int]:
    rows = await session.execute(
        select(
            BallotTally.ballot_id,
            BallotTally.for_count + BallotTally.against_count + BallotTally.abstain_count,
        ).where(BallotTally.ballot_id.in_(ballot_ids))
    )
    return {b: int(n) for b, n in rows}


# --- the load ---------------------------------------------------------------------------------


@dataclass
class Stats:
    latencies_ms: list[float] = field(default_factory=list)
    refused: int = 0  # expected refusals (a 4xx that is the right answer)
    errors: list[str] = field(default_factory=list)


@dataclass
class Payment:
    key: str
    outlet_id: int
    body: dict[str, Any]
    payment_id: int


class Load:
    """The clients' shared state: what is left to do and what was answered."""

    def __init__(self, base: str, built: Built, setup: Setup, clients: int, seed: int) -> None:
        self.base, self.built, self.setup = base, built, setup
        self.stats: dict[str, Stats] = defaultdict(Stats)
        self.accepted: dict[str, int] = {}  # idempotency key -> cents
        self.refused_keys: set[str] = set()
        self.paid: dict[int, int] = defaultdict(int)  # member id -> cents paid during the run
        self.wrong_pins = {outlet: WRONG_PINS_PER_OUTLET for outlet in setup.tills}
        self.wrong_pin_payers: set[int] = set()
        self.votes = [(b, u, 409 if voted else 201) for (b, u), voted in setup.roll.items()]
        np.random.default_rng(seed).shuffle(self.votes)  # type: ignore[arg-type]
        self.counted: dict[int, int] = defaultdict(int)  # ballot -> votes answered 201
        self.shares = [setup.payers[i::clients] for i in range(clients)]
        self.stop = asyncio.Event()
        self.web_voters: dict[int, httpx.AsyncClient] = {}
        self.jobs: list[str] = []

    def record(
        self, kind: str, started: float, answer: httpx.Response | None, expected: int | tuple[int, ...],
        problem: str = "",
    ) -> bool:  # fmt: skip
        """True when the answer is the expected one; refusals (4xx expected) counted apart."""
        stats = self.stats[kind]
        stats.latencies_ms.append((time.perf_counter() - started) * 1000)
        allowed = expected if isinstance(expected, tuple) else (expected,)
        if answer is not None and answer.status_code in allowed and not problem:
            stats.refused += answer.status_code >= 400
            return True
        got = "no answer" if answer is None else f"{answer.status_code} {answer.text[:160]!r}"
        stats.errors.append(f"{kind}: expected {expected}, got {got} {problem}".strip())
        return False

    async def send(self, kind: str, expected: int | tuple[int, ...], call: Any) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            answer: httpx.Response = await call
        except httpx.HTTPError as exc:  # connection refused or reset, timeout
            self.record(kind, started, None, expected, problem=type(exc).__name__)
            return None
        return answer if self.record(kind, started, answer, expected) else None

    async def client(self, number: int) -> None:
        rng = np.random.default_rng([number, 17])
        share = self.shares[number]
        mine: list[Payment] = []
        async with httpx.AsyncClient(
            base_url=self.base, timeout=30.0, headers={"Accept-Language": "fr"}
        ) as http:
            n = 0
            while not self.stop.is_set():
                n += 1
                kind = _draw(rng, MIX)
                if kind == "vote" and self.votes:
                    await self.vote(rng)
                elif kind == "payment":
                    await self.pay(http, rng, share, mine, f"{LOAD_KEY}{number}-{n}")
                else:
                    await self.page(http, rng)

    async def pay(self, http: httpx.AsyncClient, rng: np.random.Generator, share: list[Payer],
                  mine: list[Payment], key: str) -> None:  # fmt: skip
        what = _draw(rng, PAYMENT_MIX)
        outlet_id = list(self.setup.tills)[int(rng.integers(0, len(self.setup.tills)))]
        headers = {"Authorization": f"Bearer {self.setup.tills[outlet_id]}"}
        url = f"/api/v1/caisses/{SLUG}/outlets/{outlet_id}/payments"
        if what == "resent" and mine:
            done = mine[int(rng.integers(0, len(mine)))]
            url = f"/api/v1/caisses/{SLUG}/outlets/{done.outlet_id}/payments"
            headers = {"Authorization": f"Bearer {self.setup.tills[done.outlet_id]}"}
            answer = await self.send(
                "payment resent (same key)", 200, http.post(url, json=done.body, headers=headers)
            )
            if answer is not None and answer.json().get("id") != done.payment_id:
                self.stats["payment resent (same key)"].errors.append(f"{done.key}: another payment answered")
            return
        payable = [p for p in share if p.credit_cents - self.paid[p.member_id] >= MIN_CREDIT_CENTS]
        if not payable:
            return
        payer = payable[int(rng.integers(0, len(payable)))]
        left = payer.credit_cents - self.paid[payer.member_id]
        body: dict[str, Any] = {"member_code": payer.code, "pin": payer.pin, "idempotency_key": key,
                                "amount_cents": int(min(left, rng.integers(300, 4_500)))}  # fmt: skip
        if (
            what == "wrong PIN"
            and self.wrong_pins[outlet_id]
            and payer.member_id not in self.wrong_pin_payers
        ):
            self.wrong_pins[outlet_id] -= 1
            self.wrong_pin_payers.add(payer.member_id)  # one wrong try per household: none gets locked
            body["pin"] = next(p for p in ("1357", "2468", "3579") if p != payer.pin)
            kind, expected, code = "payment refused: wrong PIN", 403, "pin_refused"
        elif what == "over credit":
            body["amount_cents"] = left + int(rng.integers(1, 10_000))
            kind, expected, code = "payment refused: over credit", 409, "insufficient_credit"
        elif what == "retried in flight":
            kind, expected, code = "payment retried in flight (both sends)", 0, ""
        else:
            kind, expected, code = "payment accepted", 201, ""
        if expected:
            answer = await self.send(kind, expected, http.post(url, json=body, headers=headers))
        else:
            answer = await self.twice(kind, http.post(url, json=body, headers=headers),
                                      http.post(url, json=body, headers=headers))  # fmt: skip
        if answer is None:
            return
        if code:
            self.refused_keys.add(key)
            if answer.json().get("error") != code:
                self.stats[kind].errors.append(f"{key}: refused as {answer.json().get('error')}, not {code}")
            return
        self.accepted[key] = body["amount_cents"]
        self.paid[payer.member_id] += body["amount_cents"]
        mine.append(Payment(key, outlet_id, body, int(answer.json()["id"])))

    async def twice(self, kind: str, first: Any, second: Any) -> httpx.Response | None:
        """The same payment sent again before the first answer came back (a till retrying on a
        slow network): one 201 and one 200 naming the same payment; the 201 returned."""
        answers = await asyncio.gather(
            self.send(kind, (200, 201), first), self.send(kind, (200, 201), second)
        )
        if answers[0] is None or answers[1] is None:
            return None
        got = sorted(a.status_code for a in answers)
        if got != [200, 201] or answers[0].json()["id"] != answers[1].json()["id"]:
            ids = [a.json().get("id") for a in answers]
            self.stats[kind].errors.append(f"one payment sent twice at once: answered {got}, payments {ids}")
            return None
        return answers[0] if answers[0].status_code == 201 else answers[1]

    async def page(self, http: httpx.AsyncClient, rng: np.random.Generator) -> None:
        what, built, c = _draw(rng, PAGE_MIX), self.built, f"/c/{SLUG}"
        cookie = ""
        if what == "member account":
            code, cookie = self.setup.members[int(rng.integers(0, len(self.setup.members)))]
            path, expect = f"{c}/mon-compte", code
        elif what == "outlet directory":
            path, expect = f"{c}/lieux", built.outlet_name
        elif what == "staff household list":
            codes = built.member_codes
            page = int(rng.integers(1, (len(codes) + 24) // 25 + 1))
            path, expect, cookie = (
                f"{c}/gestion/membres?page={page}",
                codes[(page - 1) * 25],
                built.cookies[Role.STAFF],
            )
        elif what == "transparency":
            path, expect = f"{c}/transparence", "chart-trend"
        elif what == "decision log":
            path, expect = f"{c}/decisions", "Conventionner"
        else:
            path, expect, cookie = f"{c}/simulations", "simulations/nouvelle", built.cookies[Role.OFFICIAL]
        headers = {"Cookie": f"caisse_session={cookie}; lang=fr"} if cookie else {}
        answer = await self.send(f"page: {what}", 200, http.get(path, headers=headers))
        if answer is not None and expect not in answer.text:
            self.stats[f"page: {what}"].errors.append(f"{path}: no {expect!r} in the page")

    async def vote(self, rng: np.random.Generator) -> None:
        ballot, user_id, expected = self.votes.pop()
        voter, choice = self.setup.voters[user_id], ("for", "against", "abstain")[int(rng.integers(0, 3))]
        web = self.web_voters.get(user_id)
        if web is None:
            web = self.web_voters[user_id] = httpx.AsyncClient(
                base_url=self.base, timeout=30.0, cookies={"caisse_session": voter.cookie, "lang": "fr"}
            )
        if rng.random() < 0.5:
            headers = {"Authorization": f"Bearer {voter.token}"}
            url = f"/api/v1/caisses/{SLUG}/ballots/{ballot}/votes"
            answer = await self.send(
                "vote (API)", expected, web.post(url, json={"choice": choice}, headers=headers)
            )
        else:
            url = f"/c/{SLUG}/comite/scrutins/{ballot}"
            shown = await self.send("page: committee ballot", 200, web.get(url))
            found = CSRF_FIELD.search(shown.text) if shown is not None else None
            if found is None:
                self.stats["vote (web form)"].errors.append(f"{url}: no form token")
                return
            form = {"choice": choice, "_csrf_token": found.group(1)}
            answer = await self.send("vote (web form)", expected, web.post(f"{url}/vote", data=form))
        if answer is not None and expected == 201:
            self.counted[ballot] += 1
            if rng.random() < 0.3:  # the same person tries again later: one person, one vote
                self.votes.insert(int(rng.integers(0, len(self.votes) + 1)), (ballot, user_id, 409))

    async def simulations(self, paths: int) -> None:
        """Jobs one after the other while the load runs; the last one followed to its end."""
        headers = {"Authorization": f"Bearer {self.built.tokens[Role.OFFICIAL]}"}
        body = {"scenarios": [{"preset": "caisse"}], "paths": paths, "seed": 2027}
        async with httpx.AsyncClient(base_url=self.base, timeout=30.0, headers=headers) as http:
            while not self.stop.is_set():
                started = time.perf_counter()
                answer = await self.send(
                    "simulation submitted", 202, http.post(f"/api/v1/caisses/{SLUG}/simulations", json=body)
                )
                if answer is None:
                    await asyncio.sleep(1.0)
                    continue
                url, status = answer.json()["url"], "queued"
                while status in ("queued", "running"):
                    await asyncio.sleep(1.0)
                    polled = await self.send("simulation polled", 200, http.get(url))
                    status = "gone" if polled is None else polled.json()["status"]
                self.jobs.append(status)
                self.record("simulation job (submit to done)", started, answer, 202,
                            "" if status == "done" else f"the job ended {status}")  # fmt: skip
                with contextlib.suppress(TimeoutError):  # the official reads the forecast first
                    await asyncio.wait_for(self.stop.wait(), JOB_PAUSE_SECONDS)


def _draw(rng: np.random.Generator, mix: tuple[tuple[str, float], ...]) -> str:
    r, total = rng.random(), 0.0
    for name, weight in mix:
        total += weight
        if r < total:
            return name
    return mix[-1][0]


async def drive(load: Load, clients: int, duration: float, paths: int) -> float:
    """The clients for `duration` seconds; returns the seconds they ran (to the last answer)."""
    started = time.perf_counter()
    tasks = [asyncio.create_task(load.client(i)) for i in range(clients)]
    jobs = asyncio.create_task(load.simulations(paths))
    await asyncio.sleep(duration)
    load.stop.set()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    await jobs  # the job under way, polled to its end (its polls are not in the throughput's time)
    for web in load.web_voters.values():
        await web.aclose()
    return elapsed


# --- the checks -------------------------------------------------------------------------------


async def check(settings: Settings, load: Load) -> list[str]:
    """The books after the run: ledger and spending checks, each payment once, wallets, tallies."""
    engine = make_engine(settings)
    try:
        problems = await pages.verify(engine)
        async with make_sessionmaker(engine)() as session:
            stored = {
                key: (int(n), int(cents))
                for key, n, cents in await session.execute(
                    select(OutletPayment.client_key, func.count(), func.sum(OutletPayment.amount_cents))
                    .where(OutletPayment.client_key.startswith(LOAD_KEY))
                    .group_by(OutletPayment.client_key)
                )
            }
            for key, cents in load.accepted.items():
                if stored.get(key) != (1, cents):
                    problems.append(f"payment {key} of {cents} cents accepted, stored {stored.get(key)}")
            problems += [
                f"payment {key} stored but never accepted" for key in stored.keys() - load.accepted.keys()
            ]
            problems += [f"refused payment {key} stored" for key in load.refused_keys & stored.keys()]
            payments = await session.scalar(select(func.count()).select_from(OutletPayment))
            entries = await session.scalar(select(func.count()).where(JournalEntry.kind == EntryKind.PAYMENT))
            if payments != entries:
                problems.append(f"{entries} payment entries for {payments} outlet payments")
            caisse = await session.scalar(select(Caisse).where(Caisse.slug == SLUG))
            assert caisse is not None
            credit = await _wallets(session, caisse)
            for payer in load.setup.payers:
                if credit.get(payer.member_id) != payer.credit_cents - load.paid[payer.member_id]:
                    problems.append(
                        f"{payer.code}: wallet {credit.get(payer.member_id)} cents, expected "
                        f"{payer.credit_cents} - {load.paid[payer.member_id]} paid"
                    )
            counted = await tallies(session, set(load.setup.tallied))
            for ballot, before in load.setup.tallied.items():
                if counted[ballot] != before + load.counted[ballot]:
                    problems.append(
                        f"ballot {ballot}: {counted[ballot]} votes tallied, "
                        f"{before} + {load.counted[ballot]} cast"
                    )
        return problems
    finally:
        await engine.dispose()


def ledger_cli(url: str, schema: str) -> tuple[bool, str]:
    """`caisse ledger verify --caisse bench`, as an operator would run it."""
    done = subprocess.run(
        [str(Path(sys.executable).with_name("caisse")), "ledger", "verify", "--caisse", SLUG],
        env={**os.environ, "CAISSE_DATABASE_URL": url, "CAISSE_DATABASE_SCHEMA": schema},
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    said = (done.stdout + done.stderr).strip().splitlines()
    return done.returncode == 0, said[-1] if said else ""


# --- the report -------------------------------------------------------------------------------


def rows(load: Load, seconds: float) -> list[dict[str, Any]]:
    order = sorted(load.stats, key=lambda k: (not k.startswith("payment"), not k.startswith("page"), k))
    out = []
    for kind in order:
        s = load.stats[kind]
        ms = np.array(s.latencies_ms)
        out.append({"operation": kind, "count": len(ms), "per_second": len(ms) / seconds,
                    "p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99)),
                    "expected_refusals": s.refused, "errors": len(s.errors)})  # fmt: skip
    return out


def table(report: list[dict[str, Any]], seconds: float, jobs: list[str]) -> str:
    lines = ["| operation | count | req/s | p50 ms | p99 ms | expected refusals | errors |",
             "|---|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for r in report:
        slow = r["operation"].startswith("simulation job")  # a job's time, not a request's: not in req/s
        rate = "" if slow else f"{r['per_second']:.1f}"
        lines.append(
            f"| {r['operation']} | {r['count']:,} | {rate} | "
            f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['expected_refusals']:,} | {r['errors']:,} |"
        )
    requests = [r for r in report if not r["operation"].startswith("simulation job")]
    count, refused = sum(r["count"] for r in requests), sum(r["expected_refusals"] for r in requests)
    errors = sum(r["errors"] for r in report)
    lines.append(f"| **all requests** | {count:,} | {count / seconds:.1f} | | | {refused:,} | {errors:,} |")
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> int:
    say = (
        (lambda *a: print(*a, file=sys.stderr, flush=True))
        if args.json
        else (lambda *a: print(*a, flush=True))
    )
    url, schema = args.database_url, f"caisse_load_{uuid.uuid4().hex[:10]}"
    settings = Settings(database_url=url, database_schema=schema)
    averages = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    say(
        f"PostgreSQL at {url.split('@')[-1]}, schema {schema}; {os.cpu_count()} CPUs, load average "
        f"{averages}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    await pages.create_schema(url, schema)
    server = None
    try:
        started = time.perf_counter()
        say(f"building a caisse: {args.members:,} households, 3 closed months, last month's credit unspent …")
        # pages.build prints its progress: on stderr when stdout is for the JSON.
        with contextlib.redirect_stdout(sys.stderr if args.json else sys.stdout):
            built = await pages.build(url, schema, args.members, 3, args.seed, spend_last=False)
        setup = await prepare(settings, args.ballots, np.random.default_rng(args.seed))
        say(f"built in {time.perf_counter() - started:.0f} s: {len(setup.payers):,} households with credit "
            f"and a PIN, {len(setup.tills)} tills, {len(setup.voters)} committee members, "
            f"{len(setup.roll)} places on the rolls of {len(setup.tallied)} open ballots")  # fmt: skip
        port = free_port()
        env = {"CAISSE_DATABASE_URL": url, "CAISSE_DATABASE_SCHEMA": schema,
               "CAISSE_SECRET_KEY": secrets.token_urlsafe(32)}  # fmt: skip
        server = start_server(port, args.workers, "uvicorn", env)
        base = f"http://127.0.0.1:{port}"
        await asyncio.to_thread(wait_until_up, base, server, 60)
        say(f"uvicorn, {args.workers} workers; {args.clients} clients for {args.duration:g} s …")
        load = Load(base, built, setup, args.clients, args.seed)
        loads = [os.getloadavg()[0]]
        seconds = await drive(load, args.clients, args.duration, args.paths)
        loads.append(os.getloadavg()[0])
        stop_server(server)
        server = None
        say("checking the books …")
        cli_ok, cli_said = ledger_cli(url, schema)
        problems = await check(settings, load)
    finally:
        if server is not None:
            stop_server(server)
        await pages.admin(url, f"DROP SCHEMA {schema} CASCADE")
    report = rows(load, seconds)
    errors = [e for s in load.stats.values() for e in s.errors]
    ok = cli_ok and not problems and not errors
    if args.json:
        print(json.dumps({
            "duration_s": seconds, "clients": args.clients, "workers": args.workers, "members": args.members,
            "load_average": loads, "operations": report, "simulation_jobs": load.jobs, "errors": errors[:50],
            "ledger_verify": cli_said, "checks": problems[:50], "ok": ok,
        }, indent=2))  # fmt: skip
        return 0 if ok else 1
    print()
    print(
        f"{seconds:.1f} s, {args.clients} clients, uvicorn with {args.workers} workers, {args.members:,} "
        f"households; {os.cpu_count()} CPUs, load average (1 min) {loads[0]:.2f} before, {loads[1]:.2f} after"
    )
    print(table(report, seconds, load.jobs))
    print(f"simulation jobs: {len(load.jobs)} ({', '.join(load.jobs)})")
    for error in errors[:20]:
        print(f"  ERROR {error}")
    print(f"caisse ledger verify: {'ok' if cli_ok else 'FAILED'} ({cli_said})")
    payments = sum(1 for _ in load.accepted)
    print(
        f"books: {'ok' if not problems else 'WRONG'} — {payments:,} accepted payments each stored once "
        f"with its amount, {len(load.refused_keys):,} refused none, {len(setup.payers):,} wallets exact, "
        f"{sum(load.counted.values())} votes tallied"
    )
    for problem in problems[:20]:
        print(f"  {problem}")
    return 0 if ok else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--clients", type=int, default=12, help="concurrent clients (default 12)")
    parser.add_argument("--workers", type=int, default=4, help="server worker processes (default 4)")
    parser.add_argument("--members", type=int, default=3_000, help="households (default 3000)")
    parser.add_argument("--ballots", type=int, default=12, help="motions open during the run (default 12)")
    parser.add_argument(
        "--paths", type=int, default=10_000, help="paths of each simulation job (default 10 000)"
    )
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--json", action="store_true", help="print the results as JSON (progress on stderr)")
    pages.add_database_url(parser)
    args = parser.parse_args(argv)
    if args.members < 500 or args.clients < 1 or args.duration <= 0:
        parser.error("--members must be at least 500 (the committee is drawn from them); --clients and "
                     "--duration positive")  # fmt: skip
    return args


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, pages.stop_on_term)
    sys.exit(asyncio.run(main(parse_args())))
