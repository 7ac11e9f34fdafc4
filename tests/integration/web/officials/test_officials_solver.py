"""The solver page: the form names each bad field and keeps what was typed; a solve runs to its
answer — the lever's value meeting the target, the figure reached with its error, then the forecast
at that value with its downloads."""

from __future__ import annotations

import json
from html import unescape

from tests.conftest import World
from tests.integration.web.officials.test_officials_pages import BASE, finished_page
from tests.integration.web.web_fixtures import Client, csrf_token, log_in


def solver_form(token: str, **changes: str) -> dict[str, str]:
    form = {
        "_csrf_token": token, "base": "montpellier", "name": "Réserve nécessaire", "months": "6",
        "paths": "40", "seed": "3", "lever": "initial_reserve", "metric": "p_deficit_any_month",
        "bound": "10", "lowest": "", "highest": "",
    }  # fmt: skip
    form.update(changes)
    return form


async def test_an_official_finds_the_reserve_that_keeps_the_risk_under_the_target(
    world: World, client: Client
) -> None:
    assert (await log_in(client, "official@example.org")).status_code == 303
    shown = await client.get(f"{BASE}/solveur?base=montpellier")
    assert shown.status_code == 200 and "Trouver le levier qui atteint un objectif" in unescape(shown.text)
    token = csrf_token(shown.text)

    bad = await client.post(
        f"{BASE}/solveur", data=solver_form(token, lever="luck", bound="150", lowest="5", highest="1")
    )
    assert bad.status_code == 422
    for field in ("lever", "bound", "highest"):
        assert f'id="error-{field}"' in bad.text, field
    assert 'value="150"' in bad.text and "Une probabilité en %, de 0 à 99,9" in unescape(bad.text)

    # Montpellier's caisse over six months ends with about 144 000 € from an empty fund: asking for
    # 200 000 € in 95 futures out of 100 needs a reserve at the start.
    wanted = solver_form(token, metric="final_reserve_p05", bound="200 000")
    started = await client.post(f"{BASE}/solveur", data=wanted, follow_redirects=False)
    assert started.status_code == 303, started.text
    location = str(started.headers["location"])
    page = unescape(await finished_page(client, location))
    assert "La réponse" in page and "Réserve au départ, en euros" in page
    assert "final_reserve_p05 >= 200000" in page and "Atteint à cette valeur" in page
    assert f'src="{location}/reserve.svg"' in page  # the forecast at the value found

    solution = json.loads((await client.get(f"{location}/export.json")).text)
    assert solution["lever"] == "initial_reserve" and solution["value"] > 0
    assert solution["metric"] >= 200_000 and not solution["met_at_bound"]
    assert solution["forecast"]["scenario"] == "Réserve nécessaire" and solution["paths"] == 40
    assert (await client.get(f"{location}/export.csv")).status_code == 200


async def test_an_unreachable_target_shows_the_solvers_sentence(world: World, client: Client) -> None:
    assert (await log_in(client, "official@example.org")).status_code == 303
    token = csrf_token((await client.get(f"{BASE}/solveur?base=montpellier")).text)
    form = solver_form(
        token, lever="contribution_scale", metric="self_financing", bound="900", lowest="0.9", highest="1.1"
    )
    started = await client.post(f"{BASE}/solveur", data=form, follow_redirects=False)
    assert started.status_code == 303, started.text
    page = unescape(await finished_page(client, str(started.headers["location"])))
    assert "out of reach" in page and "between 0.9 and 1.1" in page
