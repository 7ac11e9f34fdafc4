"""Outlets and their conventioning: create and edit, record decisions, answer "may it take payments?".

Decisions (convene, renew, suspend, end, reject, review) are recorded by the committee today;
the ballots part calls `record_decision` when a ballot closes, with `decision_ref` naming it.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.errors import Conflict, NotFound, ValidationFailed
from caisse.ledger.accounts import open_outlet_account
from caisse.outlets.iban import normalise_bic, normalise_iban, normalise_siret
from caisse.outlets.models import (
    PRODUCT_CATEGORIES,
    Convention,
    ConventionStatus,
    Outlet,
    OutletKind,
    OutletStatus,
    OutletStatusChange,
)
from caisse.pagination import check_window

RENEWAL_WINDOW_DAYS = 60
MAX_TERM_MONTHS = 120
MAX_DISTANCE_KM = Decimal("100000")

# decision -> (statuses it may be taken from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[OutletStatus], OutletStatus]] = {
    "review": (frozenset({OutletStatus.APPLICANT}), OutletStatus.UNDER_REVIEW),
    "convene": (frozenset({OutletStatus.APPLICANT, OutletStatus.UNDER_REVIEW}), OutletStatus.CONVENTIONED),
    "renew": (
        frozenset({OutletStatus.CONVENTIONED, OutletStatus.SUSPENDED, OutletStatus.ENDED}),
        OutletStatus.CONVENTIONED,
    ),
    "suspend": (frozenset({OutletStatus.CONVENTIONED}), OutletStatus.SUSPENDED),
    "end": (frozenset({OutletStatus.CONVENTIONED, OutletStatus.SUSPENDED}), OutletStatus.ENDED),
    "reject": (frozenset({OutletStatus.APPLICANT, OutletStatus.UNDER_REVIEW}), OutletStatus.REJECTED),
}
DECISIONS = tuple(TRANSITIONS)


def allowed_decisions(status: OutletStatus) -> list[str]:
    return [d for d, (sources, _) in TRANSITIONS.items() if status in sources]


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def convention_end(starts_on: date, months: int) -> date:
    """The last day of a term of `months` months starting on `starts_on` (inclusive)."""
    return add_months(starts_on, months) - timedelta(days=1)


# --- validation of outlet fields ------------------------------------------------------------

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
EDITABLE = (
    "name",
    "kind",
    "address",
    "commune",
    "distance_km",
    "contact_email",
    "contact_phone",
    "siret",
    "product_categories",
    "iban",
    "bic",
)
# What the outlet itself may change in its own record.
OUTLET_EDITABLE = frozenset({"contact_email", "contact_phone", "product_categories", "iban", "bic"})
# What a member proposing an outlet may fill in (no bank or legal details).
PROPOSAL_FIELDS = frozenset(
    {
        "name",
        "kind",
        "address",
        "commune",
        "distance_km",
        "contact_email",
        "contact_phone",
        "product_categories",
    }
)


def _fail(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{name}: {message}")


def clean_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise outlet fields; ValidationFailed names the first bad field."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in EDITABLE:
            raise _fail(name, "this field cannot be set here.")
        if value is None:
            if name in ("name", "kind", "product_categories"):
                raise _fail(name, "cannot be empty.")
            out[name] = None
            continue
        if name == "name":
            text = str(value).strip()
            if not 1 <= len(text) <= 200:
                raise _fail(name, "give a name of 1 to 200 characters.")
            out[name] = text
        elif name == "kind":
            try:
                out[name] = OutletKind(value)
            except ValueError:
                known = ", ".join(k.value for k in OutletKind)
                raise _fail(name, f"unknown kind '{value}'; one of: {known}.") from None
        elif name in ("address", "commune"):
            out[name] = str(value).strip()
            if len(out[name]) > (120 if name == "commune" else 1000):
                raise _fail(name, "too long.")
        elif name == "distance_km":
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                raise _fail(name, "send a number of kilometres.") from None
            if not number.is_finite() or number < 0 or number > MAX_DISTANCE_KM:
                raise _fail(name, "a distance is a number of kilometres, 0 or more.")
            out[name] = number.quantize(Decimal("0.1"))
            if out[name] != number:
                raise _fail(name, "give the distance to a tenth of a kilometre at most.")
        elif name == "contact_email":
            text = str(value).strip()
            if not _EMAIL.fullmatch(text) or len(text) > 254:
                raise _fail(name, f"'{text}' is not an e-mail address.")
            out[name] = text
        elif name == "contact_phone":
            text = str(value).strip()
            if not re.fullmatch(r"\+?[0-9 .()-]{6,40}", text):
                raise _fail(
                    name, "a phone number has digits, spaces, dots or dashes, optionally a leading +."
                )
            out[name] = text
        elif name == "siret":
            try:
                out[name] = normalise_siret(str(value))
            except ValueError as exc:
                raise _fail(name, str(exc)) from None
        elif name == "iban":
            try:
                out[name] = normalise_iban(str(value))
            except ValueError as exc:
                raise _fail(name, str(exc)) from None
        elif name == "bic":
            try:
                out[name] = normalise_bic(str(value))
            except ValueError as exc:
                raise _fail(name, str(exc)) from None
        elif name == "product_categories":
            cats = list(value)
            unknown = [c for c in cats if c not in PRODUCT_CATEGORIES]
            if unknown:
                raise _fail(name, f"unknown {unknown}; known: {', '.join(PRODUCT_CATEGORIES)}.")
            out[name] = json.dumps(sorted(set(cats)))
    return out


def categories_of(outlet: Outlet) -> list[str]:
    return list(json.loads(outlet.product_categories or "[]"))


# --- outlets ---------------------------------------------------------------------------------


async def _name_free(session: AsyncSession, caisse_id: int, name: str, but: int | None = None) -> None:
    query = select(func.count()).where(Outlet.caisse_id == caisse_id, func.lower(Outlet.name) == name.lower())
    if but is not None:
        query = query.where(Outlet.id != but)
    if await session.scalar(query):
        raise Conflict(f"An outlet named '{name}' already exists in this caisse.")


async def create_outlet(
    session: AsyncSession,
    caisse: Caisse,
    *,
    values: dict[str, Any],
    today: date,
    by_user_id: int | None = None,
    proposed_by_member_id: int | None = None,
    self_applied: bool = False,
) -> Outlet:
    """A new outlet, status applicant (history row dated `today`)."""
    clean = clean_fields(values)
    if "name" not in clean or "kind" not in clean:
        raise ValidationFailed("name and kind are required.")
    await _name_free(session, caisse.id, clean["name"])
    outlet = Outlet(
        caisse_id=caisse.id,
        status=OutletStatus.APPLICANT,
        proposed_by_member_id=proposed_by_member_id,
        self_applied=self_applied,
        **clean,
    )
    if outlet.product_categories is None:
        outlet.product_categories = "[]"
    session.add(outlet)
    await session.flush()
    await open_outlet_account(session, caisse.id, outlet.id, outlet.name)
    origin = "proposed by a member" if proposed_by_member_id else "applied" if self_applied else "entered"
    session.add(
        OutletStatusChange(
            outlet_id=outlet.id,
            from_status=None,
            to_status=OutletStatus.APPLICANT,
            effective_on=today,
            decision="apply",
            reason=origin,
            decided_by_user_id=by_user_id,
        )
    )
    await session.flush()
    return outlet


async def get_outlet(session: AsyncSession, caisse_id: int, outlet_id: int, *, lock: bool = False) -> Outlet:
    query = select(Outlet).where(Outlet.id == outlet_id, Outlet.caisse_id == caisse_id)
    if lock:
        query = query.with_for_update()
    outlet = await session.scalar(query)
    if outlet is None:
        raise NotFound(f"No outlet {outlet_id} in this caisse.")
    return outlet


async def update_outlet(
    session: AsyncSession,
    caisse_id: int,
    outlet_id: int,
    values: dict[str, Any],
    *,
    only: Iterable[str] | None = None,
) -> Outlet:
    """Change some fields. `only` limits what may change (the outlet editing its own record)."""
    if only is not None:
        refused = sorted(set(values) - set(only))
        if refused:
            raise ValidationFailed(f"{refused[0]}: you may not change this field.")
    clean = clean_fields(values)
    outlet = await get_outlet(session, caisse_id, outlet_id, lock=True)
    if "name" in clean:
        await _name_free(session, caisse_id, clean["name"], but=outlet.id)
    for name, value in clean.items():
        setattr(outlet, name, value)
    await session.flush()
    return outlet


@dataclass(frozen=True)
class OutletFilter:
    kind: OutletKind | None = None
    commune: str | None = None
    status: OutletStatus | None = None
    product: str | None = None


async def list_outlets(
    session: AsyncSession, caisse_id: int, filters: OutletFilter, *, limit: int = 50, offset: int = 0
) -> tuple[list[Outlet], int]:
    check_window(limit, offset)
    where = [Outlet.caisse_id == caisse_id]
    if filters.kind is not None:
        where.append(Outlet.kind == filters.kind)
    if filters.status is not None:
        where.append(Outlet.status == filters.status)
    if filters.commune:
        where.append(func.lower(Outlet.commune) == filters.commune.strip().lower())
    if filters.product:
        if filters.product not in PRODUCT_CATEGORIES:
            raise ValidationFailed(
                f"product: unknown '{filters.product}'; known: {', '.join(PRODUCT_CATEGORIES)}."
            )
        # Categories are stored as a sorted JSON list of known codes: the quoted code is unambiguous.
        where.append(Outlet.product_categories.contains(f'"{filters.product}"', autoescape=True))
    total = int(await session.scalar(select(func.count()).select_from(Outlet).where(*where)) or 0)
    rows = await session.scalars(
        select(Outlet).where(*where).order_by(Outlet.name, Outlet.id).limit(limit).offset(offset)
    )
    return list(rows), total


# --- decisions and conventions ---------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    change: OutletStatusChange
    convention: Convention | None = None
    closed: list[Convention] = field(default_factory=list)


async def _open_conventions(session: AsyncSession, outlet_id: int) -> list[Convention]:
    rows = await session.scalars(
        select(Convention)
        .where(Convention.outlet_id == outlet_id, Convention.status != ConventionStatus.ENDED)
        .order_by(Convention.starts_on)
    )
    return list(rows)


async def record_decision(
    session: AsyncSession,
    caisse: Caisse,
    outlet_id: int,
    *,
    decision: str,
    effective_on: date,
    reason: str = "",
    decision_ref: str = "",
    months: int | None = None,
    decided_by_user_id: int | None = None,
) -> Decision:
    """Apply a committee decision to an outlet: status change (recorded) and its convention.

    convene / renew: a convention from `effective_on` for `months` (default: the caisse's term);
    renewing closes any open convention the day before. suspend / end: the open convention stops
    on `effective_on` (no payment from that day). 409 when the decision is not allowed now.
    """
    if decision not in TRANSITIONS:
        raise ValidationFailed(f"decision: unknown '{decision}'; one of: {', '.join(DECISIONS)}.")
    if len(reason) > 1000 or len(decision_ref) > 200:
        raise ValidationFailed("reason is at most 1000 characters, decision_ref at most 200.")
    sources, target = TRANSITIONS[decision]
    if months is not None and decision not in ("convene", "renew"):
        raise ValidationFailed("months: only a convene or renew decision has a term.")
    term = months if months is not None else caisse.convention_term_months
    if not 1 <= term <= MAX_TERM_MONTHS:
        raise ValidationFailed(f"months: a term is 1 to {MAX_TERM_MONTHS} months.")
    outlet = await get_outlet(session, caisse.id, outlet_id, lock=True)
    if outlet.status not in sources:
        allowed = allowed_decisions(outlet.status)
        raise Conflict(
            f"Cannot {decision} an outlet that is {outlet.status.value}; "
            f"allowed now: {', '.join(allowed) if allowed else 'none'}."
        )
    open_ones = await _open_conventions(session, outlet.id)
    if open_ones and effective_on <= max(c.starts_on for c in open_ones) and decision == "renew":
        raise ValidationFailed("effective_on: a renewal starts after the current convention started.")
    if open_ones and effective_on < max(c.starts_on for c in open_ones):
        raise ValidationFailed("effective_on: before the start of the outlet's current convention.")
    change = OutletStatusChange(
        outlet_id=outlet.id,
        from_status=outlet.status,
        to_status=target,
        effective_on=effective_on,
        decision=decision,
        reason=reason.strip(),
        decision_ref=decision_ref.strip(),
        decided_by_user_id=decided_by_user_id,
    )
    session.add(change)
    await session.flush()
    outlet.status = target
    convention: Convention | None = None
    closed: list[Convention] = []
    if decision in ("convene", "renew"):
        for old in open_ones:
            old.status = ConventionStatus.ENDED
            old.stopped_on = min(old.stopped_on or effective_on, effective_on)
            closed.append(old)
        convention = Convention(
            outlet_id=outlet.id,
            caisse_id=caisse.id,
            starts_on=effective_on,
            ends_on=convention_end(effective_on, term),
            status=ConventionStatus.ACTIVE,
            created_by_change_id=change.id,
        )
        session.add(convention)
    elif decision in ("suspend", "end"):
        new_status = ConventionStatus.SUSPENDED if decision == "suspend" else ConventionStatus.ENDED
        for old in open_ones:
            old.status = new_status
            old.stopped_on = min(old.stopped_on or effective_on, effective_on)
            closed.append(old)
    await session.flush()
    return Decision(change=change, convention=convention, closed=closed)


async def outlet_history(session: AsyncSession, caisse_id: int, outlet_id: int) -> list[OutletStatusChange]:
    await get_outlet(session, caisse_id, outlet_id)
    rows = await session.scalars(
        select(OutletStatusChange)
        .where(OutletStatusChange.outlet_id == outlet_id)
        .order_by(OutletStatusChange.id)
    )
    return list(rows)


async def conventions_of(session: AsyncSession, outlet_id: int) -> list[Convention]:
    rows = await session.scalars(
        select(Convention)
        .where(Convention.outlet_id == outlet_id)
        .order_by(Convention.starts_on, Convention.id)
    )
    return list(rows)


def _covers(on: date) -> Any:
    """A convention covering day `on`: within its term and not stopped on or before that day."""
    return and_(
        Convention.starts_on <= on,
        Convention.ends_on >= on,
        or_(Convention.stopped_on.is_(None), Convention.stopped_on > on),
    )


async def outlet_can_take_payments(session: AsyncSession, outlet_id: int, on: date) -> bool:
    """True when a convention of the outlet covers `on` and was not suspended or ended by then.

    A suspension or an end takes effect on its `effective_on` day: payments that day are refused.
    A convention ended by a renewal is followed by the renewal's own convention.
    """
    found = await session.scalar(
        select(func.count()).select_from(Convention).where(Convention.outlet_id == outlet_id, _covers(on))
    )
    return bool(found)


async def conventions_due_for_renewal(
    session: AsyncSession, caisse: Caisse, today: date, *, within_days: int = RENEWAL_WINDOW_DAYS
) -> list[tuple[Convention, Outlet]]:
    """Active conventions ending between today and `within_days` days from today, soonest first."""
    rows = await session.execute(
        select(Convention, Outlet)
        .join(Outlet, Outlet.id == Convention.outlet_id)
        .where(
            Convention.caisse_id == caisse.id,
            Convention.status == ConventionStatus.ACTIVE,
            Outlet.status == OutletStatus.CONVENTIONED,
            Convention.ends_on >= today,
            Convention.ends_on <= today + timedelta(days=within_days),
        )
        .order_by(Convention.ends_on, Outlet.name)
    )
    return [(c, o) for c, o in rows]


async def current_convention(session: AsyncSession, outlet_id: int, on: date) -> Convention | None:
    return await session.scalar(
        select(Convention)
        .where(Convention.outlet_id == outlet_id, _covers(on))
        .order_by(Convention.starts_on.desc())
    )


async def outlet_in_caisse(session: AsyncSession, caisse_id: int, outlet_id: int) -> bool:
    return bool(
        await session.scalar(
            select(func.count()).where(Outlet.id == outlet_id, Outlet.caisse_id == caisse_id)
        )
    )
