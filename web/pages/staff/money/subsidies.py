"""Subsidies and operating costs: the funders and what each gave (and their grant agreements, each
set or cleared on the funder's page, `agreements`), the subsidies received, the costs paid, and a
form for each (a subsidy received, a new funder with its agreement when known, a cost paid).

The subsidy and cost forms carry retry keys: sent twice, they record once. The three forms share
the page, so their fields' ids carry the form's prefix ("s-", "f-", "c-").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.caisses.models import Caisse
from caisse.errors import Conflict, NotFound, ValidationFailed
from caisse.money import (
    create_subsidy_source,
    list_costs,
    list_subsidies,
    list_subsidy_sources,
    record_operating_cost,
    record_subsidy,
)
from caisse.money.models import OperatingCost, Subsidy, SubsidyKind, SubsidySource
from caisse.periods import caisse_today
from web.formatting import Formatter
from web.pages.staff.forms import (
    FUNDER_KINDS,
    GUARD,
    PAGE_SIZE,
    Flag,
    PageNumber,
    RecordId,
    check_text,
    clean_key,
    new_key,
    record_once,
    staff_url,
    with_detail,
)
from web.pages.staff.money.agreements import AgreementForm, check_agreement_fields
from web.pages.staff.money.common import check_money_moved
from web.pages.till.common import Pager
from web.render import formatter, page, translator

MAX_NAME = 200
MAX_CATEGORY = 80
MAX_REFERENCE = 120
COSTS_SHOWN = 50


class SubsidyForm(msgspec.Struct):
    source: str = ""
    amount: str = ""
    received_on: str = ""
    reference: str = ""
    key: str = ""


class SourceForm(msgspec.Struct):
    name: str = ""
    kind: str = ""
    agreed_amount: str = ""
    agreed_every_months: str = ""
    agreed_until: str = ""


class CostForm(msgspec.Struct):
    category: str = ""
    amount: str = ""
    paid_on: str = ""
    reference: str = ""
    key: str = ""


def _url(caisse: Caisse, rest: str = "") -> str:
    return staff_url(caisse, f"/subventions{rest}")


async def _page(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    caisse: Caisse,
    *,
    number: int = 1,
    status: int = 200,
    failed: str | None = None,
    subsidy: SubsidyForm | None = None,
    source: SourceForm | None = None,
    cost: CostForm | None = None,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
    done: dict[str, Any] | None = None,
) -> Template:
    """The page; `failed` names the form whose `errors` (by field id) and `form_error` are shown."""
    _ = translator(request)
    sources = await list_subsidy_sources(db, caisse.id)
    rows, total = await list_subsidies(db, caisse.id, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    costs, costs_total = await list_costs(db, caisse.id, limit=COSTS_SHOWN)
    today = caisse_today().isoformat()
    return page(
        request, "staff/money/subsidies.html", status=status, caisse=caisse, caisse_nav=caisse,
        section="subsidies", sources=sources, rows=rows, pager=Pager(number, PAGE_SIZE, total),
        costs=costs, costs_total=costs_total, kinds=FUNDER_KINDS,
        kind_options=[(k, _(v)) for k, v in FUNDER_KINDS.items()],
        source_options=[(str(s.source.id), s.source.name) for s in sources],
        subsidy=subsidy or SubsidyForm(received_on=today), source=source or SourceForm(),
        cost=cost or CostForm(paid_on=today), subsidy_key=(subsidy.key if subsidy else "") or new_key(),
        cost_key=(cost.key if cost else "") or new_key(), failed=failed, errors=errors or {},
        form_error=form_error, done=done, today=caisse_today(),
    )  # fmt: skip


@get("/c/{slug:str}/gestion/subventions", name="staff-subsidies", guards=GUARD)
async def subsidies(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    db_session: DbSession,
    number: PageNumber = 1,
    subvention: RecordId = None,
    financeur: RecordId = None,
    frais: RecordId = None,
    deja: Flag = None,
) -> Template:
    """After a form, the record it made (`?subvention=`, `?financeur=`, `?frais=<id>`; `deja`:
    a resent form that recorded nothing new)."""
    done: dict[str, Any] | None = None
    for kind, model, wanted in (
        ("subsidy", Subsidy, subvention),
        ("source", SubsidySource, financeur),
        ("cost", OperatingCost, frais),
    ):
        if wanted is not None:
            found: Any = await db_session.get(model, wanted)
            if found is None or found.caisse_id != caisse.id:
                raise NotFound("No such record in this caisse.")
            done = {"kind": kind, "record": found, "resent": deja is not None}
            if isinstance(found, Subsidy):
                done["source"] = await db_session.get(SubsidySource, found.source_id)
    return await _page(request, db_session, caisse, number=number, done=done)


def _check_subsidy(
    data: SubsidyForm, caisse: Caisse, sources: set[str], _: Callable[[str], str], fmt: Formatter
) -> tuple[SubsidyForm, dict[str, str], int, Any]:
    errors: dict[str, str] = {}
    if data.source not in sources:
        errors["s-source"] = _("Choose the funder; add it below first if it is not in the list.")
    amount, received = data.amount.strip(), data.received_on.strip()
    cents, day = check_money_moved(amount, received, ("s-amount", "s-received_on"), caisse, errors, _, fmt)
    reference = check_text(
        data.reference, MAX_REFERENCE, "s-reference", errors,
        _("Write the reference in at most 120 characters, on one line."),
    )  # fmt: skip
    cleaned = SubsidyForm(
        source=data.source if data.source in sources else "", amount=amount[:40], received_on=received[:20],
        reference=reference, key=clean_key(data.key),
    )  # fmt: skip
    return cleaned, errors, cents, day


@post("/c/{slug:str}/gestion/subventions", name="staff-subsidy-record", guards=GUARD)
async def record(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    data: URLEncodedBody[SubsidyForm],
) -> Response[Any]:
    _, fmt = translator(request), formatter(request)
    known = {str(s.source.id) for s in await list_subsidy_sources(db_session, caisse.id)}
    values, errors, cents, day = _check_subsidy(data, caisse, known, _, fmt)

    def again(status: int, form: SubsidyForm, form_error: str | None) -> Awaitable[Template]:
        return _page(
            request, db_session, caisse, status=status, failed="subsidy", subsidy=form, errors=errors,
            form_error=form_error,
        )  # fmt: skip

    return await record_once(
        values, errors, again,
        lambda: record_subsidy(
            db_session, caisse, source=int(values.source), amount_cents=cents, received_on=day,
            reference=values.reference, idempotency_key=values.key, actor=actor,
        ),
        lambda made: _url(caisse, f"?subvention={made}"),
        resent=_("This form had already recorded another subsidy. Check the new form below and send it."),
        refused=_("The caisse refused this subsidy."), _=_,
    )  # fmt: skip


@post("/c/{slug:str}/gestion/subventions/financeurs", name="staff-subsidy-source", guards=GUARD)
async def add_source(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    data: URLEncodedBody[SourceForm],
) -> Response[Any]:
    _, fmt = translator(request), formatter(request)
    errors: dict[str, str] = {}
    name = check_text(
        data.name, MAX_NAME, "f-name", errors,
        _("Enter the funder's name, such as Ville de Foix, in at most 200 characters on one line."),
        required=True,
    )  # fmt: skip
    if data.kind not in FUNDER_KINDS:
        errors["f-kind"] = _("Choose what kind of funder it is.")
    typed = AgreementForm(
        data.agreed_amount.strip()[:40], data.agreed_every_months.strip()[:10], data.agreed_until.strip()[:20]
    )
    agreement = check_agreement_fields(
        typed, ("f-agreed_amount", "f-agreed_every_months", "f-agreed_until"), caisse, errors, _, fmt,
        required=False,
    )  # fmt: skip
    values = SourceForm(
        name=name, kind=data.kind if data.kind in FUNDER_KINDS else "", agreed_amount=typed.amount,
        agreed_every_months=typed.every_months, agreed_until=typed.until,
    )  # fmt: skip
    if not errors:
        try:
            source = await create_subsidy_source(
                db_session, caisse, name=name, kind=SubsidyKind(values.kind), agreement=agreement, actor=actor
            )
        except Conflict:
            # The same funder sent twice (a double click, a reload) is already there: say so
            # (the service refused before writing anything).
            same = await db_session.scalar(
                select(SubsidySource).where(
                    SubsidySource.caisse_id == caisse.id,
                    SubsidySource.name == name,
                    SubsidySource.kind == SubsidyKind(values.kind),
                )
            )
            if same is not None:
                return Redirect(path=_url(caisse, f"?financeur={same.id}&deja=1"), status_code=303)
            errors["f-name"] = _("A funder of this caisse already has this name.")
        except ValidationFailed as exc:
            errors["f-name"] = with_detail(_("This name is not accepted for a funder."), exc)
        else:
            return Redirect(path=_url(caisse, f"?financeur={source.id}"), status_code=303)
    return await _page(request, db_session, caisse, status=422, failed="source", source=values, errors=errors)


def _check_cost(
    data: CostForm, caisse: Caisse, _: Callable[[str], str], fmt: Formatter
) -> tuple[CostForm, dict[str, str], int, Any]:
    errors: dict[str, str] = {}
    category = check_text(
        data.category, MAX_CATEGORY, "c-category", errors,
        _("Enter what the cost is for, such as salaires or loyer, in at most 80 characters."), required=True,
    )  # fmt: skip
    amount, paid = data.amount.strip(), data.paid_on.strip()
    cents, day = check_money_moved(amount, paid, ("c-amount", "c-paid_on"), caisse, errors, _, fmt)
    reference = check_text(
        data.reference, MAX_REFERENCE, "c-reference", errors,
        _("Write the reference in at most 120 characters, on one line."),
    )  # fmt: skip
    return CostForm(category, amount[:40], paid[:20], reference, clean_key(data.key)), errors, cents, day


@post("/c/{slug:str}/gestion/subventions/frais", name="staff-cost-record", guards=GUARD)
async def record_cost(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    data: URLEncodedBody[CostForm],
) -> Response[Any]:
    _, fmt = translator(request), formatter(request)
    values, errors, cents, day = _check_cost(data, caisse, _, fmt)

    def again(status: int, form: CostForm, form_error: str | None) -> Awaitable[Template]:
        return _page(
            request, db_session, caisse, status=status, failed="cost", cost=form, errors=errors,
            form_error=form_error,
        )  # fmt: skip

    return await record_once(
        values, errors, again,
        lambda: record_operating_cost(
            db_session, caisse, category=values.category, amount_cents=cents, paid_on=day,
            reference=values.reference, idempotency_key=values.key, actor=actor,
        ),
        lambda made: _url(caisse, f"?frais={made}"),
        resent=_("This form had already recorded another cost. Check the new form below and send it."),
        refused=_("The caisse refused this cost."), _=_,
    )  # fmt: skip
