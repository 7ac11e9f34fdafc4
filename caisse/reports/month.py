"""The monthly report: money in by source, money out, reserve, outstanding credit, arrears."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from caisse.caisses.models import Caisse
from caisse.cycle.models import PeriodClose
from caisse.errors import ValidationFailed
from caisse.ledger.models import AccountKind, EntryKind, JournalEntry, JournalLine, LedgerAccount
from caisse.money.models import SubsidySource
from caisse.periods import check_month, first_day, last_day, month_of
from caisse.reports.balances import month_end_balances
from caisse.reports.flows import counts_as
from caisse.reports.schemas import MoneyIn, MoneyOut, MonthReport, ReportMonth, SourceFlow


def check_report_month(caisse: Caisse, month: str) -> str:
    check_month(month)
    if month < caisse.first_month:
        raise ValidationFailed(f"The caisse starts in {caisse.first_month}; {month} is before it.")
    return month


async def month_report(session: AsyncSession, caisse: Caisse, month: str) -> MonthReport:
    """The report of one month (`YYYY-MM`, not before the caisse's first month), in cents."""
    check_report_month(caisse, month)
    money_in, money_out = await _cash_flows(session, caisse.id, month)
    booked = await _booked_for(session, caisse.id, month)
    ends = await month_end_balances(session, caisse.id, month)
    close = await session.scalar(
        select(PeriodClose).where(PeriodClose.caisse_id == caisse.id, PeriodClose.month == month)
    )
    due = -booked.get(AccountKind.CONTRIBUTIONS, 0)
    allocations = booked.get(AccountKind.ALLOCATIONS, 0)
    return MonthReport(
        caisse=caisse.slug,
        month=month,
        closed=close is not None,
        money_in=money_in,
        money_out=money_out,
        net_flow_cents=money_in.total_cents - money_out.total_cents,
        reserve_cents=ends.reserve_cents,
        outstanding_credit_cents=ends.outstanding_credit_cents,
        contributions_due_cents=due,
        allocations_cents=allocations,
        expired_cents=-booked.get(AccountKind.EXPIRED_CREDIT, 0),
        withheld_cents=None if close is None else int(close.withheld_cents or 0),
        arrears_cents=ends.arrears_cents,
        prepaid_cents=ends.prepaid_cents,
        self_financing_ratio=None if allocations == 0 else round(due / allocations, 4),
    )


async def _cash_flows(session: AsyncSession, caisse_id: int, month: str) -> tuple[MoneyIn, MoneyOut]:
    """Lines on the fund and on subsidy accounts of entries dated in the month."""
    original = aliased(JournalEntry)
    rows = await session.execute(
        select(
            JournalEntry.kind,
            original.kind,
            LedgerAccount.kind,
            LedgerAccount.subsidy_source_id,
            func.sum(JournalLine.amount_cents),
        )
        .select_from(JournalLine)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .outerjoin(original, original.id == JournalEntry.reverses_entry_id)
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .where(
            JournalEntry.caisse_id == caisse_id,
            JournalEntry.occurred_on >= first_day(month),
            JournalEntry.occurred_on <= last_day(month),
            LedgerAccount.kind.in_((AccountKind.FUND, AccountKind.SUBSIDY)),
        )
        .group_by(JournalEntry.kind, original.kind, LedgerAccount.kind, LedgerAccount.subsidy_source_id)
    )
    fund: dict[EntryKind, int] = {}
    by_source: dict[int, int] = {}
    for kind, original_kind, account_kind, source_id, total in rows:
        if account_kind is AccountKind.FUND:
            effective = counts_as(kind, original_kind)
            fund[effective] = fund.get(effective, 0) + int(total)
        elif source_id is not None:
            by_source[source_id] = by_source.get(source_id, 0) - int(total)  # income: credit-normal
    sources = {
        s.id: s
        for s in await session.scalars(select(SubsidySource).where(SubsidySource.id.in_(list(by_source))))
    }
    subsidies = [
        SourceFlow(source_id=sid, source=sources[sid].name, kind=sources[sid].kind.value, cents=cents)
        for sid, cents in sorted(by_source.items(), key=lambda item: sources[item[0]].name)
    ]
    contributions = fund.get(EntryKind.CONTRIBUTION_PAID, 0)
    subsidies_cents = sum(s.cents for s in subsidies)
    opening = fund.get(EntryKind.OPENING, 0)
    costs = -fund.get(EntryKind.COST, 0)
    redemptions = -fund.get(EntryKind.REDEMPTION, 0)
    money_in = MoneyIn(
        contributions_paid_cents=contributions,
        subsidies_by_source=subsidies,
        subsidies_cents=subsidies_cents,
        opening_reserve_cents=opening,
        total_cents=contributions + subsidies_cents + opening,
    )
    return money_in, MoneyOut(
        redemptions_cents=redemptions, costs_cents=costs, total_cents=redemptions + costs
    )


async def _booked_for(session: AsyncSession, caisse_id: int, month: str) -> dict[AccountKind, int]:
    """Raw sums on the contributions, allocations and expired-credit accounts of the month's
    entries (by `period`); a reversal carries the period of what it reverses."""
    rows = await session.execute(
        select(LedgerAccount.kind, func.sum(JournalLine.amount_cents))
        .select_from(JournalLine)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .where(
            JournalEntry.caisse_id == caisse_id,
            JournalEntry.period == month,
            LedgerAccount.kind.in_(
                (AccountKind.CONTRIBUTIONS, AccountKind.ALLOCATIONS, AccountKind.EXPIRED_CREDIT)
            ),
        )
        .group_by(LedgerAccount.kind)
    )
    return {kind: int(total) for kind, total in rows}


async def report_months(session: AsyncSession, caisse: Caisse) -> list[ReportMonth]:
    """Every month with something booked (or closed), oldest first."""
    months: set[str] = set()
    months.update(
        p
        for p in await session.scalars(
            select(JournalEntry.period)
            .distinct()
            .where(JournalEntry.caisse_id == caisse.id, JournalEntry.period.is_not(None))
        )
        if p is not None
    )
    months.update(
        month_of(day)
        for day in await session.scalars(
            select(JournalEntry.occurred_on).distinct().where(JournalEntry.caisse_id == caisse.id)
        )
    )
    closed = set(await session.scalars(select(PeriodClose.month).where(PeriodClose.caisse_id == caisse.id)))
    months |= closed
    return [ReportMonth(month=m, closed=m in closed) for m in sorted(months) if m >= caisse.first_month]
