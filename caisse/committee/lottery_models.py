"""Lottery draws (tirages au sort) and their volunteers.

What is public: the draw (reference, purpose, dimensions, quotas, the seed's commitment, dates,
result; the seed itself once drawn or cancelled) and each volunteer's pseudonym and stratum. What
is private: who a pseudonym is (member_id, user_id), and the seed until the draw.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from caisse.db.base import Base, CreatedAtMixin, IdMixin, UtcDateTime, str_enum, utcnow


class DrawStatus(enum.StrEnum):
    ANNOUNCED = "announced"  # seed's commitment published; volunteers register until closes_at
    DRAWN = "drawn"  # result computed and published
    CANCELLED = "cancelled"


class LotteryDraw(IdMixin, CreatedAtMixin, Base):
    """A stratified draw whose seed is fixed (and committed to) before anyone can know the pool."""

    __tablename__ = "lottery_draw"
    __table_args__ = (UniqueConstraint("caisse_id", "reference"),)

    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"), index=True)
    # Public reference, e.g. TIRAGE-2027-01 (the year's first draw).
    reference: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    seats: Mapped[int] = mapped_column(Integer)
    # JSON {dimension: [allowed values]}, and JSON [{"stratum": {...}, "seats": n}] summing to seats.
    dimensions: Mapped[str] = mapped_column(Text)
    quotas: Mapped[str] = mapped_column(Text)
    # Lowercase hex, secret until the draw is run or cancelled; its sha256 is public from the
    # announcement on (caisse.committee.lottery.seed_commitment).
    seed: Mapped[str] = mapped_column(String(64))
    announced_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[DrawStatus] = mapped_column(str_enum(DrawStatus, 16), default=DrawStatus.ANNOUNCED)
    drawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # JSON of caisse.committee.lottery.DrawResult.to_dict(), once drawn.
    result: Mapped[str | None] = mapped_column(Text, nullable=True)
    cancelled_reason: Mapped[str] = mapped_column(String(500), default="")
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)


class LotteryVolunteer(IdMixin, Base):
    """A volunteer of one draw: public pseudonym and stratum, private identity.

    A household (member_id) or a user account (user_id), or both when a member's own account
    registered them; one registration per household and per account in a draw."""

    __tablename__ = "lottery_volunteer"
    __table_args__ = (
        UniqueConstraint("draw_id", "number"),
        UniqueConstraint("draw_id", "member_id"),
        UniqueConstraint("draw_id", "user_id"),
    )

    draw_id: Mapped[int] = mapped_column(ForeignKey("lottery_draw.id"), index=True)
    # Registration order in the draw, from 1; the pseudonym is V-0001, V-0002, …
    number: Mapped[int] = mapped_column(Integer)
    pseudonym: Mapped[str] = mapped_column(String(16))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    # JSON {dimension: value}.
    stratum: Mapped[str] = mapped_column(Text)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    registered_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    # The committee seat created for this volunteer by "seat the selected", if any.
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("committee_membership.id"), nullable=True)
