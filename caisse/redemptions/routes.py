"""HTTP routes of redemptions and payout batches, under /api/v1/caisses/{slug}/...

An outlet user asks for, sees and cancels its own outlet's redemptions (403 on another's); staff
and admins see every one, ask on an outlet's behalf, approve or reject, and make payout batches.
Committee members, officials and members get 403. Amounts are integer cents. A POST may carry an
`Idempotency-Key` header: a retry with the same key answers 200 with the first record (the first
answer is 201) and writes nothing.
"""

from __future__ import annotations

from typing import Annotated, TypeAlias

from litestar import Controller, Response, get, post
from litestar.params import HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import audit
from caisse.auth.actor import Actor
from caisse.auth.guards import STAFF, requires
from caisse.auth.models import Role
from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.caisses.models import Caisse
from caisse.errors import PermissionDenied, ValidationFailed
from caisse.http.openapi import replayed
from caisse.http.params import Limit, Offset, OptionalQueryId, RowId
from caisse.pagination import Page
from caisse.redemptions import approval, batch_lookup, batches, requests
from caisse.redemptions.access import acting_outlet, check_own, outlet_for
from caisse.redemptions.changes import history_of
from caisse.redemptions.models import PayoutBatch, Redemption, RedemptionStatus
from caisse.redemptions.position import outlet_position
from caisse.redemptions.schemas import (
    AvailableView,
    PayoutBatchRequest,
    PayoutBatchView,
    RedemptionRequest,
    RedemptionView,
    RejectRequest,
)

IdempotencyKey: TypeAlias = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key", max_length=100, description="Retry key: the same key records once."
    ),
]


async def _view(session: AsyncSession, redemption: Redemption) -> RedemptionView:
    row = await requests.redemption_row(session, redemption)
    return RedemptionView.of(row, (await history_of(session, [redemption.id]))[redemption.id])


def _status(created: bool) -> int:
    return HTTP_201_CREATED if created else HTTP_200_OK


