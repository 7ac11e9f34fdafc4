"""Request and response bodies of the outlet routes.

Fields checked by the domain (kind, distance, IBAN, SIRET, BIC, categories) arrive as plain text or
numbers and are validated by the service, so a bad one is a 422 naming the field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from litestar.openapi.spec import OpenAPIType
from litestar.params import KwargDefinition
from msgspec import UNSET, UnsetType

from caisse.caisses.limits import MAX_CONVENTION_TERM_MONTHS
from caisse.outlets.fields import categories_of
from caisse.outlets.grid import Grid, GridLine
from caisse.outlets.iban import mask_iban
from caisse.outlets.models import Convention, Criterion, Outlet, OutletStatusChange

Text200 = Annotated[str, msgspec.Meta(max_length=200)]
Text1000 = Annotated[str, msgspec.Meta(max_length=1000)]
Short = Annotated[str, msgspec.Meta(max_length=254)]
Categories = Annotated[list[Annotated[str, msgspec.Meta(max_length=40)]], msgspec.Meta(max_length=40)]


class OutletRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Text200
    kind: Annotated[
        str, msgspec.Meta(max_length=40, description="producer, market, shop, epicerie_solidaire, …")
    ]
    address: Text1000 = ""
    commune: Text200 = ""
    distance_km: float | None = None
    contact_email: Short | None = None
    contact_phone: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    siret: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    product_categories: Categories = []
    iban: Annotated[str, msgspec.Meta(max_length=60)] | None = None
    bic: Annotated[str, msgspec.Meta(max_length=20)] | None = None

    def values(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__struct_fields__}


class OutletPatch(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Send only the fields to change; null clears an optional field."""

    name: Text200 | UnsetType = UNSET
    kind: Annotated[str, msgspec.Meta(max_length=40)] | UnsetType = UNSET
    address: Text1000 | UnsetType = UNSET
    commune: Text200 | UnsetType = UNSET
    distance_km: float | UnsetType | None = UNSET
    contact_email: Short | UnsetType | None = UNSET
    contact_phone: Annotated[str, msgspec.Meta(max_length=40)] | UnsetType | None = UNSET
    siret: Annotated[str, msgspec.Meta(max_length=40)] | UnsetType | None = UNSET
    product_categories: Categories | UnsetType = UNSET
    iban: Annotated[str, msgspec.Meta(max_length=60)] | UnsetType | None = UNSET
    bic: Annotated[str, msgspec.Meta(max_length=20)] | UnsetType | None = UNSET

    def values(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__struct_fields__ if getattr(self, f) is not UNSET}


class OutletSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    kind: str
    commune: str
    distance_km: float | None
    status: str
    product_categories: list[str]
    iban_masked: str | None

    @classmethod
    def of(cls, o: Outlet) -> OutletSummary:
        return cls(
            id=o.id, name=o.name, kind=o.kind.value, commune=o.commune,
            distance_km=None if o.distance_km is None else float(o.distance_km), status=o.status.value,
            product_categories=categories_of(o), iban_masked=mask_iban(o.iban),
        )  # fmt: skip


class ConventionView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    starts_on: date
    ends_on: date
    status: str
    stopped_on: date | None

    @classmethod
    def of(cls, c: Convention) -> ConventionView:
        return cls(
            id=c.id, starts_on=c.starts_on, ends_on=c.ends_on, status=c.status.value, stopped_on=c.stopped_on
        )


class OutletDetail(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    kind: str
    address: str
    commune: str
    distance_km: float | None
    status: str
    product_categories: list[str]
    contact_email: str | None
    contact_phone: str | None
    siret: str | None
    iban: str | None  # full only for the outlet itself
    iban_masked: str | None
    bic: str | None
    proposed_by_member_id: int | None
    self_applied: bool
    created_at: datetime
    conventions: list[ConventionView]

    @classmethod
    def of(cls, o: Outlet, conventions: list[Convention], *, full_iban: bool) -> OutletDetail:
        return cls(
            id=o.id, name=o.name, kind=o.kind.value, address=o.address, commune=o.commune,
            distance_km=None if o.distance_km is None else float(o.distance_km), status=o.status.value,
            product_categories=categories_of(o), contact_email=o.contact_email, contact_phone=o.contact_phone,
            siret=o.siret, iban=o.iban if full_iban else None, iban_masked=mask_iban(o.iban), bic=o.bic,
            proposed_by_member_id=o.proposed_by_member_id, self_applied=o.self_applied,
            created_at=o.created_at,
            conventions=[ConventionView.of(c) for c in conventions],
        )  # fmt: skip


class DecisionRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    decision: Annotated[
        str, msgspec.Meta(max_length=16, description="convene|renew|suspend|end|reject|review")
    ]
    effective_on: date
    reason: Text1000 = ""
    months: Annotated[int, msgspec.Meta(ge=1, le=MAX_CONVENTION_TERM_MONTHS)] | None = None
    decision_ref: Text200 = ""


class StatusChangeView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    decision: str
    from_status: str | None
    to_status: str
    effective_on: date
    reason: str
    decision_ref: str
    decided_by_user_id: int | None
    at: datetime

    @classmethod
    def of(cls, c: OutletStatusChange) -> StatusChangeView:
        return cls(
            id=c.id, decision=c.decision, from_status=c.from_status.value if c.from_status else None,
            to_status=c.to_status.value, effective_on=c.effective_on, reason=c.reason,
            decision_ref=c.decision_ref, decided_by_user_id=c.decided_by_user_id, at=c.at,
        )  # fmt: skip


class DecisionView(msgspec.Struct, frozen=True, kw_only=True):
    change: StatusChangeView
    convention: ConventionView | None


class RenewalView(msgspec.Struct, frozen=True, kw_only=True):
    outlet_id: int
    outlet_name: str
    convention: ConventionView


class CriterionRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(max_length=64)]
    label: Text200
    kind: Annotated[str, msgspec.Meta(max_length=24, description="yes_no | scale | numeric_threshold")]
    description: Annotated[str, msgspec.Meta(max_length=5000)] = ""
    unit: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    threshold: float | None = None
    direction: Annotated[str, msgspec.Meta(max_length=16, description="at_most | at_least")] | None = None
    required: bool = False
    weight: Annotated[int, msgspec.Meta(ge=0, le=100)] = 1
    active: bool = True

    def values(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__struct_fields__}


