"""HTTP routes of spending the food credit, under /api/v1/caisses/{slug}/...

* `outlets/{outlet_id}/payments`: the outlet's own user (an `outlet` grant naming it) records,
  lists and refunds its payments; staff may do the same on its behalf. Another outlet's user: 403.
  `.../payments/pause`: whether the outlet's payments are paused after too many wrong PINs (the
  outlet and staff); staff lift the pause with DELETE.
* `members/{code}/pin`: staff set any household's PIN (handed over on paper); a household sets
  its own. Setting a PIN unlocks it.
* `members/{code}/outlet-payments`: a household's payments, for staff and the household itself.
* `outlet-payments`: every payment of the caisse, for staff.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, delete, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from caisse.auth.actor import Actor
from caisse.auth.guards import STAFF, requires
from caisse.auth.models import Role
from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.errors import PermissionDenied
from caisse.http.openapi import error_answer, replayed
from caisse.http.params import Limit, Offset, OptionalQueryId, RowId
from caisse.members.access import visible_member
from caisse.members.service import get_member
from caisse.pagination import Page
from caisse.spending import pauses, payments, pins, queries, refunds
from caisse.spending.schemas import (
    OutletPaymentRequest,
    OutletPaymentView,
    PinRequest,
    PinView,
    RefundRequest,
    TillPauseView,
)


def _for_outlet(actor: Actor, slug: str, outlet_id: int) -> None:
    """Staff act for any outlet; an outlet's user only for its own."""
    if actor.has_role(slug, *STAFF):
        return
    if actor.outlet_id_in(slug) != outlet_id:
        raise PermissionDenied("An outlet account records and reads the payments of its own outlet only.")


