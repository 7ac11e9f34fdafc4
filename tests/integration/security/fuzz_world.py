"""The database the API fuzzing runs against: the `world`'s users, and a caisse with a history.

`build_world` gives one API token per role ("test" caisse) plus an outsider, a superuser and a user
with no role; the demo caisse ("demo", a few households and two closed months) gives every kind of
object a path can name: households, outlets, payments, ledger entries, redemptions, a payout batch,
ballots (one with a receipt code), a lottery, committee seats and links, criteria, and a simulation
run. The world's users get their roles in "demo" too, so each role reaches real objects there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from caisse.auth import service as auth
from caisse.auth.models import ApiToken, Role, RoleGrant
from caisse.ballots.models import Ballot
from caisse.ballots.rules import Choice
from caisse.ballots.voting import cast_vote
from caisse.caisses.models import Caisse
from caisse.caisses.service import get_caisse
from caisse.committee.lottery_models import LotteryDraw
from caisse.committee.models import CommitteeMembership, DeclaredLink
from caisse.cycle.models import PeriodClose
from caisse.db.base import utcnow
from caisse.demo import build_demo
from caisse.demo.build import DEMO_USERS
from caisse.errors import DomainError
from caisse.ledger.models import JournalEntry
from caisse.members.models import Member
from caisse.money.models import SubsidySource
from caisse.outlets.models import Criterion, Outlet
from caisse.redemptions.models import PayoutBatch, Redemption
from caisse.simulations.models import RunKind, RunStatus, SimulationRun
from caisse.spending.models import OutletPayment
from tests.conftest import World, build_world

# Few households and months: the demo's every kind of object, built in seconds.
DEMO_HOUSEHOLDS = 12
DEMO_MONTHS = 2
DEMO_SEED = 2027


@dataclass
class FuzzWorld:
    """Auth headers per role, real values per path parameter name, and the ids fuzzing must leave alone."""

    headers: dict[str, dict[str, str]]
    # Path parameter name -> values naming real objects ("code" of a household; "receipt" for a ballot's).
    real: dict[str, list[Any]] = field(default_factory=dict)
    # The fuzzing users' own API tokens and role grants: revoking one would turn every later
    # request of that role into a 401 or a 403, so the rest of the run would test nothing.
    protected_token_ids: set[int] = field(default_factory=set)
    protected_grant_ids: set[int] = field(default_factory=set)


async def _ids(session: AsyncSession, column: InstrumentedAttribute[Any], caisse: Caisse) -> list[Any]:
    """The values of `column` in the rows of `caisse` (its model's `caisse_id`), in order."""
    owner = column.class_.caisse_id
    return list(await session.scalars(select(column).where(owner == caisse.id).order_by(column)))


async def _grant_world_roles_in(session: AsyncSession, world: World, demo: Caisse) -> None:
    """The world's role users get the same role in the demo caisse: the member the demo member's
    household, the outlet the demo outlet user's outlet."""
    demo_grants = {
        grant.role: grant
        for grant in await session.scalars(
            select(RoleGrant).where(
                RoleGrant.caisse_id == demo.id, RoleGrant.role.in_([Role.MEMBER, Role.OUTLET])
            )
        )
    }
    for role in Role:
        await auth.grant_role(
            session,
            user_id=world.user_ids[role.value],
            caisse_id=demo.id,
            role=role,
            member_id=demo_grants[Role.MEMBER].member_id if role is Role.MEMBER else None,
            outlet_id=demo_grants[Role.OUTLET].outlet_id if role is Role.OUTLET else None,
        )


async def _receipt_code(session: AsyncSession, demo: Caisse) -> list[str]:
    """A receipt code of a vote by the demo's committee member, in the first ballot that takes it."""
    committee_email = next(email for email, _, role in DEMO_USERS if role is Role.COMMITTEE)
    user = await auth.user_by_email(session, committee_email)
    for ballot_id in await _ids(session, Ballot.id, demo):
        try:
            async with session.begin_nested():
                code = await cast_vote(
                    session, demo, ballot_id, user_id=user.id, choice=Choice.ABSTAIN, now=utcnow()
                )
        except DomainError:  # closed, not yet open, or off its roll
            continue
        return [code]
    return []


async def _failed_run(session: AsyncSession, demo: Caisse) -> int:
    run = SimulationRun(
        caisse_id=demo.id,
        kind=RunKind.SIMULATE,
        status=RunStatus.FAILED,
        label="Scénario de test",
        paths_total=100,
        request="{}",
        error="Stopped by the tests.",
    )
    session.add(run)
    await session.flush()
    return run.id


async def build_fuzz_world(session: AsyncSession, today: date) -> FuzzWorld:
    world = await build_world(session)
    await build_demo(session, households=DEMO_HOUSEHOLDS, months=DEMO_MONTHS, seed=DEMO_SEED, today=today)
    demo = await get_caisse(session, "demo")
    await _grant_world_roles_in(session, world, demo)
    fuzzers = list(world.user_ids.values())
    spare_tokens = [
        (await auth.issue_api_token(session, user_id=user_id, name="spare"))[0].id for user_id in fuzzers
    ]
    fuzz = FuzzWorld(headers=world.headers)
    fuzz.protected_token_ids = set(
        await session.scalars(
            select(ApiToken.id).where(ApiToken.user_id.in_(fuzzers), ApiToken.name == "tests")
        )
    )
    fuzz.protected_grant_ids = set(
        await session.scalars(select(RoleGrant.id).where(RoleGrant.user_id.in_(fuzzers)))
    )
    months = await _ids(session, PeriodClose.month, demo)
    fuzz.real = {
        "slug": ["demo"],
        "code": await _ids(session, Member.code, demo),
        "receipt": await _receipt_code(session, demo),
        "token_id": spare_tokens,
        "grant_id": [g for g in await _ids(session, RoleGrant.id, demo) if g not in fuzz.protected_grant_ids],
        "entry_id": await _ids(session, JournalEntry.id, demo),
        "outlet_id": await _ids(session, Outlet.id, demo),
        "payment_id": await _ids(session, OutletPayment.id, demo),
        "criterion_id": await _ids(session, Criterion.id, demo),
        "redemption_id": await _ids(session, Redemption.id, demo),
        "batch_id": await _ids(session, PayoutBatch.id, demo),
        "membership_id": await _ids(session, CommitteeMembership.id, demo),
        "link_id": await _ids(session, DeclaredLink.id, demo),
        "reference": await _ids(session, LotteryDraw.reference, demo),
        "ballot_id": await _ids(session, Ballot.id, demo),
        "source_id": await _ids(session, SubsidySource.id, demo),
        "run_id": [await _failed_run(session, demo)],
        "month": months,
        "year": sorted({int(month[:4]) for month in months}),
    }
    await session.commit()
    return fuzz
