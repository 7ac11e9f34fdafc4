"""Arrears: households whose contributions receivable is positive (they owe the caisse).

What each household owes is its receivable's carried balance (`caisse.ledger.carried`), so finding
who owes reads one row per household, not the ledger's history. Payments settle the oldest months
first, so the unpaid months are the latest months with something due adding up to what is owed;
they are read from the months (`ledger_month`) of the households owing only.

Who owes the caisse, and how much, is personal: every listing is written to the audit log here,
once, whoever asks (the API, the pages or the command line), naming the households shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import audit
from caisse.auth.actor import Actor
from caisse.ledger.models import AccountKind, LedgerAccount, LedgerMonth
from caisse.members.models import Member, MemberStatus
from caisse.pagination import check_window


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
        return self.months[0] if self.months else "9999-99"


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
    households listed are audit-logged ("member.arrears")."""
    check_window(limit, 0)
    owing = await _owing(session, caisse_id)
    shown = oldest_first(owing)[:limit]
    await _log(session, caisse_id, actor, shown)
    return ArrearsPage(shown, len(owing), sum(a.owed_cents for a in owing))


def oldest_first(found: list[MemberArrears]) -> list[MemberArrears]:
    """The households longest in arrears first (oldest unpaid month), then the largest debts."""
    return sorted(found, key=lambda a: (a.oldest_month, -a.owed_cents, a.member_code))


async def _owing(session: AsyncSession, caisse_id: int) -> list[MemberArrears]:
    owing = (
        LedgerAccount.caisse_id == caisse_id,
        LedgerAccount.kind == AccountKind.RECEIVABLE,
        LedgerAccount.carried_balance_cents > 0,
    )
    households = (
        await session.execute(
            select(
                Member.id,
                Member.code,
                Member.reference_person,
                Member.status,
                LedgerAccount.carried_balance_cents,
            )
            .join(LedgerAccount, LedgerAccount.member_id == Member.id)
            .where(*owing)
        )
    ).all()
    if not households:
        return []
    # What was due for each month: the months' lines of entries for a month (caisse.ledger.carried).
    dues: dict[int | None, dict[str, int]] = {}
    for member_id, month, due in await session.execute(
        select(LedgerAccount.member_id, LedgerMonth.month, LedgerMonth.for_month_cents)
        .join(LedgerMonth, LedgerMonth.account_id == LedgerAccount.id)
        .where(*owing, LedgerMonth.for_month_cents != 0)
    ):
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
