"""Arrears: households whose contributions receivable is positive (they owe the caisse).

What each household owes is its receivable's carried balance (`caisse.ledger.carried`), so finding
who owes reads one row per household, not the ledger's history. Payments settle the oldest months
first, so the unpaid months are the latest months with something due adding up to what is owed;
they are read from the months (`ledger_month`) of the households owing only.

Who owes the caisse, and how much, is personal: every listing is written to the audit log here,
once, whoever asks (the API, the pages or the command line), naming the households shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Row, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import audit
from caisse.auth.actor import Actor
from caisse.ledger.models import AccountKind, LedgerAccount, LedgerMonth
from caisse.members.models import Member, MemberStatus
from caisse.pagination import check_window

# Where a household owing without any month due (a correction) sorts: after every month.
NO_MONTH = "9999-99"


@dataclass(frozen=True)
class MemberArrears:
    member_id: int
    member_code: str
    reference_person: str
    status: MemberStatus
    owed_cents: int
    # The months whose contribution is not (fully) paid, oldest first: payments settle the
    # oldest months first, so these are the latest months adding up to what is owed.
    months: list[str]

    @property
    def oldest_month(self) -> str:
        """The oldest unpaid month; a household owing without any month due (a correction) last."""
        return self.months[0] if self.months else NO_MONTH


@dataclass(frozen=True)
class ArrearsPage:
    households: list[MemberArrears]  # the first `limit`, oldest unpaid month first
    count: int  # every household owing the caisse
    owed_cents: int  # what they owe in all


async def list_arrears(session: AsyncSession, caisse_id: int, *, actor: Actor | None) -> list[MemberArrears]:
    """Every household owing the caisse, largest debt first (amounts in cents).

    The read is audit-logged ("member.arrears", one event per household listed); `actor` None is
    the command line.
    """
    found = sorted(await _owing(session, caisse_id), key=lambda a: (-a.owed_cents, a.member_code))
    await _log(session, caisse_id, actor, found)
    return found


async def arrears_page(
    session: AsyncSession, caisse_id: int, *, actor: Actor | None, limit: int = 100
) -> ArrearsPage:
    """The households owing the caisse longest first (oldest unpaid month, then the largest debts,
    then the member code), at most `limit` of them, with the count and total of all. Only the
    households listed are audit-logged ("member.arrears").

    The order and the count are the database's: only the households shown, and their months, are
    read, whatever the number owing (a few thousand rows built into objects on every view made
    Python's full garbage collections frequent, caisse.http.heap)."""
    check_window(limit, 0)
    count, owed = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(LedgerAccount.carried_balance_cents), 0)).where(
                *_owing_where(caisse_id)
            )
        )
    ).one()
    if not count:
        return ArrearsPage([], 0, 0)
    # A month is unpaid when the months due after it add up to less than what is owed (payments
    # settle the oldest months first): the running sum, latest month first, less the month's own due.
    owing = select(LedgerAccount.id).where(*_owing_where(caisse_id)).scalar_subquery()
    due = LedgerMonth.for_month_cents
    later = func.sum(due).over(partition_by=LedgerMonth.account_id, order_by=LedgerMonth.month.desc()) - due
    months = (
        select(LedgerMonth.account_id, LedgerMonth.month, later.label("later"))
        .where(LedgerMonth.account_id.in_(owing), due > 0)
        .subquery()
    )
    oldest = (
        select(months.c.account_id, func.min(months.c.month).label("month"))
        .join(LedgerAccount, LedgerAccount.id == months.c.account_id)
        .where(months.c.later < LedgerAccount.carried_balance_cents)
        .group_by(months.c.account_id)
        .subquery()
    )
    households = (
        await session.execute(
            _households(caisse_id)
            .outerjoin(oldest, oldest.c.account_id == LedgerAccount.id)
            .order_by(
                func.coalesce(oldest.c.month, NO_MONTH),
                LedgerAccount.carried_balance_cents.desc(),
                Member.code,
            )
            .limit(limit)
        )
    ).all()
    shown = await _with_months(session, caisse_id, households, every_household=False)
    await _log(session, caisse_id, actor, shown)
    return ArrearsPage(shown, int(count), int(owed or 0))


def oldest_first(found: list[MemberArrears]) -> list[MemberArrears]:
    """The households longest in arrears first (oldest unpaid month), then the largest debts."""
    return sorted(found, key=lambda a: (a.oldest_month, -a.owed_cents, a.member_code))


def _owing_where(caisse_id: int) -> tuple[ColumnElement[bool], ...]:
    return (
        LedgerAccount.caisse_id == caisse_id,
        LedgerAccount.kind == AccountKind.RECEIVABLE,
        LedgerAccount.carried_balance_cents > 0,
    )


def _households(caisse_id: int) -> Select[int, str, str, MemberStatus, int | None]:
    return (
        select(
            Member.id,
            Member.code,
            Member.reference_person,
            Member.status,
            LedgerAccount.carried_balance_cents,
        )
        .join(LedgerAccount, LedgerAccount.member_id == Member.id)
        .where(*_owing_where(caisse_id))
    )


async def _owing(session: AsyncSession, caisse_id: int) -> list[MemberArrears]:
    households = (await session.execute(_households(caisse_id))).all()
    return await _with_months(session, caisse_id, households, every_household=True)


async def _with_months(
    session: AsyncSession,
    caisse_id: int,
    households: Sequence[Row[int, str, str, MemberStatus, int | None]],
    *,
    every_household: bool,
) -> list[MemberArrears]:
    """The households owing, each with its unpaid months: `every_household` when they are all the
    households owing, else a page of them (at most MAX_LIMIT)."""
    if not households:
        return []
    # What was due for each month: the months' lines of entries for a month (caisse.ledger.carried).
    query = (
        select(LedgerAccount.member_id, LedgerMonth.month, LedgerMonth.for_month_cents)
        .join(LedgerMonth, LedgerMonth.account_id == LedgerAccount.id)
        .where(*_owing_where(caisse_id), LedgerMonth.for_month_cents != 0)
    )
    if not every_household:
        query = query.where(LedgerAccount.member_id.in_([row[0] for row in households]))
    dues: dict[int | None, dict[str, int]] = {}
    for member_id, month, due in await session.execute(query):
        dues.setdefault(member_id, {})[month] = due
    return [
        MemberArrears(
            member_id,
            code,
            person,
            status,
            int(owed or 0),
            _unpaid_months(int(owed or 0), dues.get(member_id, {})),
        )
        for member_id, code, person, status, owed in households
    ]


def _unpaid_months(owed_cents: int, due_by_period: dict[str, int]) -> list[str]:
    months: list[str] = []
    left = owed_cents
    for period in sorted(due_by_period, reverse=True):
        if left <= 0:
            break
        if due_by_period[period] > 0:
            months.append(period)
            left -= due_by_period[period]
    return sorted(months)


async def _log(
    session: AsyncSession, caisse_id: int, actor: Actor | None, shown: list[MemberArrears]
) -> None:
    await audit.record(
        session,
        actor=actor,
        caisse_id=caisse_id,
        action="member.arrears",
        subject_type="member",
        subject_ids=[a.member_id for a in shown],
        fields=["reference_person", "arrears"],
        note="cli" if actor is None else "",
    )
