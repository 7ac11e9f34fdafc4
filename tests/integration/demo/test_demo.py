"""The demo caisse: built through the real services, its books balance and its story holds."""

from __future__ import annotations

from datetime import date

import numpy as np
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.cycle.models import PeriodClose
from caisse.demo import DEMO_PASSWORD, build_demo
from caisse.demo.population import draw_households
from caisse.ledger.verify import verify_ledger
from caisse.members.models import Member
from caisse.money.models import ContributionPayment, Subsidy
from caisse.reports import month_report
from caisse.settings import Settings
from tests.ledger_checks import invoke_cli

TODAY = date(2027, 7, 15)


async def test_demo_closes_its_months_with_balanced_books(db: AsyncSession) -> None:
    summary = await build_demo(db, households=40, months=4, seed=7, today=TODAY)
    await db.commit()

    assert summary.months == ["2027-03", "2027-04", "2027-05", "2027-06"]
    closed = (await db.scalars(select(PeriodClose.month).order_by(PeriodClose.month))).all()
    assert closed == summary.months
    assert (await verify_ledger(db)).problems == []
    assert await db.scalar(select(func.count()).select_from(Member)) == 40
    assert await db.scalar(select(func.count()).select_from(Subsidy)) >= 3
    assert await db.scalar(select(func.count()).select_from(ContributionPayment)) > 0


async def test_demo_report_shows_contributions_subsidies_and_committed_credit(db: AsyncSession) -> None:
    await build_demo(db, households=40, months=3, seed=7, today=TODAY)
    await db.commit()
    caisse = await db.scalar(select(Caisse))
    assert caisse is not None

    first = await month_report(db, caisse, "2027-04")
    assert first.closed
    assert first.money_in.contributions_paid_cents > 0
    assert {s.kind for s in first.money_in.subsidies_by_source} == {"department", "city", "foundation"}
    assert first.allocations_cents > first.contributions_due_cents > 0  # mostly subsidised, as in Gironde
    # No outlet can take the credit yet, so everything allocated and not expired is still owed.
    assert first.outstanding_credit_cents == first.allocations_cents - first.expired_cents


async def test_demo_households_are_the_insee_draw_of_its_seed(db: AsyncSession) -> None:
    await build_demo(db, households=25, months=2, seed=11, today=TODAY)
    await db.commit()

    drawn = draw_households(25, np.random.default_rng(11))
    stored = (await db.execute(select(Member.adults, Member.monthly_income_cents).order_by(Member.id))).all()
    assert [adults for adults, _ in stored] == drawn.adults.tolist()
    assert [cents for _, cents in stored] == [round(float(x) * 100) for x in drawn.monthly_income]


