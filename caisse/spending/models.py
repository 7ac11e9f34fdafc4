"""Models of caisse.spending: a household's PIN, and the payments outlets take with it.

The money itself moves in the ledger (one PAYMENT entry per payment, one REVERSAL per refund);
an OutletPayment row says who paid which outlet and carries the refund state, so an outlet's and
a household's payments are listed without reading journal lines.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from caisse.db.base import Base, Cents, IdMixin, UtcDateTime, utcnow


class MemberPin(IdMixin, Base):
    """The PIN a household types at an outlet, stored as HMAC-SHA256(salt, pin) (see `pins`).

    `failed_attempts` counts consecutive wrong PINs; reaching the limit sets `locked_until`.
    """

    __tablename__ = "member_pin"

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), unique=True)
    pin_hash: Mapped[str] = mapped_column(String(64))  # hex
    salt: Mapped[str] = mapped_column(String(32))  # hex, 16 random bytes, new with every PIN
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    set_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    set_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)


class OutletPayment(IdMixin, Base):
    """A household paid an outlet with its food credit; refunded at most once, whole."""

    __tablename__ = "outlet_payment"
    __table_args__ = (
        # The outlet's retry key: the same key never pays twice.
        UniqueConstraint("outlet_id", "client_key"),
        Index("ix_outlet_payment_outlet_paid", "outlet_id", "paid_at"),
        Index("ix_outlet_payment_member_paid", "member_id", "paid_at"),
        Index("ix_outlet_payment_caisse_paid", "caisse_id", "paid_at"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
    )

    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"))
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    amount_cents: Mapped[int] = mapped_column(Cents)
    # The day the outlet took the payment (the ledger entry's `occurred_on`); the refund window
    # counts from it.
    paid_on: Mapped[date] = mapped_column(Date)
    paid_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    client_key: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(String(200), default="")
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entry.id"), unique=True)
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    # A refund is a reversing entry of `entry_id`, booked on `refunded_on`.
    refund_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entry.id"), nullable=True, unique=True
    )
    refunded_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    refunded_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    refunded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    refund_reason: Mapped[str] = mapped_column(String(200), default="")


class OutletPinFailure(IdMixin, Base):
    """A wrong PIN typed at an outlet's till: which outlet, which user, which member code (never
    the PIN). The rows are the record staff read to see where guessing came from, and what the
    outlet's brake counts (see `pauses`).

    `member_id` is None when the code is unknown or its household has no PIN (the refusal is the
    same as for a wrong PIN; see `pins.refuse_without_pin`). `paused_until` is set on the wrong PIN
    that paused the outlet's payments; `cleared_at` when staff lifted the pause, after which the
    row no longer counts.
    """

    __tablename__ = "outlet_pin_failure"
    __table_args__ = (
        Index("ix_outlet_pin_failure_outlet_at", "outlet_id", "at"),
        # The payment's first statement reads the outlet's latest pause through this index.
        Index("ix_outlet_pin_failure_outlet_paused", "outlet_id", "paused_until"),
        Index("ix_outlet_pin_failure_code_at", "caisse_id", "member_code", "at"),
    )

    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"))
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), nullable=True)
    member_code: Mapped[str] = mapped_column(String(20))  # as typed, normalised
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    paused_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    cleared_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    cleared_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
