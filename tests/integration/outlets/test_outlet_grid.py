"""The criteria grid stored per caisse, assessments, and the filled-in grid of an outlet."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.models import Caisse
from caisse.errors import Conflict, ValidationFailed
from caisse.outlets.grid import (
    create_criterion,
    install_default_grid,
    list_criteria,
    outlet_grid,
    record_assessment,
    update_criterion,
)
from tests.integration.outlets.helpers import AddOutlet

LOCAL = {"code": "local", "label": "Within 70 km", "kind": "numeric_threshold", "unit": "km",
         "threshold": 70, "direction": "at_most", "required": True, "weight": 2}  # fmt: skip
ORGANIC = {"code": "organic", "label": "Organic", "kind": "yes_no", "required": True, "weight": 1}
PAY = {"code": "pay", "label": "Fair pay", "kind": "scale", "required": False, "weight": 1}


async def _assess(db: AsyncSession, world: Any, caisse: Caisse, outlet_id: int, criterion_id: int, value: Any,
                  who: str = "committee") -> None:  # fmt: skip
    await record_assessment(
        db,
        caisse.id,
        outlet_id,
        criterion_id,
        value=value,
        evidence="visited the farm",
        evidence_url=None,
        by_user_id=world.user_ids[who],
    )


@pytest.mark.parametrize(("km", "eligible"), [(70, True), (70.1, False)])
async def test_70_km_at_most_passes_at_70_and_fails_at_70_1(
    db: AsyncSession, world: Any, test_caisse: Caisse, add_outlet: AddOutlet, km: float, eligible: bool
) -> None:
    outlet = await add_outlet(test_caisse)
    local = await create_criterion(db, test_caisse.id, LOCAL)
    await _assess(db, world, test_caisse, outlet.id, local.id, km)
    grid = await outlet_grid(db, test_caisse.id, outlet.id)
    assert grid.eligible is eligible
    assert grid.required_unmet == ([] if eligible else ["local"])


@pytest.mark.parametrize(("grade", "met"), [(3, True), (2, False)])
async def test_scale_3_passes_2_fails(
    db: AsyncSession, world: Any, test_caisse: Caisse, add_outlet: AddOutlet, grade: int, met: bool
) -> None:
    outlet = await add_outlet(test_caisse)
    pay = await create_criterion(db, test_caisse.id, PAY)
    await _assess(db, world, test_caisse, outlet.id, pay.id, grade)
    (line,) = (await outlet_grid(db, test_caisse.id, outlet.id)).lines
    assert line.result.met is met


async def test_required_unmet_means_not_eligible_whatever_the_score(
    db: AsyncSession, world: Any, test_caisse: Caisse, add_outlet: AddOutlet
) -> None:
    outlet = await add_outlet(test_caisse)
    local = await create_criterion(db, test_caisse.id, LOCAL)
    organic = await create_criterion(db, test_caisse.id, ORGANIC)
    await create_criterion(db, test_caisse.id, PAY)
    await _assess(db, world, test_caisse, outlet.id, local.id, 12)
    grid = await outlet_grid(db, test_caisse.id, outlet.id)
    assert not grid.eligible and grid.required_unmet == ["organic"]  # not assessed yet
    await _assess(db, world, test_caisse, outlet.id, organic.id, False)
    grid = await outlet_grid(db, test_caisse.id, outlet.id)
    assert not grid.eligible and grid.score == 50  # local 2/4 of the weight
    await _assess(db, world, test_caisse, outlet.id, organic.id, True)  # the same assessor changes their mind
    grid = await outlet_grid(db, test_caisse.id, outlet.id)
    assert grid.eligible and grid.score == 75
    assert [len(line.readings) for line in grid.lines] == [1, 1, 0]


async def test_each_assessor_counts_once_with_their_latest_reading(
    db: AsyncSession, world: Any, test_caisse: Caisse, add_outlet: AddOutlet
) -> None:
    outlet = await add_outlet(test_caisse)
    organic = await create_criterion(db, test_caisse.id, ORGANIC)
    await _assess(db, world, test_caisse, outlet.id, organic.id, True, "committee")
    await _assess(db, world, test_caisse, outlet.id, organic.id, False, "admin")
    grid = await outlet_grid(db, test_caisse.id, outlet.id)
    assert not grid.lines[0].result.met  # 1 of 2 is no majority
    await _assess(db, world, test_caisse, outlet.id, organic.id, True, "admin")
    assert (await outlet_grid(db, test_caisse.id, outlet.id)).lines[0].result.met


async def test_a_value_of_the_wrong_kind_is_refused(
    db: AsyncSession, world: Any, test_caisse: Caisse, add_outlet: AddOutlet
) -> None:
    outlet = await add_outlet(test_caisse)
    pay = await create_criterion(db, test_caisse.id, PAY)
    with pytest.raises(ValidationFailed, match="value"):
        await _assess(db, world, test_caisse, outlet.id, pay.id, 6)
    with pytest.raises(ValidationFailed, match="value"):
        await _assess(db, world, test_caisse, outlet.id, pay.id, True)


async def test_criterion_shape_is_checked(db: AsyncSession, test_caisse: Caisse) -> None:
    with pytest.raises(ValidationFailed, match="threshold"):
        await create_criterion(db, test_caisse.id, {**LOCAL, "threshold": None})
    with pytest.raises(ValidationFailed, match="threshold"):
        await create_criterion(db, test_caisse.id, {**ORGANIC, "threshold": 3})
    with pytest.raises(ValidationFailed, match="code"):
        await create_criterion(db, test_caisse.id, {**ORGANIC, "code": "Bio!"})
    await create_criterion(db, test_caisse.id, ORGANIC)
    with pytest.raises(Conflict):
        await create_criterion(db, test_caisse.id, ORGANIC)


async def test_update_keeps_the_criterion_whole_when_refused(db: AsyncSession, test_caisse: Caisse) -> None:
    local = await create_criterion(db, test_caisse.id, LOCAL)
    with pytest.raises(ValidationFailed):
        await update_criterion(db, test_caisse.id, local.id, {"kind": "yes_no"})  # a threshold is left
    assert local.kind.value == "numeric_threshold"
    changed = await update_criterion(db, test_caisse.id, local.id, {"threshold": 50, "weight": 0})
    assert changed.threshold == Decimal(50) and changed.weight == 0


async def test_default_grid_installs_once(db: AsyncSession, test_caisse: Caisse) -> None:
    added = await install_default_grid(db, test_caisse.id)
    assert {c.code for c in added} >= {"organic", "local", "limited_margins"}
    assert await install_default_grid(db, test_caisse.id) == []
    local = next(c for c in await list_criteria(db, test_caisse.id) if c.code == "local")
    assert local.threshold == Decimal(70) and "Flers" in local.description
