"""The history the forecast learns from is the books' own figures: month by month, it agrees with
the month reports, the members' statuses and the wallets, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.service import get_caisse
from caisse.demo import build_demo
from caisse.forecasting.history import ACTIVE, read_history
from caisse.ledger.balances import balances_by_kind, natural
from caisse.ledger.models import AccountKind
from caisse.members.models import Member, MemberStatus
from caisse.money.models import Subsidy
from caisse.reports import month_report
from tests.integration.cycle.helpers import new_caisse

TODAY = date(2027, 7, 1)  # the first day of the open month: nothing booked in it yet


async def test_the_history_agrees_with_the_month_reports_and_the_members(db: AsyncSession) -> None:
    summary = await build_demo(db, households=24, months=5, seed=5, today=TODAY)
    caisse = await get_caisse(db, summary.slug)
    history = await read_history(db, caisse)
    assert history is not None
    assert history.months == summary.months
    h = history.households
    for k, month in enumerate(history.months):
        report = await month_report(db, caisse, month)
        assert history.reserve_end[k] == report.reserve_cents
        assert history.outstanding_end[k] == report.outstanding_credit_cents
        assert history.allocations[k] == report.allocations_cents
        assert h.due[:, k].sum() == report.contributions_due_cents
        assert h.paid[:, k].sum() == report.money_in.contributions_paid_cents
        assert history.costs[k] == report.money_out.costs_cents
        received = sum(c for _, month_index, c in history.subsidies if month_index == k)
        assert received == report.money_in.subsidies_cents
    # Statuses at the last month's end are today's (the open month has no change yet).
    by_status = (
        select(Member.status, func.count()).where(Member.caisse_id == caisse.id).group_by(Member.status)
    )
    statuses = dict((await db.execute(by_status)).all())
    assert int((h.status[:, -1] == ACTIVE).sum()) == statuses[MemberStatus.ACTIVE]
    # What the wallets hold today is what they had in the last month less what they spent of it.
    wallets = await balances_by_kind(db, caisse.id, AccountKind.WALLET)
    held = sum(natural(AccountKind.WALLET, raw) for raw in wallets.values())
    assert int((h.credit[:, -1] - h.spent[:, -1]).sum()) == held
    assert np.all(h.spent <= np.maximum(h.credit, 0))
    assert len(history.subsidies) == await db.scalar(select(func.count()).select_from(Subsidy))
    assert len(history.rule_sets) == len(history.months) + 1


async def test_a_caisse_without_a_closed_month_has_no_history(db: AsyncSession) -> None:
    assert await read_history(db, await new_caisse(db)) is None
