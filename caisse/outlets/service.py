"""Outlet records: create, read, edit and list the outlets of a caisse.

Field rules are in `caisse.outlets.fields`; decisions and conventions in
`caisse.outlets.conventioning`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.errors import Conflict, NotFound, ValidationFailed
from caisse.ledger.accounts import open_outlet_account
from caisse.outlets.fields import clean_fields
from caisse.outlets.models import (
    PRODUCT_CATEGORIES,
    Assessment,
    Convention,
    Criterion,
    Outlet,
    OutletKind,
    OutletStatus,
    OutletStatusChange,
)
from caisse.pagination import check_window

if TYPE_CHECKING:
    from caisse.outlets.grid import Grid


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


async def outlet_in_caisse(session: AsyncSession, caisse_id: int, outlet_id: int) -> bool:
    return bool(
        await session.scalar(
            select(func.count()).where(Outlet.id == outlet_id, Outlet.caisse_id == caisse_id)
        )
    )


async def public_outlets(
    session: AsyncSession, caisse_id: int, today: date
) -> list[tuple[Outlet, Convention, Grid]]:
    """The conventioned outlets (at most 500, by name) with a convention covering `today`, each with
    that convention and its criteria grid, in four queries whatever the number of outlets: the
    outlets, their covering conventions, the active criteria, and every assessment of those outlets.

    The same figures as `conventioning.current_convention` and `grid.outlet_grid`, which read one
    outlet at a time (31 statements for 7 outlets on the public JSON route before)."""
    # Imported here: both modules import this one (for get_outlet).
    from caisse.outlets import grid as grids
    from caisse.outlets.conventioning import convention_covers

    outlets, _ = await list_outlets(
        session, caisse_id, OutletFilter(status=OutletStatus.CONVENTIONED), limit=500
    )
    if not outlets:
        return []
    ids = [o.id for o in outlets]
    current: dict[int, Convention] = {}
    for convention in await session.scalars(
        select(Convention)
        .where(Convention.outlet_id.in_(ids), convention_covers(today))
        .order_by(Convention.outlet_id, Convention.starts_on.desc(), Convention.id.desc())
    ):
        current.setdefault(convention.outlet_id, convention)  # the latest start, as current_convention
    covered = [o for o in outlets if o.id in current]
    if not covered:
        return []
    active = await grids.list_criteria(session, caisse_id, active_only=True)
    assessments: dict[int, list[Assessment]] = {o.id: [] for o in covered}
    for a in await session.scalars(
        select(Assessment)
        .where(Assessment.outlet_id.in_([o.id for o in covered]))
        .order_by(Assessment.at, Assessment.id)
    ):
        assessments[a.outlet_id].append(a)
    return [(o, current[o.id], _grid(active, assessments[o.id])) for o in covered]


def _grid(active: list[Criterion], assessments: list[Assessment]) -> Grid:
    """`grid.outlet_grid`'s grid from rows already read (its assessments oldest first): each
    assessor's latest reading of each active criterion counts. Kept step for step the same; a test
    compares the two on every outlet."""
    from caisse.outlets import criteria
    from caisse.outlets import grid as grids

    latest: dict[tuple[int, int], Assessment] = {}
    for a in assessments:
        latest[(a.criterion_id, a.assessed_by_user_id)] = a  # later rows win
    lines = []
    for c in active:
        rule = grids.rule_of(c)
        readings = [
            grids.Reading(
                value=grids.reading_of(c, a),
                passes=criteria.passes(rule, grids.reading_of(c, a)),
                evidence=a.evidence,
                evidence_url=a.evidence_url,
                assessed_by_user_id=a.assessed_by_user_id,
                assessment_id=a.id,
            )
            for (cid, _), a in sorted(latest.items(), key=lambda kv: kv[1].id)
            if cid == c.id
        ]
        lines.append(grids.GridLine(c, readings, criteria.evaluate(rule, [r.value for r in readings])))
    required = [line for line in lines if line.criterion.required]
    return grids.Grid(
        lines=lines,
        score=criteria.score([(line.criterion.weight, line.result) for line in lines]),
        eligible=criteria.eligible([line.result for line in required]),
        required_unmet=[
            line.criterion.code for line in required if not (line.result.assessed and line.result.met)
        ],
    )
