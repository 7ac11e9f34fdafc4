"""Redemptions (reconversion): outlets' requests awaiting a decision, approved or rejected (with the
reason the outlet reads); the approved ones paid by a payout batch, whose SEPA file (pain.001) and
CSV are downloaded here; the batches made.

The batch form names the approved requests it showed and carries a retry key: sent twice, it makes
one batch, and the page says so. A decision sent twice finds the request already decided and says
that too.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth import audit
from caisse.auth.actor import Actor
from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.caisses.models import Caisse
from caisse.errors import Conflict, NotFound, ValidationFailed
from caisse.http.params import RowId
from caisse.pagination import MAX_LIMIT
from caisse.periods import caisse_today
from caisse.redemptions import (
    RedemptionStatus,
    approve_redemption,
    create_payout_batch,
    get_batch,
    get_redemption,
    list_batches,
    list_redemptions,
    reject_redemption,
)
from caisse.redemptions.approval import MAX_REASON
from caisse.redemptions.batch_checks import MAX_DAYS_AHEAD
from caisse.redemptions.batch_lookup import outlet_ids_of
from caisse.redemptions.position import outlet_balance
from caisse.redemptions.requests import redemption_row
from caisse.text import has_control_characters
from web.pages.staff.forms import (
    GUARD,
    NO_STORE,
    PAGE_SIZE,
    Flag,
    PageNumber,
    RecordId,
    clean_key,
    day_or_none,
    garbled,
    new_key,
    staff_url,
    with_detail,
)
from web.pages.staff.money.common import CSV, download
from web.pages.till.common import Pager
from web.render import page, translator

_IDS = re.compile(r"[0-9]{1,18}( [0-9]{1,18})*")
# A batch pays at most the MAX_LIMIT oldest approved requests the page shows; the next batch the rest.
# The requests awaiting a decision shown at once (the oldest); the rest come as these are decided.
WAITING_SHOWN = 100


class DecisionForm(msgspec.Struct):
    reason: str = ""


class BatchForm(msgspec.Struct):
    execution_date: str = ""
    ids: str = ""  # the approved requests the page showed, space-separated
    key: str = ""


def _url(caisse: Caisse, rest: str = "") -> str:
    return staff_url(caisse, f"/reconversions{rest}")


def _undecidable(request: Request[Any, Any, Any], exc: Conflict) -> str:
    """Why a request cannot be approved or rejected now (it was decided meanwhile, or is paid)."""
    _ = translator(request)
    return with_detail(_("This request cannot be decided now: it is no longer waiting for a decision."), exc)


async def _page(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    caisse: Caisse,
    *,
    number: int = 1,
    status: int = 200,
    batch_form: BatchForm | None = None,
    errors: dict[str, str] | None = None,
    reasons: dict[int, str] | None = None,
    decide_error: tuple[int, str] | None = None,
    batch_error: str | None = None,
    notice: dict[str, Any] | None = None,
) -> Template:
    waiting, waiting_total = await list_redemptions(
        db, caisse.id, status=RedemptionStatus.REQUESTED, limit=WAITING_SHOWN
    )
    waiting.reverse()  # the oldest request first
    held = {
        oid: await outlet_balance(db, caisse.id, oid) for oid in {r.redemption.outlet_id for r in waiting}
    }
    approved, approved_total = await list_redemptions(
        db, caisse.id, status=RedemptionStatus.APPROVED, limit=MAX_LIMIT
    )
    approved.reverse()
    batches, batches_total = await list_batches(
        db, caisse.id, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    today = caisse_today()
    batch_form = batch_form or BatchForm(execution_date=today.isoformat())
    return page(
        request, "staff/money/redemptions.html", status=status, caisse=caisse, caisse_nav=caisse,
        section="redemptions", waiting=waiting, waiting_total=waiting_total, held=held, approved=approved,
        approved_total=approved_total, approved_cents=sum(r.redemption.amount_cents for r in approved),
        approved_ids=" ".join(str(r.redemption.id) for r in approved), batches=batches,
        pager=Pager(number, PAGE_SIZE, batches_total), batch_form=batch_form,
        batch_key=batch_form.key or new_key(), errors=errors or {}, reasons=reasons or {},
        decide_error=decide_error, batch_error=batch_error, notice=notice, today=today,
        latest_day=today + timedelta(days=MAX_DAYS_AHEAD),
    )  # fmt: skip


@get("/c/{slug:str}/gestion/reconversions", name="staff-redemptions", guards=GUARD)
async def redemptions(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    db_session: DbSession,
    number: PageNumber = 1,
    demande: RecordId = None,
    lot: RecordId = None,
    deja: Flag = None,
) -> Template:
    """After a decision (`?demande=<id>`) or a batch (`?lot=<id>`), what was done;
    `deja`: the form had already done it, nothing was done twice."""
    notice: dict[str, Any] | None = None
    if demande is not None:
        row = await redemption_row(db_session, await get_redemption(db_session, caisse.id, demande))
        notice = {"kind": "decision", "row": row, "resent": deja is not None}
    elif lot is not None:
        notice = {
            "kind": "batch",
            "batch": await get_batch(db_session, caisse.id, lot),
            "resent": deja is not None,
        }
    return await _page(request, db_session, caisse, number=number, notice=notice)


async def _not_decided(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    caisse: Caisse,
    redemption_id: int,
    wanted: RedemptionStatus,
    exc: Conflict,
) -> Response[Any]:
    """A decision the service refused: done when the request is already in the state it wanted
    (the same decision sent twice), else the reason shown by the request (409)."""
    if (await get_redemption(db, caisse.id, redemption_id)).status is wanted:
        return _decided(caisse, redemption_id, True)
    return await _page(
        request, db, caisse, status=409, decide_error=(redemption_id, _undecidable(request, exc))
    )


def _decided(caisse: Caisse, redemption_id: int, resent: bool) -> Redirect:
    flag = "&deja=1" if resent else ""
    return Redirect(path=_url(caisse, f"?demande={redemption_id}{flag}"), status_code=303)


@post(
    "/c/{slug:str}/gestion/reconversions/{redemption_id:int}/approuver",
    name="staff-redemption-approve",
    guards=GUARD,
)
async def approve(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    redemption_id: RowId,
) -> Response[Any]:
    try:
        await approve_redemption(db_session, caisse.id, redemption_id, by_user_id=actor.user_id)
    except Conflict as exc:
        return await _not_decided(request, db_session, caisse, redemption_id, RedemptionStatus.APPROVED, exc)
    return _decided(caisse, redemption_id, False)


@post(
    "/c/{slug:str}/gestion/reconversions/{redemption_id:int}/refuser",
    name="staff-redemption-reject",
    guards=GUARD,
)
async def reject(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    redemption_id: RowId,
    data: URLEncodedBody[DecisionForm],
) -> Response[Any]:
    _ = translator(request)
    reason = data.reason.strip()
    field = f"reason-{redemption_id}"
    await get_redemption(db_session, caisse.id, redemption_id)  # 404 before anything else
    if (
        not reason
        or len(reason) > MAX_REASON
        or has_control_characters(reason, multiline=True)
        or garbled(reason)
    ):
        message = _("Write why the request is rejected, in at most 500 characters: the outlet reads it.")
        return await _page(
            request, db_session, caisse, status=422, errors={field: message},
            reasons={redemption_id: reason[:MAX_REASON]},
        )  # fmt: skip
    try:
        await reject_redemption(db_session, caisse.id, redemption_id, reason=reason, by_user_id=actor.user_id)
    except Conflict as exc:
        return await _not_decided(request, db_session, caisse, redemption_id, RedemptionStatus.REJECTED, exc)
    except ValidationFailed as exc:
        return await _page(
            request,
            db_session,
            caisse,
            status=422,
            errors={field: with_detail(_("This reason is not accepted."), exc)},
            reasons={redemption_id: reason},
        )
    return _decided(caisse, redemption_id, False)


@post("/c/{slug:str}/gestion/reconversions/lots", name="staff-payout-batch", guards=GUARD)
async def make_batch(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    data: URLEncodedBody[BatchForm],
) -> Response[Any]:
    _ = translator(request)
    errors: dict[str, str] = {}
    typed = data.execution_date.strip()
    day = day_or_none(typed)
    today = caisse_today()
    if day is None:
        errors["execution_date"] = _("Enter the day the bank should pay, such as 14/03/2027.")
    elif day < today:
        errors["execution_date"] = _("This day is past: the bank pays from today on.")
    elif day > today + timedelta(days=MAX_DAYS_AHEAD):
        errors["execution_date"] = _("The bank pays within 60 days: choose a nearer day.")
    ids = data.ids.strip()
    values = BatchForm(
        execution_date=typed[:20], ids=ids if _IDS.fullmatch(ids) else "", key=clean_key(data.key)
    )
    if errors or not values.key or not values.ids or day is None:
        form_error = (
            None
            if values.key and values.ids
            else _("The form was incomplete. Reload the page and send it again.")
        )
        return await _page(
            request, db_session, caisse, status=422, batch_form=values, errors=errors, batch_error=form_error
        )
    try:
        result = await create_payout_batch(
            db_session, caisse, execution_date=day, redemption_ids=[int(i) for i in values.ids.split()],
            idempotency_key=values.key, by_user_id=actor.user_id,
        )  # fmt: skip
    except (Conflict, NotFound) as exc:
        fresh = msgspec.structs.replace(values, key=new_key(), ids="")
        message = (
            _("A request listed is no longer approved: make the batch again from the list below.")
            if isinstance(exc, NotFound)
            else with_detail(
                _("The approved requests changed since the page was shown, or the money is short."), exc
            )
        )
        return await _page(request, db_session, caisse, status=409, batch_form=fresh, batch_error=message)
    except ValidationFailed as exc:
        message = with_detail(
            _("The payout batch cannot be made; correct what follows, then make it again."), exc
        )
        return await _page(request, db_session, caisse, status=422, batch_form=values, batch_error=message)
    flag = "" if result.created else "&deja=1"
    return Redirect(path=_url(caisse, f"?lot={result.record.id}{flag}"), status_code=303)


async def _audit_download(db: AsyncSession, actor: Actor, caisse: Caisse, batch: Any, what: str) -> None:
    """The files carry the outlets' IBANs: who downloaded them is logged, as through the API."""
    await audit.record(
        db, actor=actor, caisse_id=caisse.id, action="payout_batch.download", subject_type="outlet",
        subject_ids=await outlet_ids_of(db, batch), fields=["iban", "bic"], note=f"{batch.reference} {what}",
    )  # fmt: skip