class CriterionPatch(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(max_length=64)] | UnsetType = UNSET
    label: Text200 | UnsetType = UNSET
    kind: Annotated[str, msgspec.Meta(max_length=24)] | UnsetType = UNSET
    description: Annotated[str, msgspec.Meta(max_length=5000)] | UnsetType = UNSET
    unit: Annotated[str, msgspec.Meta(max_length=20)] | UnsetType | None = UNSET
    threshold: float | UnsetType | None = UNSET
    direction: Annotated[str, msgspec.Meta(max_length=16)] | UnsetType | None = UNSET
    required: bool | UnsetType = UNSET
    weight: Annotated[int, msgspec.Meta(ge=0, le=100)] | UnsetType = UNSET
    active: bool | UnsetType = UNSET

    def values(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__struct_fields__ if getattr(self, f) is not UNSET}


class CriterionView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    code: str
    label: str
    description: str
    kind: str
    unit: str | None
    threshold: float | None
    direction: str | None
    required: bool
    weight: int
    active: bool

    @classmethod
    def of(cls, c: Criterion) -> CriterionView:
        return cls(
            id=c.id, code=c.code, label=c.label, description=c.description, kind=c.kind.value, unit=c.unit,
            threshold=None if c.threshold is None else float(c.threshold),
            direction=c.direction.value if c.direction else None, required=c.required, weight=c.weight,
            active=c.active,
        )  # fmt: skip


# A reading of a criterion: yes/no, a step of the scale, or a number. Litestar documents the union as
# `oneOf` boolean, integer, number, which no integer satisfies (it is both an integer and a number).
ReadingValue = Annotated[
    bool | int | float,
    KwargDefinition(schema_extra={"one_of": None, "type": [OpenAPIType.BOOLEAN, OpenAPIType.NUMBER]}),
]


class AssessmentRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    criterion_id: Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]
    value: ReadingValue
    evidence: Annotated[str, msgspec.Meta(max_length=5000)] = ""
    evidence_url: Annotated[str, msgspec.Meta(max_length=500)] | None = None


class AssessmentView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    criterion_id: int
    at: datetime


def _plain(value: Any) -> bool | int | float:
    return value if isinstance(value, bool | int) else float(value)


class ReadingView(msgspec.Struct, frozen=True, kw_only=True):
    value: ReadingValue
    passes: bool
    evidence: str
    evidence_url: str | None
    assessed_by_user_id: int


class GridLineView(msgspec.Struct, frozen=True, kw_only=True):
    criterion: CriterionView
    assessed: bool
    met: bool
    share: float
    readings: list[ReadingView]

    @classmethod
    def of(cls, line: GridLine) -> GridLineView:
        return cls(
            criterion=CriterionView.of(line.criterion), assessed=line.result.assessed, met=line.result.met,
            share=float(line.result.share),
            readings=[
                ReadingView(
                    value=_plain(r.value), passes=r.passes, evidence=r.evidence, evidence_url=r.evidence_url,
                    assessed_by_user_id=r.assessed_by_user_id,
                )
                for r in line.readings
            ],
        )  # fmt: skip


class GridView(msgspec.Struct, frozen=True, kw_only=True):
    outlet_id: int
    score: int
    eligible: bool
    required_unmet: list[str]
    lines: list[GridLineView]

    @classmethod
    def of(cls, outlet_id: int, grid: Grid) -> GridView:
        return cls(
            outlet_id=outlet_id, score=grid.score, eligible=grid.eligible, required_unmet=grid.required_unmet,
            lines=[GridLineView.of(line) for line in grid.lines],
        )  # fmt: skip


# --- public (no personal data: no contact, no bank details, no assessor) ----------------------


class PublicCriterionResult(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    label: str
    required: bool
    assessed: bool
    met: bool
    evidence: list[str]


class PublicOutlet(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    kind: str
    commune: str
    distance_km: float | None
    product_categories: list[str]
    convention_starts_on: date
    convention_ends_on: date
    score: int
    eligible: bool
    criteria: list[PublicCriterionResult]

    @classmethod
    def of(cls, o: Outlet, c: Convention, grid: Grid) -> PublicOutlet:
        return cls(
            id=o.id, name=o.name, kind=o.kind.value, commune=o.commune,
            distance_km=None if o.distance_km is None else float(o.distance_km),
            product_categories=categories_of(o), convention_starts_on=c.starts_on,
            convention_ends_on=c.ends_on,
            score=grid.score, eligible=grid.eligible,
            criteria=[
                PublicCriterionResult(
                    code=line.criterion.code, label=line.criterion.label, required=line.criterion.required,
                    assessed=line.result.assessed, met=line.result.met,
                    evidence=[r.evidence for r in line.readings if r.evidence],
                )
                for line in grid.lines
            ],
        )  # fmt: skip
