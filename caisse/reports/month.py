"""The monthly report: money in by source, money out, reserve, outstanding credit, arrears."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.cycle.models import PeriodClose
from caisse.errors import ValidationFailed
from caisse.ledger.models import AccountKind, JournalEntry, LedgerAccount, LedgerMonth
from caisse.money.models import SubsidySource
from caisse.periods import check_month, month_of, months_between
from caisse.reports.balances import month_end_balances
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


async def _month_moves(
    session: AsyncSession, caisse_id: int, month: str, kinds: tuple[AccountKind, ...], *, dated: bool
) -> list[tuple[AccountKind, int | None, int]]:
    """(account kind, subsidy source, raw cents) of the month's carried sums (`ledger_month`,
    caisse.ledger.carried) on accounts of `kinds`: the lines of entries dated in the month
    (`dated`) or of entries for the month."""
    moved = LedgerMonth.in_month_cents if dated else LedgerMonth.for_month_cents
    rows = await session.execute(
        select(LedgerAccount.kind, LedgerAccount.subsidy_source_id, func.sum(moved))
        .join(LedgerAccount, LedgerAccount.id == LedgerMonth.account_id)
        .where(LedgerMonth.caisse_id == caisse_id, LedgerMonth.month == month, LedgerAccount.kind.in_(kinds))
        .group_by(LedgerAccount.kind, LedgerAccount.subsidy_source_id)
    )
    return [(AccountKind(kind), source_id, int(total)) for kind, source_id, total in rows]


async def _cash_flows(session: AsyncSession, caisse_id: int, month: str) -> tuple[MoneyIn, MoneyOut]:
    """Money in and out of the fund in the month, each told by the account on the other side.

    The fund moves only with entries dated by the day (no period): a contribution paid against a
    receivable, a subsidy against its source's account, the opening reserve against the opening
    account, a cost against costs, a redemption against an outlet; a correction against the same
    account as what it corrects. So the month's dated sums on those accounts give each flow, and
    redemptions are what else left the fund: outlets carry nothing (`caisse.ledger.carried`)."""
    kinds = (
        AccountKind.FUND,
        AccountKind.RECEIVABLE,
        AccountKind.SUBSIDY,
        AccountKind.OPENING,
        AccountKind.COSTS,
    )
    by_kind: dict[AccountKind, int] = {}
    by_source: dict[int, int] = {}
    for kind, source_id, raw in await _month_moves(session, caisse_id, month, kinds, dated=True):
        by_kind[kind] = by_kind.get(kind, 0) + raw
        if kind is AccountKind.SUBSIDY and source_id is not None and raw:
            by_source[source_id] = by_source.get(source_id, 0) - raw  # income: credit-normal
    sources = {
        s.id: s
        for s in await session.scalars(select(SubsidySource).where(SubsidySource.id.in_(list(by_source))))
    }
    subsidies = [
        SourceFlow(source_id=sid, source=sources[sid].name, kind=sources[sid].kind.value, cents=cents)
        for sid, cents in sorted(by_source.items(), key=lambda item: sources[item[0]].name)
    ]
    contributions = -by_kind.get(AccountKind.RECEIVABLE, 0)
    subsidies_cents = sum(s.cents for s in subsidies)
    opening = -by_kind.get(AccountKind.OPENING, 0)
    costs = by_kind.get(AccountKind.COSTS, 0)
    redemptions = contributions + subsidies_cents + opening - costs - by_kind.get(AccountKind.FUND, 0)
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
    kinds = (AccountKind.CONTRIBUTIONS, AccountKind.ALLOCATIONS, AccountKind.EXPIRED_CREDIT)
    return {kind: raw for kind, _, raw in await _month_moves(session, caisse_id, month, kinds, dated=False)}


async def report_months(session: AsyncSession, caisse: Caisse) -> list[ReportMonth]:
    """Every month from the first with something booked (or closed) to the last, oldest first."""
    first_day_booked, last_day_booked = (
        await session.execute(
            select(func.min(JournalEntry.occurred_on), func.max(JournalEntry.occurred_on)).where(
                JournalEntry.caisse_id == caisse.id
            )
        )
    ).one()
    months = {
        p
        for p in await session.scalars(
            select(JournalEntry.period)
            .distinct()
            .where(JournalEntry.caisse_id == caisse.id, JournalEntry.period.is_not(None))
        )
        if p is not None
    }
    if first_day_booked is not None:
        months |= {month_of(first_day_booked), month_of(last_day_booked)}
    closed = set(await session.scalars(select(PeriodClose.month).where(PeriodClose.caisse_id == caisse.id)))
    months |= closed
    if not months:
        return []
    first, last = max(min(months), caisse.first_month), max(months)
    return (
        [ReportMonth(month=m, closed=m in closed) for m in months_between(first, last)]
        if first <= last
        else []
    )
