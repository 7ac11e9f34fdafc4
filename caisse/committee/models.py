"""Committee membership with terms, and declared links to outlets (conflicts of interest)."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from caisse.db.base import Base, CreatedAtMixin, IdMixin, str_enum


class SeatSource(enum.StrEnum):
    """How a committee member got their seat."""

    LOTTERY = "lottery"  # drawn from volunteers (see caisse.committee.lottery)
    ELECTED = "elected"  # elected by the caisse's general assembly
    APPOINTED = "appointed"  # appointed under the caisse's statutes (e.g. a founding association)
    VOLUNTEER = "volunteer"  # an open seat taken by a volunteer


class CommitteeMembership(IdMixin, CreatedAtMixin, Base):
    """A seat on the committee for a term. A user may hold several terms, never overlapping.

    The member may vote on ballots that open between `starts_on` and the end of the term
    (`ends_on`, or the day before `left_on` when they left early)."""

    __tablename__ = "committee_membership"
    __table_args__ = (
        Index("ix_committee_membership_caisse_user", "caisse_id", "user_id"),
        CheckConstraint("ends_on >= starts_on", name="term_ends_after_start"),
        CheckConstraint("left_on IS NULL OR left_on >= starts_on", name="left_after_start"),
    )

    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # The day the member stopped sitting before the term's end (resigned, removed); no vote from then.
    left_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    source: Mapped[SeatSource] = mapped_column(str_enum(SeatSource, 16))
    # e.g. the lottery draw's public reference, or the general assembly's minutes.
    source_ref: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    # Why the member left early (resigned, moved away, removed under the statutes).
    left_reason: Mapped[str] = mapped_column(String(500), default="")
    ended_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)


class LinkNature(enum.StrEnum):
    OWNER = "owner"  # owns or runs the outlet
    EMPLOYEE = "employee"  # works there
    FAMILY = "family"  # a relative owns, runs or works there
    SUPPLIER = "supplier"  # sells to or buys from it professionally
    MEMBER = "member"  # member of its association or cooperative
    OTHER = "other"


class DeclaredLink(IdMixin, CreatedAtMixin, Base):
    """A committee member's declared link to an outlet: they are recused from its ballots while
    the link stands (from `declared_on`, until `withdrawn_on` if the link ended)."""

    __tablename__ = "declared_link"
    __table_args__ = (
        Index("ix_declared_link_outlet_user", "outlet_id", "user_id"),
        CheckConstraint(
            "withdrawn_on IS NULL OR withdrawn_on >= declared_on", name="withdrawn_after_declared"
        ),
    )

    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"))
    nature: Mapped[LinkNature] = mapped_column(str_enum(LinkNature, 16))
    description: Mapped[str] = mapped_column(String(500), default="")
    declared_on: Mapped[date] = mapped_column(Date)
    withdrawn_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Who entered the link: the member themself, or staff recording it for them.
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)


# Importing the committee's models registers the lottery's tables too.
from caisse.committee.lottery_models import DrawStatus, LotteryDraw, LotteryVolunteer  # noqa: E402

__all__ = [
    "CommitteeMembership",
    "DeclaredLink",
    "DrawStatus",
    "LinkNature",
    "LotteryDraw",
    "LotteryVolunteer",
    "SeatSource",
]
