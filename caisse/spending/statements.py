"""The SQL of the payment hot path, built once, with named parameters.

Built at import, a statement keeps its compiled form in SQLAlchemy's cache and skips the ORM's
per-request work (building the expression, computing its cache key, loading objects), so a
payment costs little more than its round trips to the database. On PostgreSQL, two inside the
transaction: the outlet, its convention, the retry key and the household with its PIN and wallet
rows locked (`OUTLET_AND_HOLDER`); then the credit check and the booking (`BOOK_POSTGRES`). On
SQLite, five. They run on `session.connection()`, inside the request's transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, and_, bindparam, exists, func, insert, select, text, update
from sqlalchemy.dialects import sqlite

from caisse.caisses.models import Caisse
from caisse.ledger.models import AccountKind, JournalEntry, JournalLine, LedgerAccount
from caisse.members.models import Member
from caisse.outlets.conventioning import convention_covers
from caisse.outlets.models import Convention, Outlet
from caisse.spending.models import MemberPin, OutletPayment, OutletPinFailure

account: Any = LedgerAccount.__table__
caisse: Any = Caisse.__table__
entry: Any = JournalEntry.__table__
line: Any = JournalLine.__table__
member: Any = Member.__table__
member_pin: Any = MemberPin.__table__
outlet: Any = Outlet.__table__
payment: Any = OutletPayment.__table__
pin_failure: Any = OutletPinFailure.__table__

# The caisse (by its slug, as in the request's path: no separate lookup), the outlet's account and
# name, the payment its till already recorded under this retry key (None for a new payment),
# whether a convention covers the day: the outlets' own rule, the one that
# `caisse.outlets.conventioning.outlet_can_take_payments` applies (a test checks they agree), and
# the end of the outlet's latest pause after wrong PINs (None if never paused; `pauses` compares it
# with the clock, so the statement needs no parameter for it).
# Parameters slug, code ("outlet:<id>"), client_key, day.
_RECORDED_UNDER_KEY = (
    select(payment.c.id)
    .where(payment.c.outlet_id == outlet.c.id, payment.c.client_key == bindparam("client_key"))
    .scalar_subquery()
)
_DAY: Any = bindparam("day", type_=Date())
_CONVENTIONED = exists().where(Convention.outlet_id == outlet.c.id, convention_covers(_DAY))
_PAUSED_UNTIL = (
    select(func.max(pin_failure.c.paused_until))
    .where(pin_failure.c.outlet_id == outlet.c.id, pin_failure.c.cleared_at.is_(None))
    .scalar_subquery()
)
OUTLET_AND_KEY = (
    select(
        account.c.caisse_id,
        account.c.id,
        outlet.c.name,
        _RECORDED_UNDER_KEY.label("recorded_id"),
        _CONVENTIONED.label("conventioned"),
        _PAUSED_UNTIL.label("paused_until"),
    )
    .select_from(
        account.join(outlet, outlet.c.id == account.c.outlet_id).join(
            caisse, caisse.c.id == account.c.caisse_id
        )
    )
    .where(caisse.c.slug == bindparam("slug"), account.c.code == bindparam("code"))
)

# The household paying: its status, PIN row and wallet; parameters caisse_id, code. Inner joins:
# no row for an unknown code or a household without a PIN.
HOLDER = (
    select(
        member.c.id,
        member.c.status,
        member_pin.c.pin_hash,
        member_pin.c.salt,
        member_pin.c.failed_attempts,
        member_pin.c.locked_until,
        account.c.id.label("wallet_id"),
    )
    .select_from(
        member.join(member_pin, member_pin.c.member_id == member.c.id).join(
            account, and_(account.c.member_id == member.c.id, account.c.kind == AccountKind.WALLET)
        )
    )
    .where(member.c.caisse_id == bindparam("caisse_id"), member.c.code == bindparam("code"))
)
# PostgreSQL: the outlet's row of OUTLET_AND_KEY and the household's of HOLDER in one statement,
# with the PIN and wallet rows locked (NO KEY UPDATE still lets other transactions insert lines
# that reference the wallet: they take KEY SHARE). Parameters those of OUTLET_AND_KEY and
# member_code. No row when either is missing: OUTLET_AND_KEY alone then says which refusal it is.
# Only the locked rows are re-read after a wait for the lock; the retry key may then be stale, which
# BOOK_POSTGRES's ON CONFLICT catches.
_wallet = account.alias("wallet")
OUTLET_AND_HOLDER = (
    OUTLET_AND_KEY.add_columns(
        member.c.id.label("member_id"),
        member.c.status,
        member_pin.c.pin_hash,
        member_pin.c.salt,
        member_pin.c.failed_attempts,
        member_pin.c.locked_until,
        _wallet.c.id.label("wallet_id"),
    )
    .join(member, and_(member.c.caisse_id == caisse.c.id, member.c.code == bindparam("member_code")))
    .join(member_pin, member_pin.c.member_id == member.c.id)
    .join(_wallet, and_(_wallet.c.member_id == member.c.id, _wallet.c.kind == AccountKind.WALLET))
    .with_for_update(of=[member_pin, _wallet], key_share=True)
)
# SQLite: a no-op write on the wallet takes the database's single write lock first; parameters
# in_caisse, member_code (an UPDATE reserves its columns' names).
SQLITE_WALLET_LOCK = (
    update(account)
    .where(
        account.c.kind == AccountKind.WALLET,
        account.c.member_id.in_(
            select(member.c.id)
            .where(member.c.caisse_id == bindparam("in_caisse"), member.c.code == bindparam("member_code"))
            .scalar_subquery()
        ),
    )
    .values(id=account.c.id)
)

# Raw (debit-positive) balance of one account; parameter account_id.
BALANCE = select(func.coalesce(func.sum(line.c.amount_cents), 0)).where(
    line.c.account_id == bindparam("account_id")
)

# Booking a payment, on PostgreSQL in one statement, run after OUTLET_AND_HOLDER took the wallet's
# lock (so its snapshot sees every payment committed before): the credit available (wallets are
# credit-normal), and only when it covers the amount, the PAYMENT entry (nothing when its key was
# already posted: the caller then finds the payment recorded under it), its two lines (Dr wallet,
# Cr outlet) and the OutletPayment row. One row: (available, payment id, entry id), the ids null
# when nothing was booked.
BOOK_POSTGRES = text(
    """
    WITH available AS (
        SELECT -coalesce(sum(amount_cents), 0) AS cents FROM journal_line WHERE account_id = :wallet_id
    ), new_entry AS (
        INSERT INTO journal_entry (caisse_id, kind, occurred_on, posted_at, memo, idempotency_key,
                                   created_by_user_id)
        SELECT :caisse_id, :kind, :paid_on, :paid_at, :memo, :entry_key, :user_id
        FROM available WHERE available.cents >= :amount_cents
        ON CONFLICT (caisse_id, idempotency_key) DO NOTHING
        RETURNING id
    ), new_lines AS (
        INSERT INTO journal_line (entry_id, account_id, amount_cents)
        SELECT new_entry.id, booked.account_id, booked.amount_cents
        FROM new_entry, (VALUES (CAST(:wallet_id AS BIGINT), CAST(:amount_cents AS BIGINT)),
                                (CAST(:outlet_account_id AS BIGINT), -CAST(:amount_cents AS BIGINT)))
                        AS booked (account_id, amount_cents)
    ), new_payment AS (
        INSERT INTO outlet_payment (caisse_id, outlet_id, member_id, amount_cents, paid_on, paid_at,
                                    client_key, note, entry_id, recorded_by_user_id, refund_reason)
        SELECT :caisse_id, :outlet_id, :member_id, :amount_cents, :paid_on, :paid_at, :client_key, :note,
               new_entry.id, :user_id, ''
        FROM new_entry
        RETURNING id, entry_id
    )
    SELECT available.cents, new_payment.id, new_payment.entry_id
    FROM available LEFT JOIN new_payment ON true
    """
)
# On SQLite, three statements: the entry (returns its id, or no row) ...
SQLITE_ENTRY = (
    sqlite.insert(entry)
    .on_conflict_do_nothing(index_elements=["caisse_id", "idempotency_key"])
    .returning(entry.c.id)
)
# ... its lines (a list of two rows) and the payment row (returns its id).
SQLITE_LINES = insert(line)
SQLITE_PAYMENT = insert(payment).returning(payment.c.id)
