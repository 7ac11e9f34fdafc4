"""Corrections: a mistaken entry is cancelled by its mirror image, never edited or deleted."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.cycle.models import PeriodClose
from caisse.errors import Conflict, InsufficientCredit, NotFound, PeriodClosed, ValidationFailed
from caisse.ledger.balances import balances_by_account
from caisse.ledger.models import AccountKind, EntryKind, JournalEntry, JournalLine, LedgerAccount
from caisse.ledger.posting import Posted, find_by_key, reverse_entry
from caisse.ledger.releases import (
    refuse_reversing_a_payment_with_later_releases,
    withheld_released_by,
    withhold_again,
)
from caisse.periods import caisse_today
from caisse.redemptions.models import PayoutBatch

# Entries the monthly close posts: their month's totals are stored on its PeriodClose row.
CLOSE_KINDS = (EntryKind.CONTRIBUTION_DUE, EntryKind.ALLOCATION, EntryKind.EXPIRY)
MAX_REASON = 400


async def correct_by_reversal(
    session: AsyncSession,
    *,
    caisse_id: int,
    entry_id: int,
    reason: str,
    occurred_on: date,
    today: date | None = None,
    created_by_user_id: int | None = None,
    idempotency_key: str | None = None,
) -> Posted:
    """Reverse one entry of the caisse, saying why, dated `occurred_on` (the day the correction
    takes effect: not before the entry itself, not in the future).

    Refused: another caisse's entry (NotFound); a reversal, or an entry already reversed
    (Conflict; with an `idempotency_key` that already reversed it, that reversal is returned,
    `created=False`); an entry of a closed month's close (PeriodClosed: correct it in an open month);
    a reversal that would leave a wallet or outlet with credit it has already spent
    (InsufficientCredit); a contribution payment after which withheld allocations of the household
    were released (Conflict: reverse those releases first, see `caisse.ledger.releases`).
    Reversing a release makes its allocations withheld again. A payout batch's entry is never
    reversed here (Conflict): the transfers it books have left the caisse's bank account.
    """
    key = None if idempotency_key is None else f"reversal:{idempotency_key}"
    if key is not None:
        replayed = await find_by_key(session, caisse_id, key)
        if replayed is not None:
            if replayed.reverses_entry_id != entry_id:
                raise Conflict("This idempotency key already reversed another entry; use a new key.")
            return Posted(replayed, created=False)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Say why the entry is reversed (reason); the ledger keeps it.")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(f"The reason is limited to {MAX_REASON} characters.")
    today = today or caisse_today()
    original = await session.get(JournalEntry, entry_id)
    if original is None or original.caisse_id != caisse_id:
        raise NotFound(f"No journal entry {entry_id} in this caisse.")
    await _refuse_reversing_a_payout(session, original)
    if occurred_on < original.occurred_on:
        raise ValidationFailed(
            f"A correction cannot be dated before the entry it reverses ({original.occurred_on.isoformat()})."
        )
    if occurred_on > today:
        raise ValidationFailed(
            f"{occurred_on.isoformat()} is in the future; date the correction today or earlier."
        )
    released = await withheld_released_by(session, entry_id)
    if (
        original.kind in CLOSE_KINDS
        and not released  # releasing a withheld allocation is not part of the month's close
        and original.period is not None
        and await session.scalar(
            select(func.count()).where(
                PeriodClose.caisse_id == caisse_id, PeriodClose.month == original.period
            )
        )
    ):
        raise PeriodClosed(
            f"Entry {entry_id} belongs to the close of {original.period}, which is closed: "
            "its totals are final. Post the correction in an open month instead."
        )
    await refuse_reversing_a_payment_with_later_releases(session, original)
    await _refuse_negative_credit(session, entry_id)
    posted = await reverse_entry(
        session,
        caisse_id=caisse_id,
        entry_id=entry_id,
        occurred_on=occurred_on,
        memo=f"Correction: {reason}",
        created_by_user_id=created_by_user_id,
        idempotency_key=key,
    )
    withhold_again(released)
    await session.flush()
    return posted


async def _refuse_reversing_a_payout(session: AsyncSession, original: JournalEntry) -> None:
    """A payout batch's entry books transfers the bank received: mirroring it in the ledger would
    give the outlets back credit already paid out in euros, which they could redeem a second time."""
    if original.kind is not EntryKind.REDEMPTION:
        return
    reference = await session.scalar(select(PayoutBatch.reference).where(PayoutBatch.entry_id == original.id))
    batch = f"payout batch {reference}" if reference else "a payout to outlets"
    raise Conflict(
        f"Entry {original.id} books {batch}: a transfer sent to the bank cannot be reversed in the "
        "ledger. If the bank rejected the batch, it needs its own correction (see docs/payouts.md, "
        "'A batch the bank rejects')."
    )


async def _refuse_negative_credit(session: AsyncSession, entry_id: int) -> None:
    """Taking back credit already spent would leave a wallet (or outlet) below zero."""
    rows = (
        await session.execute(
            select(JournalLine.account_id, func.sum(JournalLine.amount_cents), LedgerAccount.code)
            .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
            .where(
                JournalLine.entry_id == entry_id,
                LedgerAccount.kind.in_((AccountKind.WALLET, AccountKind.OUTLET)),
            )
            .group_by(JournalLine.account_id, LedgerAccount.code)
        )
    ).all()
    if not rows:
        return
    balances = await balances_by_account(session, [account_id for account_id, _, _ in rows])
    short = [code for account_id, amount, code in rows if balances[account_id] - int(amount) > 0]
    if short:
        listed = ", ".join(short[:5]) + (" …" if len(short) > 5 else "")
        raise InsufficientCredit(
            f"Reversing this entry would take back credit already spent ({listed}); it cannot be reversed."
        )