class RedemptionController(Controller):
    path = "/caisses/{slug:str}/redemptions"
    tags = ("redemptions",)
    guards = (requires(*STAFF, Role.OUTLET),)

    @post(
        "/",
        summary="Ask to redeem an outlet's credit (reconversion)",
        description="`amount_cents`, or `all_available: true`. 409 when more than available (its balance "
        "minus what is already requested or approved), when nothing is, or when the outlet has no IBAN/BIC.",
        status_code=HTTP_201_CREATED,
        responses=replayed(RedemptionView, "The same request, already made under this Idempotency-Key."),
    )
    async def ask(
        self,
        data: JSONBody[RedemptionRequest],
        caisse: PathCaisse,
        actor: Caller,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[RedemptionView]:
        outlet_id = outlet_for(actor, caisse.slug, data.outlet_id)
        if outlet_id is None:
            raise ValidationFailed(
                "outlet_id: name the outlet this redemption is for.",
                [{"field": "outlet_id", "message": "required when staff ask on an outlet's behalf"}],
            )
        result = await requests.request_redemption(
            db_session, caisse, outlet_id=outlet_id, amount_cents=data.amount_cents,
            all_available=data.all_available, note=data.note, idempotency_key=idempotency_key,
            by_user_id=actor.user_id,
        )  # fmt: skip
        return Response(await _view(db_session, result.record), status_code=_status(result.created))

    @get("/", summary="Redemptions, newest first (an outlet sees its own)")
    async def list_redemptions(
        self,
        caisse: PathCaisse,
        actor: Caller,
        db_session: DbSession,
        status: Annotated[RedemptionStatus | None, QueryParameter()] = None,
        outlet_id: OptionalQueryId = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[RedemptionView]:
        rows, total = await requests.list_redemptions(
            db_session, caisse.id, status=status, outlet_id=outlet_for(actor, caisse.slug, outlet_id),
            limit=limit, offset=offset,
        )  # fmt: skip
        history = await history_of(db_session, [r.redemption.id for r in rows])
        items = [RedemptionView.of(r, history[r.redemption.id]) for r in rows]
        return Page(items=items, total=total, limit=limit, offset=offset)

    @get("/available", summary="What an outlet may still redeem, in cents")
    async def available(
        self, caisse: PathCaisse, actor: Caller, db_session: DbSession, outlet_id: OptionalQueryId = None
    ) -> AvailableView:
        """An outlet user gets its own; staff name the outlet (`?outlet_id=`)."""
        chosen = outlet_for(actor, caisse.slug, outlet_id)
        if chosen is None:
            raise ValidationFailed("outlet_id: name the outlet (?outlet_id=).")
        return AvailableView.of(await outlet_position(db_session, caisse.id, chosen))

    @get("/{redemption_id:int}", summary="One redemption, with its history")
    async def detail(
        self, redemption_id: RowId, caisse: PathCaisse, actor: Caller, db_session: DbSession
    ) -> RedemptionView:
        redemption = await requests.get_redemption(db_session, caisse.id, redemption_id)
        check_own(actor, caisse.slug, redemption.outlet_id)
        return await _view(db_session, redemption)

    @post(
        "/{redemption_id:int}/approve",
        summary="Approve a request (staff): it is paid in the next payout batch",
        description="409 when it is no longer requested (decided by someone else, or cancelled), or when "
        "the outlet no longer holds enough to cover it.",
        status_code=HTTP_200_OK,
        guards=[requires(*STAFF)],
    )
    async def approve(
        self, redemption_id: RowId, caisse: PathCaisse, actor: Caller, db_session: DbSession
    ) -> RedemptionView:
        done = await approval.approve_redemption(
            db_session, caisse.id, redemption_id, by_user_id=actor.user_id
        )
        return await _view(db_session, done)

    @post(
        "/{redemption_id:int}/reject",
        summary="Reject a request (staff), saying why",
        status_code=HTTP_200_OK,
        guards=[requires(*STAFF)],
    )
    async def reject(
        self,
        redemption_id: RowId,
        data: JSONBody[RejectRequest],
        caisse: PathCaisse,
        actor: Caller,
        db_session: DbSession,
    ) -> RedemptionView:
        done = await approval.reject_redemption(
            db_session, caisse.id, redemption_id, reason=data.reason, by_user_id=actor.user_id
        )
        return await _view(db_session, done)

    @post(
        "/{redemption_id:int}/cancel",
        summary="Withdraw a request not yet decided (the outlet itself)",
        status_code=HTTP_200_OK,
    )
    async def cancel(
        self, redemption_id: RowId, caisse: PathCaisse, actor: Caller, db_session: DbSession
    ) -> RedemptionView:
        if acting_outlet(actor, caisse.slug) is None:
            raise PermissionDenied("Only the outlet withdraws its request; staff reject it, saying why.")
        redemption = await requests.get_redemption(db_session, caisse.id, redemption_id)
        check_own(actor, caisse.slug, redemption.outlet_id)
        done = await requests.cancel_redemption(
            db_session, caisse.id, redemption_id, by_user_id=actor.user_id
        )
        return await _view(db_session, done)


async def _audit_download(
    session: AsyncSession, actor: Actor, caisse: Caisse, batch: PayoutBatch, what: str
) -> None:
    """The files carry the outlets' IBANs: who downloaded them is logged."""
    await audit.record(
        session, actor=actor, caisse_id=caisse.id, action="payout_batch.download", subject_type="outlet",
        subject_ids=await batch_lookup.outlet_ids_of(session, batch), fields=["iban", "bic"],
        note=f"{batch.reference} {what}",
    )  # fmt: skip


def _file(content: str, media_type: str, filename: str) -> Response[bytes]:
    return Response(
        content.encode("utf-8"),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


class PayoutBatchController(Controller):
    path = "/caisses/{slug:str}/payout-batches"
    tags = ("redemptions",)
    guards = (requires(*STAFF),)

    @post(
        "/",
        summary="Pay approved redemptions by one SEPA transfer file",
        description="Every approved redemption, or those named. 422 lists the missing bank details (the "
        "caisse's account, set by PATCH /caisses/{slug}; each outlet's IBAN and BIC); 409 when nothing is "
        "approved, a named redemption is not, or the fund holds less than the total. Posts one redemption "
        "entry (Dr outlets, Cr fund) dated on the execution day.",
        status_code=HTTP_201_CREATED,
        responses=replayed(PayoutBatchView, "The same batch, already made under this Idempotency-Key."),
    )
    async def create(
        self,
        data: JSONBody[PayoutBatchRequest],
        caisse: PathCaisse,
        actor: Caller,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[PayoutBatchView]:
        result = await batches.create_payout_batch(
            db_session, caisse, execution_date=data.execution_date, redemption_ids=data.redemption_ids,
            idempotency_key=idempotency_key, by_user_id=actor.user_id,
        )  # fmt: skip
        batch = result.record
        view = PayoutBatchView.of(batch, batch_lookup.transfers_of(batch))
        return Response(view, status_code=_status(result.created))

    @get("/", summary="Payout batches, newest first")
    async def list_batches(
        self, caisse: PathCaisse, db_session: DbSession, limit: Limit = 50, offset: Offset = 0
    ) -> Page[PayoutBatchView]:
        rows, total = await batch_lookup.list_batches(db_session, caisse.id, limit=limit, offset=offset)
        return Page(items=[PayoutBatchView.of(b) for b in rows], total=total, limit=limit, offset=offset)

    @get("/{batch_id:int}", summary="One payout batch and its transfers (IBANs masked)")
    async def detail(self, batch_id: RowId, caisse: PathCaisse, db_session: DbSession) -> PayoutBatchView:
        batch = await batch_lookup.get_batch(db_session, caisse.id, batch_id)
        return PayoutBatchView.of(batch, batch_lookup.transfers_of(batch))

    @get(
        "/{batch_id:int}/pain001.xml",
        media_type="application/xml",
        summary="The SEPA credit-transfer file to upload to the bank",
    )
    async def pain001(
        self, batch_id: RowId, caisse: PathCaisse, actor: Caller, db_session: DbSession
    ) -> Response[bytes]:
        batch = await batch_lookup.get_batch(db_session, caisse.id, batch_id)
        await _audit_download(db_session, actor, caisse, batch, "pain001.xml")
        return _file(batch.pain001_xml, "application/xml", f"{batch.reference}.pain001.xml")

    @get("/{batch_id:int}/payouts.csv", media_type="text/csv", summary="The same transfers as a CSV")
    async def payouts_csv(
        self, batch_id: RowId, caisse: PathCaisse, actor: Caller, db_session: DbSession
    ) -> Response[bytes]:
        batch = await batch_lookup.get_batch(db_session, caisse.id, batch_id)
        await _audit_download(db_session, actor, caisse, batch, "payouts.csv")
        # Litestar adds "; charset=utf-8" to a text/ media type itself.
        return _file(batch.payouts_csv, "text/csv", f"{batch.reference}.payouts.csv")


CONTROLLERS = [RedemptionController, PayoutBatchController]
