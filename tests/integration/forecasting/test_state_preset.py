"""The officials' "caisse as it stands" scenario takes its behaviour and funding from the books once
enough months are closed (and says as much as before until then); it runs as it is."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from caisse.caisses.service import get_caisse
from caisse.demo import build_demo
from caisse.forecasting.history import read_history
from caisse.simulations.population import members_population
from caisse.simulations.scenarios import caisse_document, decode
from simulation import simulate


async def test_the_caisse_as_it_stands_behaves_as_its_books_say(db: AsyncSession) -> None:
    summary = await build_demo(db, households=20, months=5, seed=4)
    caisse = await get_caisse(db, summary.slug)
    document = await caisse_document(db, caisse)
    history = await read_history(db, caisse)
    assert history is not None
    assert document["scenario"]["start"] == history.next_month
    assert document["participation"]["take_up"] == 1.0 and document["participation"]["rejoin"] is False
    assert document["participation"]["leave_rate"] > 0
    assert 0 < document["contribution"]["unpaid_share"] < 1
    assert {s["name"] for s in document["funding"]["subsidies"]} == {"Département", "Ville", "Fondation"}
    assert document["funding"]["initial_reserve"] == int(history.free_reserve_end[-1]) / 100
    assert set(document["uncertainty"]) >= {"leave_rate", "spend_through"}
    scenario = decode(document, caisse, "scenarios[0]")
    run = simulate(scenario, population=await members_population(db, caisse), paths=50, seed=1)
    assert run.summary().paths == 50


async def test_before_three_closed_months_it_is_what_it_was(db: AsyncSession) -> None:
    summary = await build_demo(db, households=8, months=2, seed=4)
    document = await caisse_document(db, await get_caisse(db, summary.slug))
    assert document["participation"] == {"take_up": 1.0}
    assert "uncertainty" not in document
