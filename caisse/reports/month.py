"""The monthly report: money in by source, money out, reserve, outstanding credit, arrears."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from caisse.caisses.models import Caisse
from caisse.cycle.models import PeriodClose
from caisse.errors import ValidationFailed
from caisse.ledger.models import AccountKind, EntryKind, JournalEntry, JournalLine, LedgerAccount
from caisse.money.models import SubsidySource
from caisse.periods import check_month, first_day, last_day, month_of
from caisse.reports.flows import booked_by_end_of, counts_as
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
    ends = await _balances_at_end(session, caisse.id, month)
    arrears, prepaid = await _receivables_at_end(session, caisse.id, month)
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
        reserve_cents=ends.get(AccountKind.FUND, 0),
        outstanding_credit_cents=ends.get(AccountKind.WALLET, 0) + ends.get(AccountKind.OUTLET, 0),
        contributions_due_cents=due,
        allocations_cents=allocations,
        expired_cents=-booked.get(AccountKind.EXPIRED_CREDIT, 0),
        withheld_cents=None if close is None else int(close.withheld_cents or 0),
        arrears_cents=arrears,
        prepaid_cents=prepaid,
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


async def _balances_at_end(session: AsyncSession, caisse_id: int, month: str) -> dict[AccountKind, int]:
    """Natural balances, by account kind, of the fund, wallets and outlets at the month's end."""
    kinds = (AccountKind.FUND, AccountKind.WALLET, AccountKind.OUTLET)
    rows = await session.execute(
        select(LedgerAccount.kind, func.sum(JournalLine.amount_cents))
        .select_from(JournalLine)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .where(JournalEntry.caisse_id == caisse_id, LedgerAccount.kind.in_(kinds), booked_by_end_of(month))
        .group_by(LedgerAccount.kind)
    )
    return {kind: (-int(raw) if kind.credit_normal else int(raw)) for kind, raw in rows}


async def _receivables_at_end(session: AsyncSession, caisse_id: int, month: str) -> tuple[int, int]:
    """(owed by households in arrears, paid in advance by others) at the month's end."""
    per_member = (
        select(func.sum(JournalLine.amount_cents).label("balance"))
        .select_from(JournalLine)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .where(
            JournalEntry.caisse_id == caisse_id,
            LedgerAccount.kind == AccountKind.RECEIVABLE,
            booked_by_end_of(month),
        )
        .group_by(JournalLine.account_id)
        .subquery()
    )
    balance = per_member.c.balance
    row = (
        await session.execute(
            select(
                func.coalesce(func.sum(case((balance > 0, balance), else_=0)), 0),
                func.coalesce(func.sum(case((balance < 0, -balance), else_=0)), 0),
            )
        )
    ).one()
    return int(row[0]), int(row[1])


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
