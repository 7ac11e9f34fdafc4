"""Request and response bodies of redemptions and payout batches.

Amounts are **integer cents** (`amount_cents: 1250` is 12.50 €), as everywhere in the API.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from caisse.amounts import MAX_AMOUNT_CENTS
from caisse.http.params import BodyId
from caisse.outlets.iban import mask_iban
from caisse.redemptions.batch_checks import MAX_REDEMPTIONS
from caisse.redemptions.models import PayoutBatch, RedemptionEvent, RedemptionStatus
from caisse.redemptions.position import OutletPosition
from caisse.redemptions.requests import RedemptionRow
from caisse.redemptions.sepa import PaidTransfer

AmountCents = Annotated[
    int,
    msgspec.Meta(gt=0, le=MAX_AMOUNT_CENTS, description="Integer cents, more than 0: 1250 is 12.50 €."),
]


class RedemptionRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Ask for `amount_cents`, or for everything available with `all_available: true`. An outlet
    user may leave out `outlet_id` (its own); staff name the outlet they ask for."""

    outlet_id: BodyId | None = None
    amount_cents: AmountCents | None = None
    all_available: bool = False
    note: Annotated[str, msgspec.Meta(max_length=300)] = ""


class RejectRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500, description="Read by the outlet.")]


class ChangeView(msgspec.Struct, frozen=True, kw_only=True):
    """One status change: who (`by_user_id`, null for the command line), when, and why."""

    from_status: RedemptionStatus | None
    to_status: RedemptionStatus
    at: datetime
    by_user_id: int | None
    reason: str
    batch_id: int | None

    @classmethod
    def of(cls, e: RedemptionEvent) -> ChangeView:
        return cls(
            from_status=e.from_status, to_status=e.to_status, at=e.at, by_user_id=e.by_user_id,
            reason=e.reason, batch_id=e.batch_id,
        )  # fmt: skip


class RedemptionView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    outlet_id: int
    outlet_name: str
    amount_cents: int
    status: RedemptionStatus
    note: str
    requested_at: datetime
    requested_by_user_id: int | None
    batch_id: int | None
    batch_reference: str | None
    history: list[ChangeView]

    @classmethod
    def of(cls, row: RedemptionRow, history: list[RedemptionEvent]) -> RedemptionView:
        r = row.redemption
        return cls(
            id=r.id, outlet_id=r.outlet_id, outlet_name=row.outlet_name, amount_cents=r.amount_cents,
            status=r.status, note=r.note, requested_at=r.requested_at,
            requested_by_user_id=r.requested_by_user_id, batch_id=r.batch_id,
            batch_reference=row.batch_reference, history=[ChangeView.of(e) for e in history],
        )  # fmt: skip


class AvailableView(msgspec.Struct, frozen=True, kw_only=True):
    """In cents: the outlet's balance, what is already requested or approved, what it may still ask."""

    outlet_id: int
    balance_cents: int
    requested_cents: int
    approved_cents: int
    available_cents: int

    @classmethod
    def of(cls, p: OutletPosition) -> AvailableView:
        return cls(
            outlet_id=p.outlet_id, balance_cents=p.balance_cents, requested_cents=p.requested_cents,
            approved_cents=p.approved_cents, available_cents=p.available_cents,
        )  # fmt: skip


class PayoutBatchRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Pay the approved redemptions named (or, without `redemption_ids`, every approved one) by a
    transfer the bank executes on `execution_date` (today to 60 days ahead)."""

    execution_date: date
    redemption_ids: Annotated[list[BodyId], msgspec.Meta(min_length=1, max_length=MAX_REDEMPTIONS)] | None = (
        None
    )


class TransferView(msgspec.Struct, frozen=True, kw_only=True):
    redemption_id: int
    outlet_id: int
    outlet: str
    iban_masked: str | None
    bic: str
    amount_cents: int
    reference: str

    @classmethod
    def of(cls, t: PaidTransfer) -> TransferView:
        return cls(
            redemption_id=t.redemption_id, outlet_id=t.outlet_id, outlet=t.outlet,
            iban_masked=mask_iban(t.iban), bic=t.bic, amount_cents=t.amount_cents, reference=t.reference,
        )  # fmt: skip


class PayoutBatchView(msgspec.Struct, frozen=True, kw_only=True):
    """A batch; the files themselves are at `.../pain001.xml` and `.../payouts.csv`."""

    id: int
    reference: str
    execution_date: date
    total_cents: int
    transfer_count: int
    message_id: str
    debtor_name: str
    debtor_iban_masked: str | None
    entry_id: int
    created_at: datetime
    created_by_user_id: int | None
    transfers: list[TransferView] | None = None

    @classmethod
    def of(cls, b: PayoutBatch, transfers: list[PaidTransfer] | None = None) -> PayoutBatchView:
        return cls(
            id=b.id, reference=b.reference, execution_date=b.execution_date, total_cents=b.total_cents,
            transfer_count=b.transfer_count, message_id=b.message_id, debtor_name=b.debtor_name,
            debtor_iban_masked=mask_iban(b.debtor_iban), entry_id=b.entry_id, created_at=b.created_at,
            created_by_user_id=b.created_by_user_id,
            transfers=None if transfers is None else [TransferView.of(t) for t in transfers],
        )  # fmt: skip
