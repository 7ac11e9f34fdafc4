"""The officials' pages answer tampered or careless input with a 4xx page, never a 500 on either
database: run ids out of range, a comparison of runs that are not finished forecasts."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.db.base import utcnow
from caisse.http.errors import database_refusal
from caisse.simulations.models import RunKind, RunStatus, SimulationRun
from tests.conftest import World
from tests.integration.web.officials.test_officials_pages import BASE, finished_page, run_scenario, tiny_form
from tests.integration.web.web_fixtures import Client, csrf_token, log_in
from web.errors import _status_and_detail

TOO_LARGE_ID = 2**63  # one past BIGINT


async def test_run_ids_out_of_range_are_a_400_page(world: World, client: Client) -> None:
    assert (await log_in(client, "official@example.org")).status_code == 303
    for tail in ("", "/resume", "/export.json", "/export.csv", "/reserve.svg"):
        response = await client.get(f"{BASE}/{TOO_LARGE_ID}{tail}")
        assert response.status_code == 400, (tail, response.text)
        assert "<h1>" in response.text
    token = csrf_token((await client.get(f"{BASE}/comparer")).text)
    tampered = await client.post(
        f"{BASE}/comparer", data={"_csrf_token": token, "runs": [str(TOO_LARGE_ID), "1"]}
    )
    assert tampered.status_code == 400, tampered.text


async def test_only_finished_forecasts_of_the_caisse_are_compared(
    world: World, client: Client, db: AsyncSession
) -> None:
    failed = SimulationRun(
        caisse_id=world.caisse_id, kind=RunKind.SIMULATE, status=RunStatus.FAILED, label="Échoué",
        paths_total=10, request="{}", error="boom",
    )  # fmt: skip
    elsewhere = SimulationRun(
        caisse_id=world.other_caisse_id, kind=RunKind.SIMULATE, status=RunStatus.DONE, label="Ailleurs",
        paths_total=10, request="{}",
    )  # fmt: skip
    db.add_all([failed, elsewhere])
    await db.commit()
    assert (await log_in(client, "official@example.org")).status_code == 303
    form = await client.get(f"{BASE}/nouvelle?base=montpellier")
    token = csrf_token(form.text)
    location = await run_scenario(client, token)
    await finished_page(client, location)
    done = location.rsplit("/", 1)[1]
    for other in (failed.id, elsewhere.id, 999_999):
        response = await client.post(
            f"{BASE}/comparer", data={"_csrf_token": token, "runs": [done, str(other)]}
        )
        assert response.status_code == 422, (other, response.text)
        assert "membres d’aujourd’hui" in response.text
        assert 'id="error-runs"' in response.text and 'aria-describedby="error-runs"' in response.text
    listing = await client.get(BASE)
    assert listing.text.count("Comparaison") == 0 and listing.text.count(" / ") == 0


async def test_the_form_says_whose_runs_fill_the_room(world: World, client: Client, db: AsyncSession) -> None:
    for _ in range(2):
        db.add(
            SimulationRun(
                caisse_id=world.other_caisse_id, kind=RunKind.SIMULATE, status=RunStatus.RUNNING, label="x",
                paths_total=10, request="{}", worker="elsewhere:1:abcd", heartbeat_at=utcnow(),
                requested_by_user_id=world.user_ids["official"],
            )
        )  # fmt: skip
    await db.commit()
    assert (await log_in(client, "official@example.org")).status_code == 303
    token = csrf_token((await client.get(f"{BASE}/nouvelle?base=montpellier")).text)
    response = await client.post(f"{BASE}/nouvelle", data=tiny_form(token))
    assert response.status_code == 429 and "Vous avez déjà deux calculs en cours" in response.text


async def test_a_running_forecasts_page_can_stop_reloading(
    world: World, client: Client, db: AsyncSession
) -> None:
    running = SimulationRun(
        caisse_id=world.caisse_id, kind=RunKind.SIMULATE, status=RunStatus.RUNNING, label="En cours",
        paths_total=10, paths_done=4, request="{}", worker="elsewhere:1:abcd", heartbeat_at=utcnow(),
    )  # fmt: skip
    db.add(running)
    await db.commit()
    assert (await log_in(client, "official@example.org")).status_code == 303
    url = f"{BASE}/{running.id}"
    following = await client.get(url)
    assert following.status_code == 200 and int(following.headers["Refresh"]) >= 5
    assert f'href="{url}?suivre=0"' in following.text
    still = await client.get(f"{url}?suivre=0")
    assert still.status_code == 200 and "Refresh" not in still.headers
    assert 'id="run-progress"' in still.text and f'href="{url}"' in still.text


async def test_a_run_too_large_says_how_many_paths_fit_next_to_the_field(
    world: World, client: Client
) -> None:
    assert (await log_in(client, "official@example.org")).status_code == 303
    token = csrf_token((await client.get(f"{BASE}/nouvelle?base=national")).text)
    response = await client.post(
        f"{BASE}/nouvelle", data=tiny_form(token, base="national", months="120", paths="20000")
    )
    assert response.status_code == 422, response.text
    assert 'id="error-paths"' in response.text and "Trop lourd pour le serveur : au plus" in response.text
    # Other refusals of the simulator keep its words, marked as English.
    response = await client.post(f"{BASE}/nouvelle", data=tiny_form(token, base="caisse"))
    assert response.status_code == 422 and '<span lang="en">' in response.text


async def test_a_single_path_forecast_claims_no_precision(world: World, client: Client) -> None:
    assert (await log_in(client, "official@example.org")).status_code == 303
    token = csrf_token((await client.get(f"{BASE}/nouvelle?base=montpellier")).text)
    page = await finished_page(client, await run_scenario(client, token, paths="1"))
    assert "± 0" not in page and "Pas d’erreur type de Monte-Carlo avec une seule trajectoire" in page


async def test_a_character_the_database_cannot_store_is_a_422_page_as_on_the_api(
    db: AsyncSession, backend: str
) -> None:
    """The safety net under `caisse.text`: pages and API classify the database's refusal alike."""
    if backend == "sqlite":
        pytest.skip("SQLite stores NUL in text")
    with pytest.raises(DBAPIError) as caught:
        await db.execute(text("SELECT CAST(:name AS TEXT)"), {"name": "a\x00b"})
    refusal = database_refusal(caught.value)
    assert refusal is not None and refusal.status == 422
    assert _status_and_detail(caught.value) == (422, None)
