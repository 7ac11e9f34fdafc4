"""Redemptions (an outlet's request to turn credit into euros), their history, and payout batches.

A redemption moves requested → approved | rejected, requested → cancelled, approved → paid (in a
batch). The current status is on the row; every change, with who and when, is a RedemptionEvent.
A payout batch, once written, is never changed: it holds the exact SEPA file and CSV handed to the
bank, and the journal entry that booked them.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from caisse.db.base import Base, Cents, IdMixin, UtcDateTime, str_enum, utcnow


class RedemptionStatus(enum.StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    PAID = "paid"


# Statuses whose amount is promised to the outlet and not yet paid: they lower what it may request.
PENDING = (RedemptionStatus.REQUESTED, RedemptionStatus.APPROVED)


class PayoutBatch(IdMixin, Base):
    """One SEPA credit-transfer file paying approved redemptions, and the entry that booked it."""

    __tablename__ = "payout_batch"
    __table_args__ = (
        UniqueConstraint("caisse_id", "reference"),
        # A retried creation with the same key finds this batch instead of paying twice.
        UniqueConstraint("caisse_id", "idempotency_key"),
        CheckConstraint("total_cents > 0", name="payout_total_positive"),
        CheckConstraint("transfer_count > 0", name="payout_count_positive"),
    )

    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"), index=True)
    # e.g. VIR-2027-03-0001: the execution month and a number within it, per caisse.
    reference: Mapped[str] = mapped_column(String(35))
    execution_date: Mapped[date] = mapped_column(Date)
    total_cents: Mapped[int] = mapped_column(Cents)
    transfer_count: Mapped[int] = mapped_column(Integer)
    # GrpHdr/MsgId of the pain.001 file: what the bank reports back on.
    message_id: Mapped[str] = mapped_column(String(35))
    # The debtor account at the time of the batch (the caisse's settings may change later).
    debtor_name: Mapped[str] = mapped_column(String(70))
    debtor_iban: Mapped[str] = mapped_column(String(34))
    debtor_bic: Mapped[str] = mapped_column(String(11))
    pain001_xml: Mapped[str] = mapped_column(Text)
    payouts_csv: Mapped[str] = mapped_column(Text)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entry.id"), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)


class Redemption(IdMixin, Base):
    __tablename__ = "redemption"
    __table_args__ = (
        Index("ix_redemption_caisse_status", "caisse_id", "status"),
        Index("ix_redemption_outlet_status", "outlet_id", "status"),
        UniqueConstraint("caisse_id", "idempotency_key"),
        CheckConstraint("amount_cents > 0", name="redemption_amount_positive"),
        # Paid exactly when it belongs to a batch.
        CheckConstraint("(status = 'paid') = (batch_id IS NOT NULL)", name="redemption_paid_in_batch"),
    )

    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"))
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"))
    amount_cents: Mapped[int] = mapped_column(Cents)
    status: Mapped[RedemptionStatus] = mapped_column(str_enum(RedemptionStatus, 16))
    # A word from the outlet (e.g. "ventes de mars"); shown to staff, not sent to the bank.
    note: Mapped[str] = mapped_column(String(300), default="")
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    requested_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("payout_batch.id"), nullable=True, index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(100), nullable=True)


class RedemptionEvent(IdMixin, Base):
    """One status change of a redemption: from, to, who, when, and why (a rejection's reason)."""

    __tablename__ = "redemption_event"
    __table_args__ = (Index("ix_redemption_event_redemption", "redemption_id", "id"),)

    redemption_id: Mapped[int] = mapped_column(ForeignKey("redemption.id"))
    from_status: Mapped[RedemptionStatus | None] = mapped_column(
        str_enum(RedemptionStatus, 16, name="redemption_from_status"), nullable=True
    )
    to_status: Mapped[RedemptionStatus] = mapped_column(
        str_enum(RedemptionStatus, 16, name="redemption_to_status")
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # None: done from the command line.
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("payout_batch.id"), nullable=True)


@event.listens_for(PayoutBatch, "before_update")
@event.listens_for(PayoutBatch, "before_delete")
@event.listens_for(RedemptionEvent, "before_update")
@event.listens_for(RedemptionEvent, "before_delete")
def _refuse_rewrite(_mapper: Any, _connection: Any, target: Any) -> None:
    # The bank received exactly the stored file; the history is what happened. Neither is edited.
    raise RuntimeError(f"{type(target).__name__} rows are never changed once written")
