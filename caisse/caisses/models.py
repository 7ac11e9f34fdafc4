"""A caisse and the dated rule sets its committee voted."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from caisse.db.base import Base, CreatedAtMixin, IdMixin, month_column


class Caisse(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "caisse"

    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    territory: Mapped[str] = mapped_column(String(200), default="")
    # The first month the caisse bills; months close in order from here.
    first_month: Mapped[str] = month_column()
    # Months a credited allocation stays spendable; None = unspent credit carries over forever.
    credit_lifetime_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Montpellier-style: credit the allocation only once the month's contribution is paid.
    credit_requires_payment: Mapped[bool] = mapped_column(Boolean, default=False)
    # Prefix of member codes, e.g. "LY" gives LY-000042.
    member_code_prefix: Mapped[str] = mapped_column(String(8), default="M")
    # Months a convention with an outlet lasts before it is re-reviewed (conventioning).
    convention_term_months: Mapped[int] = mapped_column(Integer, default=12, server_default="12")


class RuleSet(IdMixin, CreatedAtMixin, Base):
    """The contribution scheme and allocation rule in force from `effective_from` on."""

    __tablename__ = "rule_set"
    __table_args__ = (UniqueConstraint("caisse_id", "effective_from"),)

    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"), index=True)
    effective_from: Mapped[str] = month_column()
    preset: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # msgspec JSON of caisse.rules.RuleSet: the exact parameters billed with.
    definition: Mapped[str] = mapped_column(Text)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
