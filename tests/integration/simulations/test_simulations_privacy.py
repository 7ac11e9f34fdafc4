"""A forecast on the caisse's own members shows aggregates only: a decile of fewer than
MIN_DECILE_HOUSEHOLDS households has no net transfer, on the API and on the page."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from caisse.members.models import Member, MemberStatus
from caisse.simulations.privacy import MIN_DECILE_HOUSEHOLDS
from tests.conftest import World
from tests.integration.simulations.test_simulations_api import URL, Client, wait_done


async def test_a_few_households_net_transfers_are_not_shown(
    client: Client, db: AsyncSession, world: World
) -> None:
    # Twelve households with the same low income (one decile of 12), three richer ones (a few each).
    incomes = [700_00] * 12 + [1_800_00, 2_600_00, 4_000_00]
    for i, income in enumerate(incomes):
        db.add(
            Member(
                caisse_id=world.caisse_id, code=f"T-{i:06d}", reference_person=f"Foyer {i}", adults=1,
                monthly_income_cents=income, income_declared_on=date(2026, 12, 1), status=MemberStatus.ACTIVE,
                applied_on=date(2026, 12, 1),
            )
        )  # fmt: skip
    await db.commit()
    request = {
        "paths": 20,
        "seed": 3,
        "scenarios": [{"preset": "caisse", "overrides": {"scenario": {"months": 3}}}],
    }
    started = await client.post(URL, json=request, headers=world.headers["official"])
    assert started.status_code == 202, started.text
    run = await wait_done(client, started.json()["url"], world.headers["official"])
    assert run["status"] == "done", run["error"]
    shown = [t for t in run["result"]["net_transfer_by_decile"] if t is not None]
    assert len(shown) == 1 and MIN_DECILE_HOUSEHOLDS <= 12
