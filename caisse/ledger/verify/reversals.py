"""Reversals mirror the entry they cancel, in its caisse and period, and never undo a payout;
idempotency keys post once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.orm import aliased

from caisse.ledger.models import EntryKind, JournalEntry
from caisse.ledger.verify.checker import MAX_PER_CHECK, Checker


async def check_reversals(c: Checker) -> None:
    original = aliased(JournalEntry)
    invalid = (
        select(
            JournalEntry.id,
            JournalEntry.caisse_id,
            JournalEntry.kind,
            JournalEntry.period,
            JournalEntry.reverses_entry_id,
            original.caisse_id.label("original_caisse_id"),
            original.kind.label("original_kind"),
            original.period.label("original_period"),
        )
        .outerjoin(original, original.id == JournalEntry.reverses_entry_id)
        .where(
            c.scoped(JournalEntry.caisse_id),
            or_(
                and_(JournalEntry.kind == EntryKind.REVERSAL, JournalEntry.reverses_entry_id.is_(None)),
                and_(JournalEntry.kind != EntryKind.REVERSAL, JournalEntry.reverses_entry_id.is_not(None)),
                and_(
                    JournalEntry.kind == EntryKind.REVERSAL,
                    or_(
                        original.caisse_id != JournalEntry.caisse_id,
                        original.kind == EntryKind.REVERSAL,
                        original.period.is_distinct_from(JournalEntry.period),
                    ),
                ),
            ),
        )
        .order_by(JournalEntry.id)
    )

    def describe(r: Any) -> str:
        if r.kind != EntryKind.REVERSAL:
            return f"journal entry {r.id} of kind {r.kind} claims to reverse entry {r.reverses_entry_id}"
        if r.reverses_entry_id is None:
            return f"reversal {r.id} names no entry it reverses"
        if r.original_caisse_id != r.caisse_id:
            return (
                f"reversal {r.id} (caisse {r.caisse_id}) reverses entry {r.reverses_entry_id} "
                f"of caisse {r.original_caisse_id}"
            )
        if r.original_kind == EntryKind.REVERSAL:
            return f"reversal {r.id} reverses another reversal ({r.reverses_entry_id})"
        return f"reversal {r.id} is in period {r.period} but the entry it reverses is in {r.original_period}"

    c.add_rows("reversal_invalid", await c.rows(invalid), describe, caisse_id="caisse_id", entry_id="id")

    # The lines of a reversal, negated, must be exactly the lines of the entry it reverses:
    # compare the two multisets of (account, amount) both ways.
    scope = "" if c.caisse_id is None else "AND caisse_id = :caisse_id"
    mirror = text(
        f"""
        WITH r AS (
            SELECT id, reverses_entry_id AS original_id, caisse_id FROM journal_entry
            WHERE kind = 'reversal' AND reverses_entry_id IS NOT NULL {scope}
        ),
        mine AS (
            SELECT r.id AS rid, l.account_id, -l.amount_cents AS amount, COUNT(*) AS n
            FROM r JOIN journal_line l ON l.entry_id = r.id GROUP BY r.id, l.account_id, l.amount_cents
        ),
        theirs AS (
            SELECT r.id AS rid, l.account_id, l.amount_cents AS amount, COUNT(*) AS n
            FROM r JOIN journal_line l ON l.entry_id = r.original_id
            GROUP BY r.id, l.account_id, l.amount_cents
        ),
        differing AS (
            SELECT rid FROM (SELECT * FROM mine EXCEPT SELECT * FROM theirs) AS a
            UNION
            SELECT rid FROM (SELECT * FROM theirs EXCEPT SELECT * FROM mine) AS b
        )
        SELECT r.id, r.original_id, r.caisse_id FROM r JOIN differing d ON d.rid = r.id
        ORDER BY r.id LIMIT {MAX_PER_CHECK + 1}
        """
    )
    params = {} if c.caisse_id is None else {"caisse_id": c.caisse_id}
    rows = (await c.session.execute(mirror, params)).all()
    c.add_rows(
        "reversal_mismatch",
        rows,
        lambda r: f"reversal {r.id} does not mirror the lines of journal entry {r.original_id}",
        caisse_id="caisse_id",
        entry_id="id",
    )


async def check_idempotency_keys(c: Checker) -> None:
    count = func.count(JournalEntry.id)
    query = (
        select(JournalEntry.caisse_id, JournalEntry.idempotency_key, count.label("n"))
        .where(JournalEntry.idempotency_key.is_not(None), c.scoped(JournalEntry.caisse_id))
        .group_by(JournalEntry.caisse_id, JournalEntry.idempotency_key)
        .having(count > 1)
    )
    c.add_rows(
        "idempotency_key_duplicate",
        await c.rows(query),
        lambda r: f"idempotency key {r.idempotency_key!r} posted {r.n} entries in caisse {r.caisse_id}",
        caisse_id="caisse_id",
    )


async def check_no_reversed_redemptions(c: Checker) -> None:
    """A redemption entry books transfers the bank received: a reversal of it would give the
    outlets back credit already paid in euros (see caisse.ledger.corrections)."""
    original = aliased(JournalEntry)
    query = (
        select(JournalEntry.id, JournalEntry.caisse_id, JournalEntry.reverses_entry_id)
        .join(original, original.id == JournalEntry.reverses_entry_id)
        .where(
            c.scoped(JournalEntry.caisse_id),
            JournalEntry.kind == EntryKind.REVERSAL,
            original.kind == EntryKind.REDEMPTION,
        )
        .order_by(JournalEntry.id)
    )
    c.add_rows(
        "reversal_of_redemption",
        await c.rows(query),
        lambda r: (
            f"reversal {r.id} reverses redemption entry {r.reverses_entry_id}: money paid to outlets "
            "is credited back to them"
        ),
        caisse_id="caisse_id",
        entry_id="id",
    )
