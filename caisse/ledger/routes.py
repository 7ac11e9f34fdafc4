"""HTTP routes of the ledger: its verification, balances and entries (staff), corrections (admin)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.actor import Actor
from caisse.auth.guards import STAFF, requires
from caisse.auth.models import Role
from caisse.caisses.models import Caisse
from caisse.http.openapi import replayed
from caisse.http.params import Limit, Offset, RowId
from caisse.ledger import browse
from caisse.ledger.corrections import correct_by_reversal
from caisse.ledger.models import AccountKind, EntryKind
from caisse.ledger.schemas import AccountView, EntryDetail, EntryView, ReverseRequest, entry_detail
from caisse.ledger.verify import LedgerReport, verify_ledger
from caisse.pagination import Page

DbSession = NamedDependency[AsyncSession]
IdempotencyKey = Annotated[str | None, HeaderParameter(name="Idempotency-Key", max_length=100)]


class LedgerController(Controller):
    path = "/caisses/{slug:str}/ledger"
    tags = ("ledger",)

    @get("/verify", guards=[requires(*STAFF)], summary="Check every ledger invariant of the caisse")
    async def verify(self, caisse: NamedDependency[Caisse], db_session: DbSession) -> LedgerReport:
        """`ok` is true when `problems` is empty; each problem has a stable `code` and a sentence."""
        return await verify_ledger(db_session, caisse.id)

    @get("/accounts", guards=[requires(*STAFF)], summary="Accounts and their balances (natural sign, cents)")
    async def accounts(
        self,
        caisse: NamedDependency[Caisse],
        actor: NamedDependency[Actor],
        db_session: DbSession,
        kind: Annotated[AccountKind | None, QueryParameter()] = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> Page[AccountView]:
        """Households whose wallet or receivable is on the page are audit-logged."""
        items, total = await browse.account_balances(
            db_session, caisse.id, actor=actor, kind=kind, limit=limit, offset=offset
        )
        return Page(items=[AccountView.of(i) for i in items], total=total, limit=limit, offset=offset)

    @get("/entries", guards=[requires(*STAFF)], summary="Journal entries, newest first")
    async def entries(
        self,
        caisse: NamedDependency[Caisse],
        actor: NamedDependency[Actor],
        db_session: DbSession,
        period: Annotated[str | None, QueryParameter(max_length=20)] = None,
        kind: Annotated[EntryKind | None, QueryParameter()] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[EntryView]:
        """`period` (YYYY-MM) filters on the month an entry is for (dues, allocations, expiries).
        Entries showing one household's amount are audit-logged."""
        items, total = await browse.list_entries(
            db_session, caisse.id, actor=actor, period=period, kind=kind, limit=limit, offset=offset
        )
        return Page(items=[EntryView.of(i) for i in items], total=total, limit=limit, offset=offset)

    @get("/entries/{entry_id:int}", guards=[requires(*STAFF)], summary="One journal entry with its lines")
    async def entry(
        self,
        caisse: NamedDependency[Caisse],
        actor: NamedDependency[Actor],
        db_session: DbSession,
        entry_id: RowId,
    ) -> EntryDetail:
        """The households with a line in the entry are audit-logged."""
        entry, lines = await browse.get_entry(db_session, caisse.id, entry_id, actor=actor)
        reversals = await browse.reversed_by(db_session, [entry.id])
        return entry_detail(entry, lines, reversals.get(entry.id))

    @post(
        "/entries/{entry_id:int}/reverse",
        guards=[requires(Role.ADMIN)],
        summary="Correct an entry (admin)",
        description=(
            "Posts the mirror image of the entry: 201 with the reversal, or 200 with it when an "
            "`Idempotency-Key` already reversed it. 404 no such entry in this caisse; 409 already reversed, "
            "a reversal itself, part of a closed month's close, taking back credit already spent, or a "
            "contribution payment after which allocations withheld until payment were released (reverse "
            "those releases first; reversing a release withholds its allocation again), or a payout "
            "batch's entry (the bank has its transfers: see docs/payouts.md for a batch it rejects); "
            "422 an empty reason, or a date before the entry or in the future."
        ),
        status_code=HTTP_201_CREATED,
        responses=replayed(EntryDetail, "The same reversal, already posted under this Idempotency-Key."),
    )
    async def reverse(
        self,
        data: JSONBody[ReverseRequest],
        caisse: NamedDependency[Caisse],
        actor: NamedDependency[Actor],
        db_session: DbSession,
        entry_id: RowId,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[EntryDetail]:
        """Post the mirror image of the entry (201 with the reversal; 200 with it when an
        `Idempotency-Key` already reversed it). 404: no such entry here;
        409: already reversed, a reversal itself, part of a closed month's close, taking back
        credit already spent, or a payment whose withheld credit was released after it;
        422: no reason, or a date before the entry or in the future."""
        posted = await correct_by_reversal(
            db_session,
            caisse_id=caisse.id,
            entry_id=entry_id,
            reason=data.reason,
            occurred_on=data.occurred_on,
            created_by_user_id=actor.user_id,
            idempotency_key=idempotency_key,
        )
        entry, lines = await browse.get_entry(db_session, caisse.id, posted.entry.id, actor=actor)
        status = HTTP_201_CREATED if posted.created else HTTP_200_OK
        return Response(entry_detail(entry, lines, None), status_code=status)


CONTROLLERS = (LedgerController,)
