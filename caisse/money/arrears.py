"""Arrears: households whose contributions receivable is positive (they owe the caisse).

Who owes the caisse, and how much, is personal: every listing is written to the audit log here,
once, whoever asks (the API or the command line).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import audit
from caisse.auth.actor import Actor
from caisse.ledger.models import AccountKind, JournalEntry, JournalLine, LedgerAccount
from caisse.members.models import Member, MemberStatus

_CHUNK = 1000


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


async def list_arrears(session: AsyncSession, caisse_id: int, *, actor: Actor | None) -> list[MemberArrears]:
    """Every household owing the caisse, largest debt first (amounts in cents).

    The read is audit-logged ("member.arrears", one event per household listed); `actor` None is
    the command line.
    """
    balance = func.sum(JournalLine.amount_cents)
    owing = (
        await session.execute(
            select(Member.id, Member.code, Member.reference_person, Member.status, balance)
            .join(LedgerAccount, LedgerAccount.member_id == Member.id)
            .join(JournalLine, JournalLine.account_id == LedgerAccount.id)
            .where(LedgerAccount.caisse_id == caisse_id, LedgerAccount.kind == AccountKind.RECEIVABLE)
            .group_by(Member.id, Member.code, Member.reference_person, Member.status)
            .having(balance > 0)
        )
    ).all()
    dues = await _dues_by_period(session, caisse_id, [row[0] for row in owing])
    found = sorted(
        (
            MemberArrears(
                member_id, code, person, status, int(owed), _unpaid_months(int(owed), dues.get(member_id, {}))
            )
            for member_id, code, person, status, owed in owing
        ),
        key=lambda a: (-a.owed_cents, a.member_code),
    )
    await audit.record(
        session,
        actor=actor,
        caisse_id=caisse_id,
        action="member.arrears",
        subject_type="member",
        subject_ids=[a.member_id for a in found],
        fields=["reference_person", "arrears"],
        note="cli" if actor is None else "",
    )
    return found


async def _dues_by_period(
    session: AsyncSession, caisse_id: int, member_ids: list[int]
) -> dict[int, dict[str, int]]:
    dues: dict[int, dict[str, int]] = {}
    for start in range(0, len(member_ids), _CHUNK):
        rows = await session.execute(
            select(LedgerAccount.member_id, JournalEntry.period, func.sum(JournalLine.amount_cents))
            .join(JournalLine, JournalLine.account_id == LedgerAccount.id)
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(
                LedgerAccount.caisse_id == caisse_id,
                LedgerAccount.kind == AccountKind.RECEIVABLE,
                LedgerAccount.member_id.in_(member_ids[start : start + _CHUNK]),
                JournalEntry.period.is_not(None),
            )
            .group_by(LedgerAccount.member_id, JournalEntry.period)
        )
        for member_id, period, total in rows:
            if member_id is not None and period is not None:
                dues.setdefault(member_id, {})[period] = int(total)
    return dues


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
