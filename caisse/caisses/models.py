"""A caisse and the dated rule sets its committee voted."""

from __future__ import annotations

import enum

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from caisse.db.base import Base, CreatedAtMixin, IdMixin, month_column, str_enum


class DecisionRule(enum.StrEnum):
    """How a committee ballot is decided (the caisse's default; each ballot records its own)."""

    SIMPLE_MAJORITY = "simple_majority"  # more votes for than against (abstentions not counted)
    QUALIFIED_MAJORITY = "qualified_majority"  # for >= numerator/denominator of for + against
    CONSENT = "consent"  # passes unless someone objects (votes against)


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

    # Committee ballots: the defaults a new ballot takes (each ballot stores its own copy).
    ballot_quorum_percent: Mapped[int] = mapped_column(Integer, default=50, server_default="50")
    ballot_decision_rule: Mapped[DecisionRule] = mapped_column(
        str_enum(DecisionRule, 24), default=DecisionRule.SIMPLE_MAJORITY, server_default="simple_majority"
    )
    ballot_qualified_numerator: Mapped[int] = mapped_column(Integer, default=2, server_default="2")
    ballot_qualified_denominator: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    ballot_open_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")

    # Payments at outlets: days during which an outlet may refund a payment it took.
    refund_window_days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")

    # The caisse's own bank account: the debtor of the SEPA transfers that pay outlets back.
    bank_account_name: Mapped[str | None] = mapped_column(String(70), nullable=True)
    bank_iban: Mapped[str | None] = mapped_column(String(34), nullable=True)
    bank_bic: Mapped[str | None] = mapped_column(String(11), nullable=True)


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
