"""Ledger helpers any test may import: `from tests.ledger_checks import assert_ledger_ok`.

* `assert_ledger_ok(session)` fails the test with every broken ledger invariant, by name.
* `add_member`, `post_dues`, `post_allocations` arrange a caisse's households and the postings the
  monthly close would make, without running the close.
* `money_world` and `money_caisse` (fixtures; import them into a conftest.py): a caisse "ssa" that
  starts in 2026-01 — so payments can be dated in the past — with or without the `world` users.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pytest
from click.testing import CliRunner, Result
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import service as auth
from caisse.auth.models import Role
from caisse.caisses.service import create_caisse_with_preset
from caisse.ledger import AccountKind, EntryKind, caisse_account_id, member_account_ids, open_member_accounts
from caisse.ledger.posting import post_compound
from caisse.ledger.verify import verify_ledger
from caisse.members.models import Member, MemberStatus
from caisse.periods import first_day
from caisse.settings import Settings
from tests.conftest import World


async def assert_ledger_ok(session: AsyncSession, caisse_id: int | None = None) -> None:
    """Every ledger invariant holds (for one caisse, or the whole database)."""
    report = await verify_ledger(session, caisse_id)
    broken = "\n".join(f"{p.code}: {p.message}" for p in report.problems)
    assert report.problems == [], f"ledger invariants broken:\n{broken}"


async def invoke_cli(settings: Settings, *args: str) -> Result:
    """Run the `caisse` command line against the test database (in a thread: the CLI runs its own
    event loop). Commit what the command must see first."""
    from caisse.cli import main

    env = {"CAISSE_DATABASE_URL": settings.database_url}
    if settings.database_schema:
        env["CAISSE_DATABASE_SCHEMA"] = settings.database_schema
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env)


async def add_member(
    session: AsyncSession,
    caisse_id: int,
    code: str,
    *,
    status: MemberStatus = MemberStatus.ACTIVE,
    name: str | None = None,
    activated_on: date = date(2026, 1, 1),
) -> Member:
    """A one-adult household with its wallet and receivable (flushed, not committed)."""
    member = Member(
        caisse_id=caisse_id,
        code=code,
        reference_person=name or f"Foyer {code}",
        monthly_income_cents=150_000,
        income_declared_on=date(2026, 1, 1),
        status=status,
        applied_on=date(2025, 12, 1),
        activated_on=None if status is MemberStatus.APPLICANT else activated_on,
        left_on=date(2026, 6, 30) if status is MemberStatus.LEFT else None,
    )
    session.add(member)
    await session.flush()
    await open_member_accounts(session, caisse_id, [member.id])
    return member


async def _post_batch(
    session: AsyncSession,
    caisse_id: int,
    month: str,
    amounts: dict[int, int],
    *,
    kind: EntryKind,
    member_account: AccountKind,
    counter: AccountKind,
    sign: int,
) -> None:
    accounts = await member_account_ids(session, caisse_id, member_account, list(amounts))
    await post_compound(
        session,
        caisse_id=caisse_id,
        kind=kind,
        occurred_on=first_day(month),
        period=month,
        account_ids=np.array([accounts[m] for m in amounts], dtype=np.int64),
        amounts_cents=np.array([sign * c for c in amounts.values()], dtype=np.int64),
        counter_account_id=await caisse_account_id(session, caisse_id, counter),
        memo=f"{kind.value} {month} (test)",
    )


async def post_dues(session: AsyncSession, caisse_id: int, month: str, dues: dict[int, int]) -> None:
    """What the close posts: Dr receivable:<member> / Cr contributions, member id -> cents."""
    await _post_batch(
        session,
        caisse_id,
        month,
        dues,
        kind=EntryKind.CONTRIBUTION_DUE,
        member_account=AccountKind.RECEIVABLE,
        counter=AccountKind.CONTRIBUTIONS,
        sign=1,
    )


async def post_allocations(
    session: AsyncSession, caisse_id: int, month: str, credits: dict[int, int]
) -> None:
    """What the close posts: Dr allocations / Cr wallet:<member>, member id -> cents."""
    await _post_batch(
        session,
        caisse_id,
        month,
        credits,
        kind=EntryKind.ALLOCATION,
        member_account=AccountKind.WALLET,
        counter=AccountKind.ALLOCATIONS,
        sign=-1,
    )


async def post_expiry(session: AsyncSession, caisse_id: int, month: str, expired: dict[int, int]) -> None:
    """What the close posts: Dr wallet:<member> / Cr expired_credit, member id -> cents."""
    await _post_batch(
        session,
        caisse_id,
        month,
        expired,
        kind=EntryKind.EXPIRY,
        member_account=AccountKind.WALLET,
        counter=AccountKind.EXPIRED_CREDIT,
        sign=1,
    )


@dataclass
class MoneyWorld:
    """Caisse "ssa" (first month 2026-01, so money can be dated in the past) with the `world`
    users' roles; `headers` are theirs. Members: SA-1, SA-2 active, SA-3 applicant, SA-4 left."""

    caisse_id: int
    slug: str
    headers: dict[str, dict[str, str]]
    user_ids: dict[str, int]
    other_caisse_id: int
    members: dict[str, int] = field(default_factory=dict)


async def build_money_world(
    session: AsyncSession, world: World | None = None, *, credit_requires_payment: bool = False
) -> MoneyWorld:
    """Caisse "ssa" and its four households; with `world`, its users get their roles in "ssa".
    Without it (service tests: no password hashing, much faster) a second caisse "autre" stands
    in for `world`'s "other"."""
    caisse = await create_caisse_with_preset(
        session,
        slug="ssa",
        name="Caisse SSA",
        first_month="2026-01",
        preset="ariege-ccampa",
        member_code_prefix="SA",
        credit_requires_payment=credit_requires_payment,
    )
    if world is None:
        other = await create_caisse_with_preset(
            session,
            slug="autre",
            name="Autre",
            first_month="2026-01",
            preset="ariege-ccampa",
            member_code_prefix="AU",
        )
        mw = MoneyWorld(caisse_id=caisse.id, slug="ssa", headers={}, user_ids={}, other_caisse_id=other.id)
    else:
        for role in (Role.ADMIN, Role.STAFF, Role.COMMITTEE, Role.OFFICIAL, Role.OUTLET):
            await auth.grant_role(session, user_id=world.user_ids[role.value], caisse_id=caisse.id, role=role)
        mw = MoneyWorld(
            caisse_id=caisse.id,
            slug="ssa",
            headers=world.headers,
            user_ids=world.user_ids,
            other_caisse_id=world.other_caisse_id,
        )
    for code, status in (
        ("SA-1", MemberStatus.ACTIVE),
        ("SA-2", MemberStatus.ACTIVE),
        ("SA-3", MemberStatus.APPLICANT),
        ("SA-4", MemberStatus.LEFT),
    ):
        mw.members[code] = (await add_member(session, caisse.id, code, status=status)).id
    await session.commit()
    return mw


@pytest.fixture
async def money_caisse(db: AsyncSession) -> MoneyWorld:
    """`MoneyWorld` without users (for tests of services and the command line)."""
    return await build_money_world(db)


@pytest.fixture
async def money_world(db: AsyncSession, world: World) -> MoneyWorld:
    """`MoneyWorld` whose caisse "ssa" grants the `world` users their roles (for HTTP tests)."""
    return await build_money_world(db, world)
