"""Closing a month: bill every household, expire lapsed credit, credit the month's allocation.

Closing month M posts, in the caller's transaction and inside a savepoint (all or nothing):

1. one EXPIRY entry (Dr each wallet, Cr expired_credit) for credit that lapses by the caisse's rule,
   computed before M's allocation is credited (see `caisse.cycle.expiry`);
2. one CONTRIBUTION_DUE entry (Dr each receivable, Cr contributions) for every household billed
   for M (see `caisse.cycle.billing` for who is billed);
3. one ALLOCATION entry (Dr allocations, Cr each wallet). When the caisse credits only paid-up
   members (`credit_requires_payment`), a household whose receivable is still owed after M's due
   is posted gets a WithheldAllocation row instead, released by
   `caisse.cycle.withheld.release_paid_allocations` once it has paid; an allocation never paid for
   simply stays withheld (nothing is booked for it).

All three entries have period M and occur on the 1st of M: the month's credit is the month's
budget, and reports dated by `occurred_on` show a month's due, allocation and expiry together.
The PeriodClose row (unique per caisse and month) is inserted first and stores the totals, so a
second close of M posts nothing and returns them with `already_closed=True`.
"""

from __future__ import annotations

from datetime import date

import msgspec
import numpy as np
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.actor import Actor
from caisse.caisses.locking import lock_caisse
from caisse.caisses.models import Caisse, RuleSet
from caisse.caisses.service import decode_rule_set, rule_set_in_force
from caisse.cycle.billing import bill, load_households
from caisse.cycle.expiry import credit_to_expire
from caisse.cycle.models import PeriodClose, WithheldAllocation
from caisse.cycle.schemas import CloseResult, PeriodSummary
from caisse.errors import Conflict, PeriodOutOfOrder, ValidationFailed
from caisse.ledger.accounts import caisse_account_id
from caisse.ledger.balances import receivable_balances
from caisse.ledger.models import AccountKind, EntryKind
from caisse.ledger.posting import post_compound
from caisse.periods import caisse_today, check_month, first_day, month_of, next_month


async def close_month(
    session: AsyncSession,
    caisse: Caisse,
    month: str,
    *,
    actor: Actor | None = None,
    today: date | None = None,
    allow_future: bool = False,
) -> CloseResult:
    """Close `month` ("YYYY-MM") of `caisse`; amounts in the result are integer cents.

    Months close in order: first `caisse.first_month`, then each month after the last closed one
    (another month raises PeriodOutOfOrder naming the month to close first). A month already closed
    returns its stored totals with `already_closed=True` and posts nothing. A month after the
    current calendar month (of `today`, default the system date) is refused unless `allow_future`
    (demo, benchmark, tests). Nothing is committed here: the caller's transaction does it.
    """
    check_month(month)
    caisse = await lock_caisse(session, caisse)
    stored = await _stored_result(session, caisse.id, month)
    if stored is not None:
        return stored
    await _check_can_close(session, caisse, month, today=today or caisse_today(), allow_future=allow_future)
    rule_row = await rule_set_in_force(session, caisse.id, month)
    user_id = None if actor is None else actor.user_id
    async with session.begin_nested():
        period = await _claim_month(session, caisse, month, rule_row, user_id)
        await _post_month(session, caisse, period, rule_row, user_id)
    return _result(period, rule_row, already_closed=False)


async def _check_can_close(
    session: AsyncSession, caisse: Caisse, month: str, *, today: date, allow_future: bool
) -> None:
    if month < caisse.first_month:
        raise ValidationFailed(
            f"Caisse '{caisse.slug}' starts in {caisse.first_month}; {month} is before it."
        )
    last_closed = await session.scalar(
        select(func.max(PeriodClose.month)).where(PeriodClose.caisse_id == caisse.id)
    )
    due_next = caisse.first_month if last_closed is None else next_month(last_closed)
    if month != due_next:
        after = "no month is closed yet" if last_closed is None else f"the last closed month is {last_closed}"
        raise PeriodOutOfOrder(f"Months close in order and {after}: close {due_next} first, not {month}.")
    if month > month_of(today) and not allow_future:
        raise ValidationFailed(
            f"{month} has not begun (today is {today.isoformat()}); "
            f"months can be closed up to the current month, {month_of(today)}."
        )


async def _claim_month(
    session: AsyncSession, caisse: Caisse, month: str, rule_row: RuleSet, user_id: int | None
) -> PeriodClose:
    """Insert the PeriodClose row before anything else: a racing close fails here, having posted nothing."""
    period = PeriodClose(
        caisse_id=caisse.id,
        month=month,
        closed_by_user_id=user_id,
        rule_set_id=rule_row.id,
        households=0,
        contributions_due_cents=0,
        allocations_cents=0,
        withheld_cents=0,
        expired_cents=0,
    )
    try:
        async with session.begin_nested():
            session.add(period)
            await session.flush()
    except IntegrityError:
        raise Conflict(f"{month} is being closed by someone else right now; ask again in a moment.") from None
    return period


