"""The officials' pages: a scenario form that keeps what was typed and names each bad field, a run
followed to its results, the downloads, a comparison, the printable summary; CSRF refused once."""

from __future__ import annotations

import asyncio
import csv
import io
import json

from tests.conftest import World
from tests.integration.web.web_fixtures import Client, csrf_token, log_in

BASE = "/c/test/simulations"


def tiny_form(token: str, **changes: str) -> dict[str, str]:
    form = {
        "_csrf_token": token, "base": "montpellier", "name": "Essai", "months": "3", "paths": "20",
        "seed": "5",
        "contribution_percent": "100", "allocation_percent": "100", "subsidy_percent": "100",
        "take_up_percent": "20", "initial_reserve": "50 000", "operating_costs": "3000", "extra_subsidy": "0",
        "extra_subsidy_renewal_percent": "100",
    }  # fmt: skip
    form.update(changes)
    return form


async def finished_page(client: Client, location: str) -> str:
    for _ in range(1200):
        response = await client.get(location)
        assert response.status_code == 200, response.text
        if "Refresh" not in response.headers:
            return response.text
        assert 'id="run-progress"' in response.text
        await asyncio.sleep(0.05)
    raise AssertionError("the run never finished")


async def run_scenario(client: Client, token: str, **changes: str) -> str:
    response = await client.post(f"{BASE}/nouvelle", data=tiny_form(token, **changes), follow_redirects=False)
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


async def test_an_official_runs_a_scenario_and_downloads_its_results(world: World, client: Client) -> None:
    assert (await log_in(client, "official@example.org")).status_code == 303
    space = await client.get("/c/test/espace")
    assert f'href="{BASE}"' in space.text
    form = await client.get(f"{BASE}/nouvelle?base=montpellier")
    assert form.status_code == 200 and 'value="Montpellier — caisse alimentaire commune"' in form.text
    token = csrf_token(form.text)

    bad = await client.post(
        f"{BASE}/nouvelle", data=tiny_form(token, months="abc", take_up_percent="150", name="Gardé")
    )
    assert bad.status_code == 422
    assert 'id="error-months"' in bad.text and 'id="error-take_up_percent"' in bad.text
    assert 'aria-invalid="true"' in bad.text and 'value="Gardé"' in bad.text and 'value="abc"' in bad.text
    cheaper = await client.post(
        f"{BASE}/nouvelle",
        data=tiny_form(token, contribution_percent="50", name="Moins cher"),
        follow_redirects=False,
    )
    assert cheaper.status_code == 303
    await finished_page(client, str(cheaper.headers["location"]))

    location = await run_scenario(client, token)
    page = await finished_page(client, location)
    assert "chance of a deficit" in page.lower() or "déficit" in page
    assert f'src="{location}/reserve.svg"' in page and 'id="p-deficit"' in page and 'id="deciles"' in page

    document = json.loads((await client.get(f"{location}/export.json")).text)
    assert document["months"] == ["2027-01", "2027-02", "2027-03"] and document["paths"] == 20
    assert document["seed"] == 5 and document["scenario"] == "Essai"
    table = list(csv.DictReader(io.StringIO((await client.get(f"{location}/export.csv")).text)))
    assert [row["month"] for row in table] == document["months"]
    assert float(table[-1]["reserve_p50"]) == document["reserve"]["p50"][-1]
    svg = await client.get(f"{location}/reserve.svg?download=true")
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text
    assert "attachment" in svg.headers["content-disposition"]
    summary = await client.get(f"{location}/resume")
    assert summary.status_code == 200 and "officials.css" in summary.text and "Essai" in summary.text

    # The two forecasts side by side, on common random numbers.
    compare = await client.get(f"{BASE}/comparer")
    first, second = int(location.rsplit("/", 1)[1]), int(str(cheaper.headers["location"]).rsplit("/", 1)[1])
    assert (
        await client.post(f"{BASE}/comparer", data={"_csrf_token": token, "runs": str(first)})
    ).status_code == 422
    compared = await client.post(
        f"{BASE}/comparer", data={"_csrf_token": csrf_token(compare.text), "runs": [str(first), str(second)]},
        follow_redirects=False,
    )  # fmt: skip
    assert compared.status_code == 303, compared.text
    side_by_side = await finished_page(client, str(compared.headers["location"]))
    assert side_by_side.count('<th scope="row">Essai</th>') == 1  # the reference, in the side-by-side table
    assert side_by_side.count('<th scope="row">Moins cher</th>') == 2  # and in the differences

    listing = await client.get(BASE)
    assert listing.text.count(f'href="{BASE}/') >= 3


async def test_the_caisse_without_members_cannot_be_its_own_population(world: World, client: Client) -> None:
    await log_in(client, "staff@example.org")
    form = await client.get(f"{BASE}/nouvelle")
    assert form.status_code == 200
    token = csrf_token(form.text)
    response = await client.post(f"{BASE}/nouvelle", data=tiny_form(token, base="caisse"))
    assert response.status_code == 422 and "no active member" in response.text
    assert "<table" not in (await client.get(BASE)).text  # no run was recorded


async def test_forms_without_csrf_token_and_other_roles_are_refused(world: World, client: Client) -> None:
    await log_in(client, "official@example.org")
    response = await client.post(f"{BASE}/nouvelle", data={"name": "x"})
    assert response.status_code == 403
    await log_in(client, "committee@example.org")
    assert (await client.get(f"{BASE}/nouvelle")).status_code == 403
