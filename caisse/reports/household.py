"""A household's own view of its food credit: what it holds, when unspent credit lapses, and the
movements of its wallet (credits received, payments at outlets, refunds, expiries), in cents.

Read-only and audit-logged as reads of personal data ("member.wallet"). The lapse schedule
applies the close's own rule (`caisse.cycle.expiry`) to the wallet as it is now, assuming nothing
more is spent: at the close of month M, credit allocated before M−k+1 and still unspent lapses
(k = the caisse's `credit_lifetime_months`), the oldest credit being spent first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from caisse.auth import audit
from caisse.auth.actor import Actor
from caisse.caisses.models import Caisse
from caisse.errors import NotFound
from caisse.ledger.balances import account_balance, natural
from caisse.ledger.models import AccountKind, EntryKind, JournalEntry, JournalLine, LedgerAccount
from caisse.members.chosen import first_open_month
from caisse.members.models import Member
from caisse.outlets.models import Outlet
from caisse.pagination import check_window
from caisse.periods import first_day, next_month, previous_month
from caisse.spending.models import OutletPayment


@dataclass(frozen=True)
class Lapse:
    """`cents` of today's credit lapse at the close of `month` unless spent before."""

    month: str
    cents: int


@dataclass(frozen=True)
class WalletPosition:
    """The household's credit now (cents, 0 or more) and when it lapses if left unspent.

    `lifetime_months` None: credit carries over and `lapses` is empty. `next_close` is the next
    month to be closed (the close posts that month's allocation and its expiries).
    """

    member_id: int
    credit_cents: int
    lifetime_months: int | None
    next_close: str
    lapses: list[Lapse]


@dataclass(frozen=True)
class WalletMovement:
    """One movement of the wallet; `cents` > 0 adds credit, < 0 takes it. `kind` is the entry's
    (a refund or a correction is `reversal`, with `reverses` the kind it undoes)."""

    entry_id: int
    occurred_on: date
    period: str | None
    kind: EntryKind
    reverses: EntryKind | None
    cents: int
    outlet_name: str | None


async def _wallet(session: AsyncSession, caisse: Caisse, member: Member) -> int:
    account_id = await session.scalar(
        select(LedgerAccount.id).where(
            LedgerAccount.caisse_id == caisse.id,
            LedgerAccount.member_id == member.id,
            LedgerAccount.kind == AccountKind.WALLET,
        )
    )
    if account_id is None:
        raise NotFound(f"{member.code} has no food-credit wallet in this caisse.")
    return account_id


def lapse_schedule(
    credit_cents: int, allocations_by_month: dict[str, int], next_close: str, lifetime_months: int
) -> list[Lapse]:
    """What of `credit_cents` lapses at each of the next closes if nothing is spent.

    `allocations_by_month`: allocation cents credited to the wallet, by the month they were posted.
    At the close of M the wallet keeps at most what was credited from the 1st of M−k+1 on; the
    allocations later closes post are added to what is held and to what is kept alike, so they do
    not change what lapses from today's credit. After k + 1 closes no credit held today is left.
    """
    lapses, held, month = [], credit_cents, next_close
    start = next_close
    for _ in range(lifetime_months - 1):
        start = previous_month(start)
    for _ in range(lifetime_months + 1):
        kept = sum(cents for posted, cents in allocations_by_month.items() if posted >= start)
        lapsing = max(0, held - kept)
        if lapsing:
            lapses.append(Lapse(month, lapsing))
            held -= lapsing
        month, start = next_month(month), next_month(start)
    return lapses


async def wallet_position(
    session: AsyncSession, caisse: Caisse, member: Member, *, actor: Actor | None
) -> WalletPosition:
    """The household's credit (cents) and its lapse schedule; the read is audit-logged."""
    wallet = await _wallet(session, caisse, member)
    credit = max(0, natural(AccountKind.WALLET, await account_balance(session, wallet)))
    next_close = await first_open_month(session, caisse)
    lifetime = caisse.credit_lifetime_months
    lapses: list[Lapse] = []
    if lifetime is not None and credit:
        start = next_close
        for _ in range(lifetime - 1):
            start = previous_month(start)
        rows = await session.execute(
            select(JournalEntry.occurred_on, func.sum(JournalLine.amount_cents))
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(
                JournalLine.account_id == wallet,
                JournalEntry.kind == EntryKind.ALLOCATION,
                JournalEntry.occurred_on >= first_day(start),
            )
            .group_by(JournalEntry.occurred_on)
        )
        by_month: dict[str, int] = {}
        for day, raw in rows:
            key = f"{day.year:04d}-{day.month:02d}"
            by_month[key] = by_month.get(key, 0) - int(raw)
        lapses = lapse_schedule(credit, by_month, next_close, lifetime)
    await audit.record(
        session, actor=actor, caisse_id=caisse.id, action="member.wallet", subject_type="member",
        subject_ids=[member.id], fields=["wallet"], note="position",
    )  # fmt: skip
    return WalletPosition(member.id, credit, lifetime, next_close, lapses)


async def wallet_movements(
    session: AsyncSession,
    caisse: Caisse,
    member: Member,
    *,
    actor: Actor | None,
    limit: int = 25,
    offset: int = 0,
) -> tuple[list[WalletMovement], int]:
    """One page of the wallet's movements, newest first, and how many there are (two queries,
    whatever the page holds: the outlet of a payment or a refund comes in the same query)."""
    check_window(limit, offset)
    wallet = await _wallet(session, caisse, member)
    total = await session.scalar(
        select(func.count()).select_from(JournalLine).where(JournalLine.account_id == wallet)
    )
    original = aliased(JournalEntry)
    paid = aliased(OutletPayment)
    refunded = aliased(OutletPayment)
    outlet = aliased(Outlet)
    rows = await session.execute(
        select(
            JournalEntry.id,
            JournalEntry.occurred_on,
            JournalEntry.period,
            JournalEntry.kind,
            original.kind,
            JournalLine.amount_cents,
            outlet.name,
        )
        .select_from(JournalLine)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .outerjoin(original, original.id == JournalEntry.reverses_entry_id)
        .outerjoin(paid, paid.entry_id == JournalEntry.id)
        .outerjoin(refunded, refunded.refund_entry_id == JournalEntry.id)
        .outerjoin(outlet, outlet.id == func.coalesce(paid.outlet_id, refunded.outlet_id))
        .where(JournalLine.account_id == wallet)
        .order_by(JournalEntry.occurred_on.desc(), JournalEntry.id.desc(), JournalLine.id.desc())
        .limit(limit)
        .offset(offset)
    )
    items = [
        WalletMovement(entry_id, day, period, kind, reverses, -int(raw), name)
        for entry_id, day, period, kind, reverses, raw, name in rows
    ]
    await audit.record(
        session, actor=actor, caisse_id=caisse.id, action="member.wallet", subject_type="member",
        subject_ids=[member.id], fields=["wallet"], note="movements",
    )  # fmt: skip
    return items, int(total or 0)


async def amount_owed(session: AsyncSession, caisse: Caisse, member: Member) -> int:
    """Contributions billed and not yet paid, in cents (0 when paid up or paid in advance)."""
    raw = await session.scalar(
        select(func.coalesce(func.sum(JournalLine.amount_cents), 0))
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .where(
            LedgerAccount.caisse_id == caisse.id,
            LedgerAccount.member_id == member.id,
            LedgerAccount.kind == AccountKind.RECEIVABLE,
        )
    )
    return max(0, int(raw or 0))
