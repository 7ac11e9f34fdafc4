"""HTTP routes of money in and out: payments, arrears, subsidies, costs, the opening reserve.

Staff (and admins) record and read; nothing here is open to officials, as payments and arrears
name households (aggregates are in the monthly report). A retried POST with the same
`Idempotency-Key` header answers 200 with the record first written (201), and writes nothing.
"""

from __future__ import annotations

from typing import Annotated, TypeAlias

from litestar import Controller, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.actor import Actor
from caisse.auth.guards import STAFF, requires
from caisse.caisses.models import Caisse
from caisse.errors import ValidationFailed
from caisse.http.openapi import replayed
from caisse.http.params import Limit, Offset, OptionalQueryId, RowId
from caisse.money import arrears, costs, payments, reserve, subsidies
from caisse.money.booking import find_member
from caisse.money.schemas import (
    AgreementBody,
    ArrearsReport,
    ArrearsView,
    CostRequest,
    CostView,
    OpeningReserveRequest,
    OpeningReserveView,
    PaymentRequest,
    PaymentView,
    SubsidyRequest,
    SubsidySourceRequest,
    SubsidySourceView,
    SubsidyView,
)
from caisse.pagination import Page

DbSession: TypeAlias = NamedDependency[AsyncSession]
ThisCaisse: TypeAlias = NamedDependency[Caisse]
Caller: TypeAlias = NamedDependency[Actor]
IdempotencyKey: TypeAlias = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key", max_length=100, description="Retry key: the same key records once."
    ),
]

RECORDING = (
    "Amounts are integer cents (`amount_cents: 1250` is 12.50 €). Send an `Idempotency-Key` header to "
    "make a retry safe: the first request answers 201 with the record, a retry with the same key answers "
    "200 with the same record and writes nothing, and the same key with different data is a 409."
)


def _status(created: bool) -> int:
    return HTTP_201_CREATED if created else HTTP_200_OK


