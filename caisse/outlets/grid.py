"""The criteria grid of a caisse, committee assessments, and an outlet's filled-in grid."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.errors import Conflict, NotFound, ValidationFailed
from caisse.outlets import criteria
from caisse.outlets.models import Assessment, Criterion, CriterionKind, Direction
from caisse.outlets.service import get_outlet
from caisse.text import refuse_control_characters

_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
CRITERION_FIELDS = (
    "code",
    "label",
    "description",
    "kind",
    "unit",
    "threshold",
    "direction",
    "required",
    "weight",
    "active",
)


def rule_of(criterion: Criterion) -> criteria.Rule:
    return criteria.Rule(kind=criterion.kind, threshold=criterion.threshold, direction=criterion.direction)


def _check_shape(c: Criterion) -> None:
    if not _CODE.fullmatch(c.code or ""):
        raise ValidationFailed(
            "code: lowercase letters, digits and _, starting with a letter (e.g. local_70km)."
        )
    if not (c.label or "").strip() or len(c.label) > 200:
        raise ValidationFailed("label: give a label of 1 to 200 characters.")
    if c.weight is None or not 0 <= c.weight <= 100:
        raise ValidationFailed("weight: a whole number from 0 to 100.")
    if c.kind is CriterionKind.NUMERIC_THRESHOLD:
        if c.threshold is None or c.direction is None:
            raise ValidationFailed(
                "threshold: a numeric threshold criterion needs a threshold and a direction."
            )
        if not c.threshold.is_finite() or abs(c.threshold) >= Decimal("1e10"):
            raise ValidationFailed("threshold: send a finite number below 10 000 000 000.")
    elif c.threshold is not None or c.direction is not None or c.unit is not None:
        raise ValidationFailed(
            "threshold: only a numeric threshold criterion has a threshold, direction or unit."
        )


def _coerce(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for name in out:
        if name not in CRITERION_FIELDS:
            raise ValidationFailed(f"{name}: this field cannot be set here.")
    refuse_control_characters(
        {
            name: out[name]
            for name in ("code", "label", "description", "unit")
            if isinstance(out.get(name), str)
        },
        multiline={"description"},
    )
    if out.get("kind") is not None:
        try:
            out["kind"] = CriterionKind(out["kind"])
        except ValueError:
            raise ValidationFailed(f"kind: one of {', '.join(k.value for k in CriterionKind)}.") from None
    if out.get("direction") is not None:
        try:
            out["direction"] = Direction(out["direction"])
        except ValueError:
            raise ValidationFailed("direction: at_most or at_least.") from None
    if out.get("threshold") is not None:
        out["threshold"] = Decimal(str(out["threshold"]))
    return out


async def create_criterion(session: AsyncSession, caisse_id: int, values: dict[str, Any]) -> Criterion:
    clean = _coerce(values)
    clean.setdefault("description", "")
    clean.setdefault("required", False)
    clean.setdefault("weight", 1)
    clean.setdefault("active", True)
    criterion = Criterion(caisse_id=caisse_id, **clean)
    _check_shape(criterion)
    if await session.scalar(
        select(func.count()).where(Criterion.caisse_id == caisse_id, Criterion.code == criterion.code)
    ):
        raise Conflict(f"A criterion '{criterion.code}' already exists in this caisse.")
    session.add(criterion)
    await session.flush()
    return criterion


async def get_criterion(session: AsyncSession, caisse_id: int, criterion_id: int) -> Criterion:
    found = await session.scalar(
        select(Criterion).where(Criterion.id == criterion_id, Criterion.caisse_id == caisse_id)
    )
    if found is None:
        raise NotFound(f"No criterion {criterion_id} in this caisse.")
    return found


async def update_criterion(
    session: AsyncSession, caisse_id: int, criterion_id: int, values: dict[str, Any]
) -> Criterion:
    """Change a criterion. Its code and kind are fixed once assessed: earlier readings keep their meaning."""
    clean = _coerce(values)
    criterion = await get_criterion(session, caisse_id, criterion_id)
    if {"code", "kind"} & set(clean) and await session.scalar(
        select(func.count()).where(Assessment.criterion_id == criterion.id)
    ):
        changed = [k for k in ("code", "kind") if k in clean and clean[k] != getattr(criterion, k)]
        if changed:
            raise Conflict(f"{changed[0]}: cannot change once the criterion has assessments; add a new one.")
    before = {name: getattr(criterion, name) for name in CRITERION_FIELDS}
    for name, value in clean.items():
        setattr(criterion, name, value)
    try:
        _check_shape(criterion)
        if "code" in clean and await session.scalar(
            select(func.count()).where(
                Criterion.caisse_id == caisse_id,
                Criterion.code == criterion.code,
                Criterion.id != criterion.id,
            )
        ):
            raise Conflict(f"A criterion '{criterion.code}' already exists in this caisse.")
    except Exception:
        for name, value in before.items():
            setattr(criterion, name, value)
        raise
    await session.flush()
    return criterion


async def list_criteria(
    session: AsyncSession, caisse_id: int, *, active_only: bool = False
) -> list[Criterion]:
    query = select(Criterion).where(Criterion.caisse_id == caisse_id)
    if active_only:
        query = query.where(Criterion.active.is_(True))
    return list(await session.scalars(query.order_by(Criterion.id)))


async def install_default_grid(session: AsyncSession, caisse_id: int) -> list[Criterion]:
    """Add the default criteria (from real caisses) that the caisse does not have yet, by code."""
    have = {c.code for c in await list_criteria(session, caisse_id)}
    added = []
    for preset in criteria.DEFAULT_GRID:
        if preset["code"] not in have:
            added.append(await create_criterion(session, caisse_id, dict(preset)))
    return added


def _value_columns(kind: CriterionKind, value: criteria.Value) -> dict[str, Any]:
    if kind is CriterionKind.YES_NO:
        return {"value_bool": value}
    if kind is CriterionKind.SCALE:
        return {"value_int": value}
    return {"value_number": value}


def reading_of(criterion: Criterion, a: Assessment) -> criteria.Value:
    if criterion.kind is CriterionKind.YES_NO:
        return bool(a.value_bool)
    if criterion.kind is CriterionKind.SCALE:
        return int(a.value_int or 0)
    return Decimal(a.value_number or 0)


async def record_assessment(
    session: AsyncSession,
    caisse_id: int,
    outlet_id: int,
    criterion_id: int,
    *,
    value: bool | int | float | Decimal,
    evidence: str,
    evidence_url: str | None,
    by_user_id: int,
) -> Assessment:
    outlet = await get_outlet(session, caisse_id, outlet_id)
    criterion = await get_criterion(session, caisse_id, criterion_id)
    if not criterion.active:
        raise Conflict(f"Criterion '{criterion.code}' is not active.")
    raw: criteria.Value = Decimal(str(value)) if isinstance(value, float) else value
    try:
        clean = criteria.check_value(rule_of(criterion), raw)
    except ValueError as exc:
        raise ValidationFailed(f"value: {exc}") from None
    if isinstance(clean, Decimal) and abs(clean) >= Decimal("1e10"):
        raise ValidationFailed("value: send a number below 10 000 000 000.")
    if isinstance(clean, Decimal):
        clean = clean.quantize(Decimal("0.01"))
    if len(evidence) > 5000:
        raise ValidationFailed("evidence: at most 5000 characters.")
    refuse_control_characters({"evidence": evidence, "evidence_url": evidence_url}, multiline={"evidence"})
    if evidence_url is not None and not re.fullmatch(r"https?://\S{1,490}", evidence_url):
        raise ValidationFailed("evidence_url: an http(s) address.")
    row = Assessment(
        outlet_id=outlet.id,
        criterion_id=criterion.id,
        evidence=evidence.strip(),
        evidence_url=evidence_url,
        assessed_by_user_id=by_user_id,
        **_value_columns(criterion.kind, clean),
    )
    session.add(row)
    await session.flush()
    return row


@dataclass(frozen=True)
class Reading:
    value: criteria.Value
    passes: bool
    evidence: str
    evidence_url: str | None
    assessed_by_user_id: int
    assessment_id: int


@dataclass(frozen=True)
class GridLine:
    criterion: Criterion
    readings: list[Reading]
    result: criteria.CriterionResult


@dataclass(frozen=True)
class Grid:
    lines: list[GridLine]
    score: int
    eligible: bool
    required_unmet: list[str]


async def outlet_grid(session: AsyncSession, caisse_id: int, outlet_id: int) -> Grid:
    """The outlet's grid over the caisse's active criteria: each assessor's latest reading counts."""
    await get_outlet(session, caisse_id, outlet_id)
    active = await list_criteria(session, caisse_id, active_only=True)
    rows = await session.scalars(
        select(Assessment).where(Assessment.outlet_id == outlet_id).order_by(Assessment.at, Assessment.id)
    )
    latest: dict[tuple[int, int], Assessment] = {}
    for a in rows:
        latest[(a.criterion_id, a.assessed_by_user_id)] = a  # later rows win
    lines = []
    for c in active:
        rule = rule_of(c)
        readings = [
            Reading(
                value=reading_of(c, a),
                passes=criteria.passes(rule, reading_of(c, a)),
                evidence=a.evidence,
                evidence_url=a.evidence_url,
                assessed_by_user_id=a.assessed_by_user_id,
                assessment_id=a.id,
            )
            for (cid, _), a in sorted(latest.items(), key=lambda kv: kv[1].id)
            if cid == c.id
        ]
        lines.append(GridLine(c, readings, criteria.evaluate(rule, [r.value for r in readings])))
    required = [line for line in lines if line.criterion.required]
    return Grid(
        lines=lines,
        score=criteria.score([(line.criterion.weight, line.result) for line in lines]),
        eligible=criteria.eligible([line.result for line in required]),
        required_unmet=[
            line.criterion.code for line in required if not (line.result.assessed and line.result.met)
        ],
    )
