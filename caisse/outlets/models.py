"""Outlets (lieux conventionnés), their conventions, status history, criteria grid and assessments."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from caisse.db.base import Base, CreatedAtMixin, IdMixin, UtcDateTime, str_enum, utcnow


class OutletKind(enum.StrEnum):
    PRODUCER = "producer"
    MARKET = "market"
    SHOP = "shop"
    EPICERIE_SOLIDAIRE = "epicerie_solidaire"
    COOPERATIVE = "cooperative"
    RESTAURANT = "restaurant"
    AMAP = "amap"
    OTHER = "other"


class OutletStatus(enum.StrEnum):
    APPLICANT = "applicant"
    UNDER_REVIEW = "under_review"
    CONVENTIONED = "conventioned"
    SUSPENDED = "suspended"
    ENDED = "ended"
    REJECTED = "rejected"


class ConventionStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"


class CriterionKind(enum.StrEnum):
    YES_NO = "yes_no"
    SCALE = "scale"
    NUMERIC_THRESHOLD = "numeric_threshold"


class Direction(enum.StrEnum):
    AT_MOST = "at_most"
    AT_LEAST = "at_least"


PRODUCT_CATEGORIES = (
    "fruits_legumes",
    "produits_laitiers",
    "viande",
    "poisson",
    "oeufs",
    "pain",
    "cereales_legumineuses",
    "epicerie",
    "huiles_condiments",
    "conserves",
    "boissons_sans_alcool",
    "autre",
)


class Outlet(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "outlet"
    __table_args__ = (
        UniqueConstraint("caisse_id", "name"),
        CheckConstraint("distance_km >= 0", name="distance_not_negative"),
    )

    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OutletKind] = mapped_column(str_enum(OutletKind, 24))
    address: Mapped[str] = mapped_column(Text, default="")
    commune: Mapped[str] = mapped_column(String(120), default="")
    # Distance from the caisse's territory, in km (Flers: local = within 70 km).
    distance_km: Mapped[Decimal | None] = mapped_column(Numeric(8, 1), nullable=True)
    contact_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    contact_phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    siret: Mapped[str | None] = mapped_column(String(14), nullable=True)
    # JSON list of category codes (PRODUCT_CATEGORIES), sorted.
    product_categories: Mapped[str] = mapped_column(Text, default="[]")
    iban: Mapped[str | None] = mapped_column(String(34), nullable=True)
    bic: Mapped[str | None] = mapped_column(String(11), nullable=True)
    status: Mapped[OutletStatus] = mapped_column(str_enum(OutletStatus, 16), index=True)
    proposed_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), nullable=True)
    # True when the outlet applied itself (rather than being proposed or entered by staff).
    self_applied: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class OutletStatusChange(IdMixin, Base):
    """Every status change of an outlet, with the decision that caused it."""

    __tablename__ = "outlet_status_change"
    __table_args__ = (Index("ix_outlet_status_change_outlet_effective", "outlet_id", "effective_on"),)

    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"))
    from_status: Mapped[OutletStatus | None] = mapped_column(
        str_enum(OutletStatus, 16, name="outlet_from_status"), nullable=True
    )
    to_status: Mapped[OutletStatus] = mapped_column(str_enum(OutletStatus, 16, name="outlet_to_status"))
    effective_on: Mapped[date] = mapped_column(Date)
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(1000), default="")
    # Free text now; the ballots part records the ballot id here.
    decision_ref: Mapped[str] = mapped_column(String(200), default="")
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Convention(IdMixin, CreatedAtMixin, Base):
    """The outlet may take payments from `starts_on` to `ends_on` (inclusive) while active."""

    __tablename__ = "convention"
    __table_args__ = (
        Index("ix_convention_outlet_dates", "outlet_id", "starts_on", "ends_on"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )

    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"))
    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[ConventionStatus] = mapped_column(str_enum(ConventionStatus, 16))
    # The day a suspension or early end took effect: no payment from that day on.
    stopped_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_by_change_id: Mapped[int | None] = mapped_column(
        ForeignKey("outlet_status_change.id"), nullable=True
    )


class Criterion(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "criterion"
    __table_args__ = (
        UniqueConstraint("caisse_id", "code"),
        CheckConstraint("weight >= 0", name="weight_not_negative"),
    )

    caisse_id: Mapped[int] = mapped_column(ForeignKey("caisse.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[CriterionKind] = mapped_column(str_enum(CriterionKind, 24))
    unit: Mapped[str | None] = mapped_column(String(20), nullable=True)
    threshold: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    direction: Mapped[Direction | None] = mapped_column(str_enum(Direction, 16), nullable=True)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    weight: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Assessment(IdMixin, Base):
    """One committee member's reading of one criterion for one outlet. Later rows supersede."""

    __tablename__ = "assessment"
    __table_args__ = (Index("ix_assessment_outlet_criterion", "outlet_id", "criterion_id"),)

    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"))
    value_bool: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    value_int: Mapped[int | None] = mapped_column(Integer, nullable=True)
    value_number: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    evidence: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    assessed_by_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
