"""Entries and lines: each entry balances, posts only to its own caisse's accounts, and no
wallet or outlet holds less than nothing."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from caisse.ledger.models import AccountKind, JournalEntry, JournalLine, LedgerAccount
from caisse.ledger.verify.checker import Checker


async def check_entries_balance(c: Checker) -> None:
    count = func.count(JournalLine.id)
    total = func.coalesce(func.sum(JournalLine.amount_cents), 0)
    query = (
        select(JournalEntry.id, JournalEntry.caisse_id, count.label("n"), total.label("total"))
        .outerjoin(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .where(c.scoped(JournalEntry.caisse_id))
        .group_by(JournalEntry.id, JournalEntry.caisse_id)
    )
    few = await c.rows(query.having(count < 2).order_by(JournalEntry.id))
    c.add_rows(
        "entry_too_few_lines",
        few,
        lambda r: f"journal entry {r.id} has {r.n} line(s); an entry needs at least 2",
        caisse_id="caisse_id",
        entry_id="id",
    )
    unbalanced = await c.rows(query.having(total != 0).order_by(JournalEntry.id))
    c.add_rows(
        "entry_unbalanced",
        unbalanced,
        lambda r: f"journal entry {r.id} lines sum to {r.total} cents, not 0",
        caisse_id="caisse_id",
        entry_id="id",
    )


async def check_lines_in_own_caisse(c: Checker) -> None:
    query = (
        select(
            JournalLine.id,
            JournalLine.entry_id,
            JournalLine.account_id,
            JournalEntry.caisse_id,
            LedgerAccount.caisse_id.label("account_caisse_id"),
        )
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
        .where(
            LedgerAccount.caisse_id != JournalEntry.caisse_id,
            or_(c.scoped(JournalEntry.caisse_id), c.scoped(LedgerAccount.caisse_id)),
        )
        .order_by(JournalLine.id)
    )
    c.add_rows(
        "line_in_other_caisse",
        await c.rows(query),
        lambda r: (
            f"line {r.id} of journal entry {r.entry_id} (caisse {r.caisse_id}) posts to account "
            f"{r.account_id} of caisse {r.account_caisse_id}"
        ),
        caisse_id="caisse_id",
        entry_id="entry_id",
        account_id="account_id",
    )


async def check_caisse_balances(c: Checker) -> None:
    total = func.sum(JournalLine.amount_cents)
    query = (
        select(LedgerAccount.caisse_id, total.label("total"))
        .join(JournalLine, JournalLine.account_id == LedgerAccount.id)
        .where(c.scoped(LedgerAccount.caisse_id))
        .group_by(LedgerAccount.caisse_id)
        .having(total != 0)
    )
    c.add_rows(
        "caisse_unbalanced",
        await c.rows(query),
        lambda r: f"the lines of caisse {r.caisse_id}'s accounts sum to {r.total} cents, not 0",
        caisse_id="caisse_id",
    )


async def check_no_negative_credit(c: Checker) -> None:
    # Wallets and outlet accounts are credit-normal: a positive raw sum is a negative balance,
    # credit spent (or redeemed) that was never granted.
    total = func.sum(JournalLine.amount_cents)
    for kind, code in ((AccountKind.WALLET, "wallet_negative"), (AccountKind.OUTLET, "outlet_negative")):
        query = (
            select(LedgerAccount.id, LedgerAccount.code, LedgerAccount.caisse_id, total.label("total"))
            .join(JournalLine, JournalLine.account_id == LedgerAccount.id)
            .where(LedgerAccount.kind == kind, c.scoped(LedgerAccount.caisse_id))
            .group_by(LedgerAccount.id, LedgerAccount.code, LedgerAccount.caisse_id)
            .having(total > 0)
            .order_by(LedgerAccount.id)
        )
        c.add_rows(
            code,
            await c.rows(query),
            lambda r: (
                f"account {r.code} (id {r.id}) holds {-r.total} cents: more credit left it than it received"
            ),
            caisse_id="caisse_id",
            account_id="id",
        )