async def test_demo_users_can_log_in(db: AsyncSession, client: AsyncTestClient[Litestar]) -> None:
    summary = await build_demo(db, households=10, months=1, seed=3, today=TODAY)
    await db.commit()
    for email, role in summary.users:
        response = await client.post("/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 200, (role, response.text)


async def test_demo_command_loads_once_when_asked_if_empty(settings: Settings) -> None:
    first = await invoke_cli(settings, "demo", "--households", "12", "--months", "2", "--if-empty")
    assert first.exit_code == 0, first.output
    assert "demo caisse 'demo': 12 households" in first.output
    second = await invoke_cli(settings, "demo", "--households", "12", "--months", "2", "--if-empty")
    assert second.exit_code == 0
    assert "nothing loaded" in second.output
    third = await invoke_cli(settings, "demo", "--households", "12")
    assert third.exit_code == 1
    assert "already has caisses" in third.output


async def test_demo_committee_conventions_outlets_that_then_take_payments_and_are_paid_back(
    db: AsyncSession,
) -> None:
    from caisse.ballots.models import Ballot, BallotOutcome
    from caisse.committee.eligibility import sitting_members
    from caisse.outlets.models import Outlet, OutletStatus
    from caisse.redemptions.models import PayoutBatch, Redemption, RedemptionStatus
    from caisse.spending.models import OutletPayment

    await build_demo(db, households=40, months=4, seed=7, today=TODAY)
    await db.commit()
    caisse_id = await db.scalar(select(Caisse.id))
    assert caisse_id is not None
    # Up to eight drawn by lot (fewer when an income band had too few volunteers), one appointed.
    assert 6 <= len(await sitting_members(db, caisse_id, TODAY)) <= 9
    statuses = {name: status for name, status in await db.execute(select(Outlet.name, Outlet.status))}
    assert statuses["Supérette du Lac"] is OutletStatus.REJECTED
    assert statuses["Conserverie des Graves"] is OutletStatus.APPLICANT  # its ballot is open today
    assert sum(s is OutletStatus.CONVENTIONED for s in statuses.values()) == 7
    outcomes = (await db.scalars(select(Ballot.outcome).order_by(Ballot.id))).all()
    assert outcomes.count(BallotOutcome.PASSED) == 8 and BallotOutcome.NO_QUORUM in outcomes
    assert outcomes[-1] is None  # still open
    # Households spend at conventioned outlets only; outlets are paid back month by month.
    paid_at = set((await db.scalars(select(OutletPayment.outlet_id).distinct())).all())
    conventioned = {
        o.id for o in await db.scalars(select(Outlet).where(Outlet.status == OutletStatus.CONVENTIONED))
    }
    assert paid_at and paid_at <= conventioned
    assert await db.scalar(select(func.count()).select_from(PayoutBatch)) == 3
    waiting = await db.scalar(select(func.count()).where(Redemption.status == RedemptionStatus.REQUESTED))
    assert waiting  # this month's requests wait for staff
    assert (await verify_ledger(db)).problems == []


async def test_demo_of_more_than_a_year_renews_conventions_spends_its_draw_and_stays_solvent(
    db: AsyncSession,
) -> None:
    """14 months: past the 12-month conventions, which the committee renews without a gap;
    households spend their drawn share every month, and the funders keep the free reserve positive."""
    from caisse.ballots.models import Ballot, BallotKind, BallotOutcome
    from caisse.demo.spending import REFUND_RATE, SPEND_THROUGH
    from caisse.outlets.conventioning import outlet_can_take_payments
    from caisse.outlets.models import Outlet, OutletStatus
    from caisse.periods import first_day, month_of
    from caisse.reports.balances import month_end_series
    from caisse.spending.models import OutletPayment
    from tests.integration.demo.spend_share import realised_spend_shares

    summary = await build_demo(db, households=30, months=14, seed=14, today=TODAY)
    await db.commit()
    caisse = await db.scalar(select(Caisse))
    assert caisse is not None and len(summary.months) == 14
    assert (await verify_ledger(db)).problems == []

    renewals = (
        (await db.execute(select(Ballot.outcome).where(Ballot.kind == BallotKind.RENEW))).scalars().all()
    )
    assert renewals and all(outcome is BallotOutcome.PASSED for outcome in renewals)
    conventioned = (
        await db.scalars(select(Outlet.id).where(Outlet.status == OutletStatus.CONVENTIONED))
    ).all()
    assert len(renewals) == len(conventioned) == 7
    for outlet_id in conventioned:  # every day of the last year, and today, without a gap
        for day in (first_day(summary.months[-12]), first_day(summary.months[-1]), TODAY):
            assert await outlet_can_take_payments(db, outlet_id, day), (outlet_id, day)
    paid_on = (await db.scalars(select(OutletPayment.paid_on))).all()
    assert {month_of(day) for day in paid_on} == set(summary.months)

    shares = await realised_spend_shares(db, caisse.id, summary.months)
    a, b = SPEND_THROUGH
    mean = a / (a + b)
    # The draw's spread, and (at most) that of the refunds, of about REFUND_RATE of what was spent.
    sd = np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)) + (mean**2 + 0.121**2) * REFUND_RATE)
    expected = mean * (1 - REFUND_RATE)  # cent rounding and budgets under 1 € move it by < 0.001
    realised = np.array([share for _, _, share in shares])
    assert len(realised) > 300
    assert abs(realised.mean() - expected) < 4 * sd / np.sqrt(len(realised)) + 0.001
    for month in summary.months:  # the first month too, though outlets open only on its 9th
        of_month = [share for m, _, share in shares if m == month]
        assert abs(np.mean(of_month) - expected) < 4 * sd / np.sqrt(len(of_month)) + 0.001, month

    for end in await month_end_series(db, caisse.id, summary.months):
        assert end.reserve_cents - end.outstanding_credit_cents > 0, end.month