@get(
    "/c/{slug:str}/gestion/reconversions/lots/{batch_id:int}/pain001.xml",
    name="staff-payout-pain001",
    guards=GUARD,
    cache_control=NO_STORE,
)
async def pain001(caisse: PathCaisse, actor: Caller, db_session: DbSession, batch_id: RowId) -> Response[Any]:
    """The SEPA credit-transfer file to upload to the bank, as the batch wrote it."""
    batch = await get_batch(db_session, caisse.id, batch_id)
    await _audit_download(db_session, actor, caisse, batch, "pain001.xml")
    return download(batch.pain001_xml, "application/xml", f"{batch.reference}.pain001.xml")


@get(
    "/c/{slug:str}/gestion/reconversions/lots/{batch_id:int}/virements.csv",
    name="staff-payout-csv",
    guards=GUARD,
    cache_control=NO_STORE,
)
async def payouts_csv(
    caisse: PathCaisse, actor: Caller, db_session: DbSession, batch_id: RowId
) -> Response[Any]:
    """The same transfers as a CSV (amounts in euros, 12.50)."""
    batch = await get_batch(db_session, caisse.id, batch_id)
    await _audit_download(db_session, actor, caisse, batch, "payouts.csv")
    return download(batch.payouts_csv, CSV, f"{batch.reference}.virements.csv")