class PaymentController(Controller):
    path = "/caisses/{slug:str}/payments"
    tags = ("money",)
    guards = (requires(*STAFF),)

    @post(
        "/",
        summary="Record a contribution payment",
        description=RECORDING + " Overpaying is allowed: the surplus is a contribution paid in advance. "
        "404 unknown household; 409 an applicant; 422 a date in the future or before the first month.",
        status_code=HTTP_201_CREATED,
        responses=replayed(PaymentView, "The same payment, already recorded under this Idempotency-Key."),
    )
    async def record(
        self,
        data: JSONBody[PaymentRequest],
        caisse: ThisCaisse,
        actor: Caller,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[PaymentView]:
        """Dr fund / Cr the household's receivable. 404 unknown household; 409 applicant, or the key
        used for a different payment; 422 a date in the future or before the caisse's first month."""
        member: int | str
        if data.member_code is not None and data.member_id is None:
            member = data.member_code
        elif data.member_id is not None and data.member_code is None:
            member = data.member_id
        else:
            raise ValidationFailed("Name the household by member_code or by member_id (exactly one).")
        result = await payments.record_contribution_payment(
            db_session,
            caisse,
            member=member,
            amount_cents=data.amount_cents,
            method=data.method,
            received_on=data.received_on,
            reference=data.reference,
            idempotency_key=idempotency_key,
            actor=actor,
        )
        household = await find_member(db_session, caisse.id, result.record.member_id)
        row = payments.PaymentRow(result.record, household.code, None)
        return Response(PaymentView.of(row), status_code=_status(result.created))

    @get("/", summary="Contribution payments, newest first")
    async def list_payments(
        self,
        caisse: ThisCaisse,
        actor: Caller,
        db_session: DbSession,
        member_code: Annotated[str | None, QueryParameter(max_length=20)] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[PaymentView]:
        """The households on the page are written to the audit log (what they paid is personal)."""
        rows, total = await payments.list_payments(
            db_session, caisse.id, actor=actor, member=member_code, limit=limit, offset=offset
        )
        return Page(items=[PaymentView.of(r) for r in rows], total=total, limit=limit, offset=offset)


class ArrearsController(Controller):
    path = "/caisses/{slug:str}/arrears"
    tags = ("money",)
    guards = (requires(*STAFF),)

    @get("/", summary="Households owing contributions, with the unpaid months")
    async def list_arrears(self, caisse: ThisCaisse, actor: Caller, db_session: DbSession) -> ArrearsReport:
        """Who owes the caisse is personal: the read is audit-logged by the service."""
        found = await arrears.list_arrears(db_session, caisse.id, actor=actor)
        return ArrearsReport(
            total_cents=sum(a.owed_cents for a in found),
            households=len(found),
            members=[ArrearsView.of(a) for a in found],
        )


async def _source_view(db_session: AsyncSession, caisse: Caisse, source_id: int) -> SubsidySourceView:
    (found,) = await subsidies.list_subsidy_sources(db_session, caisse.id, source_id=source_id)
    return SubsidySourceView.of(found)


class SubsidyController(Controller):
    path = "/caisses/{slug:str}"
    tags = ("money",)
    guards = (requires(*STAFF),)

    @post("/subsidy-sources", summary="Add a subsidy source (funder)", status_code=HTTP_201_CREATED)
    async def create_source(
        self, data: JSONBody[SubsidySourceRequest], caisse: ThisCaisse, actor: Caller, db_session: DbSession
    ) -> SubsidySourceView:
        """With its grant agreement when known (`agreement`). 409 when the caisse already has a
        source of that name; 422 an agreement ending before the caisse's first month."""
        source = await subsidies.create_subsidy_source(
            db_session, caisse, name=data.name, kind=data.kind,
            agreement=None if data.agreement is None else data.agreement.agreement(), actor=actor,
        )  # fmt: skip
        return SubsidySourceView.of(subsidies.SourceTotal(source, 0))

    @put(
        "/subsidy-sources/{source_id:int}/agreement",
        summary="Record or replace a funder's grant agreement",
        description="The convention de financement as the treasurer knows it: `amount_cents` every "
        "`every_months` months, until the month `until` (included; null: open-ended). It books nothing; "
        "the forecast reads it. 404 unknown source; 422 a month that is not YYYY-MM or before the "
        "caisse's first month.",
    )
    async def set_agreement(
        self,
        source_id: RowId,
        data: JSONBody[AgreementBody],
        caisse: ThisCaisse,
        actor: Caller,
        db_session: DbSession,
    ) -> SubsidySourceView:
        source = await subsidies.set_agreement(
            db_session, caisse, source_id, amount_cents=data.amount_cents, every_months=data.every_months,
            until=data.until, actor=actor,
        )  # fmt: skip
        return await _source_view(db_session, caisse, source.id)

    @delete(
        "/subsidy-sources/{source_id:int}/agreement",
        summary="Forget a funder's grant agreement",
        description="The source and the subsidies it gave stay. Clearing a source without an agreement "
        "answers the same. 404 unknown source.",
        status_code=HTTP_200_OK,
    )
    async def clear_agreement(
        self, source_id: RowId, caisse: ThisCaisse, actor: Caller, db_session: DbSession
    ) -> SubsidySourceView:
        source = await subsidies.clear_agreement(db_session, caisse, source_id, actor=actor)
        return await _source_view(db_session, caisse, source.id)

    @get("/subsidy-sources", summary="Subsidy sources and what each gave")
    async def list_sources(self, caisse: ThisCaisse, db_session: DbSession) -> list[SubsidySourceView]:
        return [SubsidySourceView.of(s) for s in await subsidies.list_subsidy_sources(db_session, caisse.id)]

    @post(
        "/subsidies",
        summary="Record a subsidy received",
        description=RECORDING,
        status_code=HTTP_201_CREATED,
        responses=replayed(SubsidyView, "The same subsidy, already recorded under this Idempotency-Key."),
    )
    async def record(
        self,
        data: JSONBody[SubsidyRequest],
        caisse: ThisCaisse,
        actor: Caller,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[SubsidyView]:
        """Dr fund / Cr the source's account. 404 unknown source; 422 bad date."""
        result = await subsidies.record_subsidy(
            db_session,
            caisse,
            source=data.source_id,
            amount_cents=data.amount_cents,
            received_on=data.received_on,
            reference=data.reference,
            idempotency_key=idempotency_key,
            actor=actor,
        )
        source = await subsidies.find_subsidy_source(db_session, caisse.id, result.record.source_id)
        view = SubsidyView.of(subsidies.SubsidyRow(result.record, source, None))
        return Response(view, status_code=_status(result.created))

    @get("/subsidies", summary="Subsidies received, newest first")
    async def list_subsidies(
        self,
        caisse: ThisCaisse,
        db_session: DbSession,
        source_id: OptionalQueryId = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[SubsidyView]:
        rows, total = await subsidies.list_subsidies(
            db_session, caisse.id, source=source_id, limit=limit, offset=offset
        )
        return Page(items=[SubsidyView.of(r) for r in rows], total=total, limit=limit, offset=offset)

    @post(
        "/costs",
        summary="Record an operating cost paid",
        description=RECORDING,
        status_code=HTTP_201_CREATED,
        responses=replayed(CostView, "The same cost, already recorded under this Idempotency-Key."),
    )
    async def record_cost(
        self,
        data: JSONBody[CostRequest],
        caisse: ThisCaisse,
        actor: Caller,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[CostView]:
        """Dr costs / Cr fund."""
        result = await costs.record_operating_cost(
            db_session,
            caisse,
            category=data.category,
            amount_cents=data.amount_cents,
            paid_on=data.paid_on,
            reference=data.reference,
            idempotency_key=idempotency_key,
            actor=actor,
        )
        return Response(CostView.of(costs.CostRow(result.record, None)), status_code=_status(result.created))

    @get("/costs", summary="Operating costs, newest first")
    async def list_costs(
        self, caisse: ThisCaisse, db_session: DbSession, limit: Limit = 50, offset: Offset = 0
    ) -> Page[CostView]:
        rows, total = await costs.list_costs(db_session, caisse.id, limit=limit, offset=offset)
        return Page(items=[CostView.of(r) for r in rows], total=total, limit=limit, offset=offset)

    @post(
        "/opening-reserve",
        summary="Book the reserve the caisse starts with (once)",
        status_code=HTTP_201_CREATED,
    )
    async def opening_reserve(
        self, data: JSONBody[OpeningReserveRequest], caisse: ThisCaisse, actor: Caller, db_session: DbSession
    ) -> OpeningReserveView:
        """Dr fund / Cr opening. 409 when it is already booked (reverse it first to correct it)."""
        entry = await reserve.record_opening_reserve(
            db_session,
            caisse,
            amount_cents=data.amount_cents,
            received_on=data.received_on,
            memo=data.memo,
            actor=actor,
        )
        return OpeningReserveView(
            entry_id=entry.id, amount_cents=data.amount_cents, received_on=entry.occurred_on
        )


CONTROLLERS = (PaymentController, ArrearsController, SubsidyController)
