"""Money in and out at the HTTP boundary.

Amounts are **integer cents** in both directions (`amount_cents: 1250` is 12.50 €), like every
other amount of the API: no decimal parsing, no float. A POST may carry an `Idempotency-Key`
header; retrying with the same key records nothing new and answers 200 with the first record
(the first answer is 201).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from caisse.amounts import MAX_AMOUNT_CENTS
from caisse.http.params import BodyId
from caisse.members.models import MemberStatus
from caisse.money.arrears import MemberArrears
from caisse.money.costs import CostRow
from caisse.money.models import MAX_AGREED_EVERY_MONTHS, PaymentMethod, SubsidyKind
from caisse.money.payments import PaymentRow
from caisse.money.subsidies import Agreement, SourceTotal, SubsidyRow, agreement_of

AmountCents = Annotated[
    int,
    msgspec.Meta(gt=0, le=MAX_AMOUNT_CENTS, description="Integer cents, more than 0: 1250 is 12.50 €."),
]
Reference = Annotated[str, msgspec.Meta(max_length=120, description="Bank or receipt reference.")]


class PaymentRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A contribution payment: name the household by `member_code` (or `member_id`). Overpaying is
    allowed (the surplus is a contribution paid in advance)."""

    member_code: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    member_id: BodyId | None = None
    amount_cents: AmountCents
    method: PaymentMethod
    received_on: date
    reference: Reference = ""


class PaymentView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    member_id: int
    member_code: str
    amount_cents: int
    method: PaymentMethod
    received_on: date
    reference: str
    entry_id: int
    reversed_by_entry_id: int | None
    created_at: datetime

    @classmethod
    def of(cls, row: PaymentRow) -> PaymentView:
        p = row.payment
        return cls(
            id=p.id,
            member_id=p.member_id,
            member_code=row.member_code,
            amount_cents=p.amount_cents,
            method=p.method,
            received_on=p.received_on,
            reference=p.reference,
            entry_id=p.entry_id,
            reversed_by_entry_id=row.reversed_by_entry_id,
            created_at=p.created_at,
        )


class AgreementBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A funder's grant agreement (convention de financement): `amount_cents` every `every_months`
    months, the last payment in the month `until` (included), or open-ended when `until` is null."""

    amount_cents: AmountCents
    every_months: Annotated[
        int,
        msgspec.Meta(
            ge=1, le=MAX_AGREED_EVERY_MONTHS, description="Months between payments: 3 is quarterly."
        ),
    ]
    until: (
        Annotated[
            str,
            msgspec.Meta(
                min_length=7,
                max_length=7,
                examples=["2027-12"],
                description="The last month a payment is due, YYYY-MM, included.",
            ),
        ]
        | None
    ) = None

    def agreement(self) -> Agreement:
        return Agreement(self.amount_cents, self.every_months, self.until)

    @classmethod
    def of(cls, agreement: Agreement | None) -> AgreementBody | None:
        if agreement is None:
            return None
        return cls(
            amount_cents=agreement.amount_cents, every_months=agreement.every_months, until=agreement.until
        )


class SubsidySourceRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    kind: SubsidyKind
    agreement: AgreementBody | None = None


class SubsidySourceView(msgspec.Struct, frozen=True, kw_only=True):
    """A funder; `received_cents` is everything received from it, net of corrections; `agreement`
    its grant agreement, null when none is recorded."""

    id: int
    name: str
    kind: SubsidyKind
    account_code: str
    received_cents: int
    agreement: AgreementBody | None

    @classmethod
    def of(cls, item: SourceTotal) -> SubsidySourceView:
        s = item.source
        return cls(
            id=s.id,
            name=s.name,
            kind=s.kind,
            account_code=f"subsidy:{s.id}",
            received_cents=item.received_cents,
            agreement=AgreementBody.of(agreement_of(s)),
        )


class SubsidyRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    source_id: BodyId
    amount_cents: AmountCents
    received_on: date
    reference: Reference = ""


class SubsidyView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    source_id: int
    source: str
    kind: SubsidyKind
    amount_cents: int
    received_on: date
    reference: str
    entry_id: int
    reversed_by_entry_id: int | None

    @classmethod
    def of(cls, row: SubsidyRow) -> SubsidyView:
        s = row.subsidy
        return cls(
            id=s.id,
            source_id=s.source_id,
            source=row.source.name,
            kind=row.source.kind,
            amount_cents=s.amount_cents,
            received_on=s.received_on,
            reference=s.reference,
            entry_id=s.entry_id,
            reversed_by_entry_id=row.reversed_by_entry_id,
        )


class CostRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    category: Annotated[str, msgspec.Meta(min_length=1, max_length=80, description="e.g. salaires, loyer")]
    amount_cents: AmountCents
    paid_on: date
    reference: Reference = ""


class CostView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    category: str
    amount_cents: int
    paid_on: date
    reference: str
    entry_id: int
    reversed_by_entry_id: int | None

    @classmethod
    def of(cls, row: CostRow) -> CostView:
        c = row.cost
        return cls(
            id=c.id,
            category=c.category,
            amount_cents=c.amount_cents,
            paid_on=c.paid_on,
            reference=c.reference,
            entry_id=c.entry_id,
            reversed_by_entry_id=row.reversed_by_entry_id,
        )


class OpeningReserveRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    amount_cents: AmountCents
    received_on: date
    memo: Annotated[str, msgspec.Meta(max_length=300)] = ""


class OpeningReserveView(msgspec.Struct, frozen=True, kw_only=True):
    entry_id: int
    amount_cents: int
    received_on: date


class ArrearsView(msgspec.Struct, frozen=True, kw_only=True):
    member_id: int
    member_code: str
    reference_person: str
    status: MemberStatus
    owed_cents: int
    months: list[str]

    @classmethod
    def of(cls, a: MemberArrears) -> ArrearsView:
        return cls(
            member_id=a.member_id,
            member_code=a.member_code,
            reference_person=a.reference_person,
            status=a.status,
            owed_cents=a.owed_cents,
            months=a.months,
        )


class ArrearsReport(msgspec.Struct, frozen=True, kw_only=True):
    """Households owing the caisse, largest debt first; `months` are the unpaid months."""

    total_cents: int
    households: int
    members: list[ArrearsView]