class OutletPaymentController(Controller):
    path = "/caisses/{slug:str}/outlets/{outlet_id:int}/payments"
    tags = ("spending",)
    guards = (requires(Role.OUTLET, *STAFF),)

    @post(
        "/",
        summary="Take a payment from a household (member code and PIN)",
        description="201 with the payment; 200 with the same payment when the idempotency_key was already "
        "used for it (nothing debited twice); 409 idempotency_key_reused for another payment. Refusals: 409 "
        "convention_not_active, 403 pin_refused (unknown code or wrong PIN, one message), 423 pin_locked "
        "(5 wrong PINs for one member code lock it for 30 minutes, known or not), 429 till_paused (10 wrong "
        "PINs at the outlet within an hour, across households, pause its payments for an hour or until "
        "staff lift it), 409 member_not_active, 409 insufficient_credit (states the credit available).",
        status_code=HTTP_201_CREATED,
        responses={
            **replayed(OutletPaymentView, "The same payment, already taken under this idempotency_key."),
            423: error_answer("pin_locked: too many wrong PINs for this member code, until the time said."),
        },
    )
    async def pay(
        self,
        slug: FromPath[str],
        outlet_id: RowId,
        data: JSONBody[OutletPaymentRequest],
        actor: Caller,
        db_session: DbSession,
    ) -> Response[OutletPaymentView]:
        # The hot path: the caisse is found by the service's first query, not by the `caisse`
        # dependency (one round trip and an ORM object less per payment).
        _for_outlet(actor, slug, outlet_id)
        result = await payments.record_outlet_payment(
            db_session, slug, outlet_id=outlet_id, member_code=data.member_code, pin=data.pin,
            amount_cents=data.amount_cents, idempotency_key=data.idempotency_key, note=data.note, actor=actor,
        )  # fmt: skip
        status = HTTP_201_CREATED if result.created else HTTP_200_OK
        return Response(OutletPaymentView.of(result.record), status_code=status)

    @get("/", summary="The outlet's payments, newest first (member codes, no names)")
    async def list_payments(
        self,
        outlet_id: RowId,
        caisse: PathCaisse,
        actor: Caller,
        db_session: DbSession,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[OutletPaymentView]:
        _for_outlet(actor, caisse.slug, outlet_id)
        rows, total = await queries.list_payments(
            db_session, caisse.id, actor=actor, outlet_id=outlet_id, limit=limit, offset=offset
        )
        return Page(items=[OutletPaymentView.of(r) for r in rows], total=total, limit=limit, offset=offset)

    @get("/{payment_id:int}", summary="One payment of the outlet")
    async def get_payment(
        self, outlet_id: RowId, payment_id: RowId, caisse: PathCaisse, actor: Caller, db_session: DbSession
    ) -> OutletPaymentView:
        _for_outlet(actor, caisse.slug, outlet_id)
        return OutletPaymentView.of(await queries.get_payment(db_session, caisse.id, outlet_id, payment_id))

    @get("/pause", summary="Whether the outlet's payments are paused after too many wrong PINs")
    async def till_pause(
        self, outlet_id: RowId, caisse: PathCaisse, actor: Caller, db_session: DbSession
    ) -> TillPauseView:
        _for_outlet(actor, caisse.slug, outlet_id)
        return TillPauseView.of(await pauses.till_pause(db_session, caisse, outlet_id))

    @delete(
        "/pause",
        summary="Lift the pause of the outlet's payments (staff)",
        description="The wrong PINs counted so far are kept as a record but no longer count. Audit-logged.",
        guards=[requires(*STAFF)],
        status_code=HTTP_200_OK,
    )
    async def lift_pause(
        self, outlet_id: RowId, caisse: PathCaisse, actor: Caller, db_session: DbSession
    ) -> TillPauseView:
        return TillPauseView.of(await pauses.lift_pause(db_session, caisse, outlet_id, actor=actor))

    @post(
        "/{payment_id:int}/refund",
        summary="Refund a whole payment to the household's credit",
        description="A reversing entry, within the caisse's refund_window_days of the payment day. 409 "
        "already_refunded, refund_window_closed, or outlet_credit_insufficient (the credit was redeemed).",
        status_code=HTTP_200_OK,
    )
    async def refund(
        self,
        outlet_id: RowId,
        payment_id: RowId,
        caisse: PathCaisse,
        actor: Caller,
        db_session: DbSession,
        data: JSONBody[RefundRequest | None] = None,
    ) -> OutletPaymentView:
        _for_outlet(actor, caisse.slug, outlet_id)
        row = await refunds.refund_outlet_payment(
            db_session, caisse, outlet_id=outlet_id, payment_id=payment_id,
            reason="" if data is None else data.reason, actor=actor,
        )  # fmt: skip
        return OutletPaymentView.of(row)


class HouseholdSpendingController(Controller):
    path = "/caisses/{slug:str}"
    tags = ("spending",)

    @put(
        "/members/{code:str}/pin",
        summary="Set a household's PIN (staff; a household: its own)",
        description="4 to 6 digits, not trivial (0000, 1234, 4321: 422). Unlocks a locked PIN.",
        guards=[requires(*STAFF, Role.MEMBER)],
    )
    async def set_pin(
        self,
        code: FromPath[str],
        data: JSONBody[PinRequest],
        caisse: PathCaisse,
        actor: Caller,
        db_session: DbSession,
    ) -> PinView:
        member = await visible_member(db_session, caisse, code, actor)
        return PinView.of(await pins.set_pin(db_session, caisse, member, data.pin, actor=actor))

    @get(
        "/members/{code:str}/pin",
        summary="Whether the household has a PIN, and whether it is locked",
        guards=[requires(*STAFF, Role.MEMBER)],
    )
    async def pin_state(
        self, code: FromPath[str], caisse: PathCaisse, actor: Caller, db_session: DbSession
    ) -> PinView:
        member = await visible_member(db_session, caisse, code, actor)
        return PinView.of(await pins.pin_state(db_session, member))

    @get(
        "/members/{code:str}/outlet-payments",
        summary="A household's payments at outlets, newest first (staff; a household: its own)",
        guards=[requires(*STAFF, Role.MEMBER)],
    )
    async def household_payments(
        self,
        code: FromPath[str],
        caisse: PathCaisse,
        actor: Caller,
        db_session: DbSession,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[OutletPaymentView]:
        member = await visible_member(db_session, caisse, code, actor)
        rows, total = await queries.list_payments(
            db_session, caisse.id, actor=actor, member_id=member.id, limit=limit, offset=offset
        )
        return Page(items=[OutletPaymentView.of(r) for r in rows], total=total, limit=limit, offset=offset)

    @get(
        "/outlet-payments", summary="Every payment at the caisse's outlets (staff)", guards=[requires(*STAFF)]
    )
    async def all_payments(
        self,
        caisse: PathCaisse,
        actor: Caller,
        db_session: DbSession,
        outlet_id: OptionalQueryId = None,
        member_code: Annotated[str | None, QueryParameter(max_length=20)] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[OutletPaymentView]:
        member_id = None if member_code is None else (await get_member(db_session, caisse.id, member_code)).id
        rows, total = await queries.list_payments(
            db_session,
            caisse.id,
            actor=actor,
            outlet_id=outlet_id,
            member_id=member_id,
            limit=limit,
            offset=offset,
        )
        return Page(items=[OutletPaymentView.of(r) for r in rows], total=total, limit=limit, offset=offset)


CONTROLLERS = [OutletPaymentController, HouseholdSpendingController]