async def _post_month(
    session: AsyncSession, caisse: Caisse, period: PeriodClose, rule_row: RuleSet, user_id: int | None
) -> None:
    month = period.month
    households = await load_households(session, caisse.id, month)
    try:
        due, allocation = bill(decode_rule_set(rule_row), households)
    except ValueError as exc:  # e.g. a household's data the rules reject: say so, post nothing
        raise ValidationFailed(f"The rules in force in {month} cannot bill this month: {exc}") from None
    wallets, expired = await credit_to_expire(session, caisse.id, month, caisse.credit_lifetime_months)
    # Read before this month's due is posted; only a caisse crediting paid-up members needs it.
    owed_before = (
        await _receivable_balances(session, caisse.id, households.receivable_ids)
        if caisse.credit_requires_payment
        else None
    )
    withheld = (
        np.zeros_like(allocation) if owed_before is None else np.where(owed_before + due <= 0, 0, allocation)
    )
    credited = allocation - withheld

    post = _Poster(session, caisse.id, month, user_id)
    # Dr wallet / Cr expired_credit; Dr receivable / Cr contributions; Dr allocations / Cr wallet.
    await post(
        EntryKind.EXPIRY,
        wallets,
        expired,
        AccountKind.EXPIRED_CREDIT,
        f"Crédit expiré à la clôture de {month}",
    )
    await post(
        EntryKind.CONTRIBUTION_DUE,
        households.receivable_ids,
        due,
        AccountKind.CONTRIBUTIONS,
        f"Cotisations dues {month}",
    )
    await post(
        EntryKind.ALLOCATION,
        households.wallet_ids,
        -credited,
        AccountKind.ALLOCATIONS,
        f"Allocations {month}",
    )
    await _insert_withheld(session, caisse.id, month, households.member_ids, withheld)

    period.households = len(households)
    period.contributions_due_cents = int(due.sum())
    period.allocations_cents = int(credited.sum())
    period.withheld_cents = int(withheld.sum())
    period.expired_cents = int(expired.sum())
    await session.flush()


class _Poster:
    """Posts one compound entry of the month: a line per member account, one counter line."""

    def __init__(self, session: AsyncSession, caisse_id: int, month: str, user_id: int | None) -> None:
        self.session, self.caisse_id, self.month, self.user_id = session, caisse_id, month, user_id

    async def __call__(
        self, kind: EntryKind, accounts: np.ndarray, amounts: np.ndarray, counter: AccountKind, memo: str
    ) -> None:
        await post_compound(
            self.session,
            caisse_id=self.caisse_id,
            kind=kind,
            occurred_on=first_day(self.month),
            period=self.month,
            account_ids=accounts,
            amounts_cents=amounts,
            counter_account_id=await caisse_account_id(self.session, self.caisse_id, counter),
            memo=memo,
            created_by_user_id=self.user_id,
        )


async def _receivable_balances(
    session: AsyncSession, caisse_id: int, receivable_ids: np.ndarray
) -> np.ndarray:
    """Raw (debit-positive: owed) balance of each receivable, aligned with `receivable_ids`."""
    balances = await receivable_balances(session, caisse_id)
    return np.fromiter(
        (balances.get(r, 0) for r in receivable_ids.tolist()), dtype=np.int64, count=receivable_ids.size
    )


async def _insert_withheld(
    session: AsyncSession, caisse_id: int, month: str, member_ids: np.ndarray, withheld: np.ndarray
) -> None:
    keep = withheld > 0
    members, amounts = member_ids[keep].tolist(), withheld[keep].tolist()
    if not members:
        return
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text(
                "INSERT INTO withheld_allocation (caisse_id, member_id, month, amount_cents) "
                "SELECT :caisse_id, m, :month, a "
                "FROM unnest(CAST(:members AS BIGINT[]), CAST(:amounts AS BIGINT[])) AS t(m, a)"
            ),
            {"caisse_id": caisse_id, "month": month, "members": members, "amounts": amounts},
        )
    else:
        await session.execute(
            insert(WithheldAllocation),
            [
                {"caisse_id": caisse_id, "member_id": m, "month": month, "amount_cents": a}
                for m, a in zip(members, amounts, strict=True)
            ],
        )


async def _stored_result(session: AsyncSession, caisse_id: int, month: str) -> CloseResult | None:
    row = (
        await session.execute(
            select(PeriodClose, RuleSet)
            .join(RuleSet, RuleSet.id == PeriodClose.rule_set_id)
            .where(PeriodClose.caisse_id == caisse_id, PeriodClose.month == month)
        )
    ).first()
    if row is None:
        return None
    return _result(row[0], row[1], already_closed=True)


def summary(period: PeriodClose, rule_row: RuleSet) -> PeriodSummary:
    """The stored totals of a closed month and the rule set it was billed with."""
    return PeriodSummary(
        month=period.month,
        households=period.households,
        contributions_due_cents=period.contributions_due_cents,
        allocations_cents=period.allocations_cents,
        withheld_cents=period.withheld_cents,
        expired_cents=period.expired_cents,
        preset=rule_row.preset,
        rule_set_effective_from=rule_row.effective_from,
        closed_at=period.closed_at,
    )


def _result(period: PeriodClose, rule_row: RuleSet, *, already_closed: bool) -> CloseResult:
    return CloseResult(**msgspec.structs.asdict(summary(period, rule_row)), already_closed=already_closed)
