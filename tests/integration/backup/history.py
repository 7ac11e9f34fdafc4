"""A caisse with history for the backup tests: the demo (households, lottery, committee, outlets,
assessments, ballots, payments, redemptions and payout batches), then a month closed under the
pay-first rule (withheld allocations, one released), a simulation run, a wrong PIN, and grant
agreements on two of its funders (one until a month, one open-ended; the third has none)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.backup import Archive, export_caisse
from caisse.caisses.models import Caisse
from caisse.cycle.close import close_month
from caisse.cycle.models import WithheldAllocation
from caisse.cycle.withheld import release_paid_allocations
from caisse.demo import build_demo
from caisse.ledger.models import AccountKind, JournalEntry, JournalLine, LedgerAccount
from caisse.members.models import Member
from caisse.money.models import SubsidySource
from caisse.money.payments import record_contribution_payment
from caisse.money.subsidies import clear_agreement, set_agreement
from caisse.simulations.models import RunKind, RunStatus, SimulationRun
from caisse.spending.models import OutletPayment, OutletPinFailure

SLUG = "demo"
TODAY = date(2027, 7, 15)
AFTER = date(2027, 8, 3)
# The first funders' agreements: (cents, every N months, until); the others have none.
AGREEMENTS: list[tuple[int, int, str | None]] = [(3_807_000, 3, "2027-12"), (1_200_000, 12, None)]


async def build_history(session: AsyncSession) -> None:
    """The demo caisse "demo" with two closed months and the extras above, committed."""
    await build_demo(session, households=12, months=2, seed=5, today=TODAY)
    caisse = await session.scalar(select(Caisse).where(Caisse.slug == SLUG))
    assert caisse is not None
    caisse.credit_requires_payment = True
    await close_month(session, caisse, "2027-07", today=AFTER)
    withheld = await session.scalar(select(WithheldAllocation).order_by(WithheldAllocation.id))
    assert withheld is not None, "the close withheld nobody's allocation"
    owed = await session.scalar(
        select(func.sum(JournalLine.amount_cents))
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .where(LedgerAccount.member_id == withheld.member_id, LedgerAccount.kind == AccountKind.RECEIVABLE)
    )
    await record_contribution_payment(
        session, caisse, member=withheld.member_id, amount_cents=int(owed or 0), method="transfer",
        received_on=AFTER, today=AFTER,
    )  # fmt: skip
    await release_paid_allocations(session, caisse=caisse, member_id=withheld.member_id, occurred_on=AFTER)
    outlet_id = await session.scalar(
        select(OutletPayment.outlet_id).where(OutletPayment.caisse_id == caisse.id)
    )
    assert outlet_id is not None
    member = await session.scalar(select(Member).where(Member.caisse_id == caisse.id).order_by(Member.id))
    assert member is not None
    moment = datetime(2027, 8, 3, 10, 30, 15, 123456, tzinfo=UTC)
    session.add_all(
        [
            SimulationRun(
                caisse_id=caisse.id, kind=RunKind.SIMULATE, status=RunStatus.DONE, label="Budget 2028",
                paths_done=200, paths_total=200, request='{"scenario": {"name": "Budget 2028"}}',
                result='{"paths": 200}', started_at=moment, finished_at=moment, heartbeat_at=moment,
            ),
            OutletPinFailure(
                caisse_id=caisse.id, outlet_id=outlet_id, member_id=member.id,
                member_code=member.code, at=moment,
            ),
        ]
    )  # fmt: skip
    funders = list(
        await session.scalars(
            select(SubsidySource.id).where(SubsidySource.caisse_id == caisse.id).order_by(SubsidySource.id)
        )
    )
    assert len(funders) >= 3, "the demo has fewer than three funders"
    for source_id, (cents, every, until) in zip(funders, AGREEMENTS, strict=False):
        await set_agreement(session, caisse, source_id, amount_cents=cents, every_months=every, until=until)
    await clear_agreement(session, caisse, funders[len(AGREEMENTS)])
    await session.commit()


async def export_history(session: AsyncSession) -> Archive:
    await build_history(session)
    bind = session.bind
    return await export_caisse(bind, SLUG)  # type: ignore[arg-type]


async def balances(session: AsyncSession, slug: str = SLUG) -> dict[str, int]:
    """Account code -> raw balance (cents) of every account of the caisse."""
    rows = await session.execute(
        select(LedgerAccount.code, func.coalesce(func.sum(JournalLine.amount_cents), 0))
        .join(Caisse, Caisse.id == LedgerAccount.caisse_id)
        .outerjoin(JournalLine, JournalLine.account_id == LedgerAccount.id)
        .where(Caisse.slug == slug)
        .group_by(LedgerAccount.code)
    )
    return {code: int(total) for code, total in rows}


async def entry_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(JournalEntry)) or 0)
