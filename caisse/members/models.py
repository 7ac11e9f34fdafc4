"""Members are households: a reference person, a composition, a declared income."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from caisse.db.base import Base, Cents, CreatedAtMixin, IdMixin, UtcDateTime, str_enum, utcnow
from caisse.members.text import member_search_text


class MemberStatus(enum.StrEnum):
    APPLICANT = "applicant"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    LEFT = "left"


class Member(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "member"
    __table_args__ = (
        UniqueConstraint("caisse_id", "code"),
        # Duplicate e-mail checks (service and CSV import) look members up by e-mail.
        Index("ix_member_caisse_email", "caisse_id", "email"),
    )

    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    reference_person: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    address: Mapped[str | None] = mapped_column(Text, nullable=True)
    adults: Mapped[int] = mapped_column(Integer, default=1)
    others_14_plus: Mapped[int] = mapped_column(Integer, default=0)
    children_under_14: Mapped[int] = mapped_column(Integer, default=0)
    monthly_income_cents: Mapped[int] = mapped_column(Cents)
    income_declared_on: Mapped[date] = mapped_column(Date)
    # Self-determined schemes: the amount the household chose; None = the grid's suggestion.
    chosen_contribution_cents: Mapped[int | None] = mapped_column(Cents, nullable=True)
    status: Mapped[MemberStatus] = mapped_column(str_enum(MemberStatus, 16), index=True)
    applied_on: Mapped[date] = mapped_column(Date)
    activated_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    suspended_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    left_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    # Code, name and e-mail folded (lowercase, no accents): the search matches the same way on
    # SQLite and PostgreSQL. Kept in step by the ORM events below and by caisse.members.service.
    search_text: Mapped[str] = mapped_column(Text, default="")

    @property
    def persons(self) -> int:
        return self.adults + self.others_14_plus + self.children_under_14


@event.listens_for(Member, "before_insert")
@event.listens_for(Member, "before_update")
def _refresh_search_text(_mapper: Any, _connection: Any, member: Member) -> None:
    member.search_text = member_search_text(member.code, member.reference_person, member.email)


class MemberStatusChange(IdMixin, Base):
    """Every status change, dated: the history calibration and statements rely on."""

    __tablename__ = "member_status_change"
    # The monthly close reads each household's status on the month's last day.
    __table_args__ = (Index("ix_member_status_change_member_effective", "member_id", "effective_on"),)

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    from_status: Mapped[MemberStatus | None] = mapped_column(
        str_enum(MemberStatus, 16, name="from_status"), nullable=True
    )
    to_status: Mapped[MemberStatus] = mapped_column(str_enum(MemberStatus, 16, name="to_status"))
    effective_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
