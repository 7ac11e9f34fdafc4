"""The forecast from the caisse's books on the pages: the staff's dashboard and the officials' runs
page show the last year and the forecast on one chart with a sentence saying what it means; the
outlook page has the figures and what calibration learned; the back-test page how past forecasts
did. A caisse with fewer closed months says when they will come. Only staff and officials see them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.demo import DEMO_PASSWORD, build_demo
from caisse.errors import ValidationFailed
from tests.conftest import World
from tests.integration.web.officials.test_officials_pages import finished_page, tiny_form
from tests.integration.web.web_fixtures import Client, csrf_token, log_in
from web.pages.officials import outlook

DEMO = "/c/demo"


async def _demo(db: AsyncSession, months: int) -> None:
    await build_demo(db, households=16, months=months, seed=3)
    await db.commit()


def _chart_parts(html: str, chart_id: str) -> str:
    found = re.search(rf'<svg class="chart" id="{chart_id}".*?</svg>', html, re.S)
    assert found, f"no chart {chart_id}"
    return found.group(0)


async def test_dashboards_show_the_months_so_far_and_the_forecast_on_one_chart(
    db: AsyncSession, client: Client
) -> None:
    await _demo(db, months=5)
    assert (await log_in(client, "staff@demo.caisse-commune.fr", DEMO_PASSWORD)).status_code == 303
    for page in (f"{DEMO}/gestion", f"{DEMO}/simulations"):
        response = await client.get(page)
        assert response.status_code == 200, response.text
        chart = _chart_parts(response.text, "outlook-card")
        # The closed months as a line with a dot a month, the forecast as bands and a dashed median.
        assert chart.count("<circle") == 5
        assert chart.count("<polygon") == 2 and 'stroke-dasharray="8 5"' in chart
        assert "Réserve libre" in chart  # its title names what is drawn
        assert "Si les membres adhèrent, partent, paient et dépensent comme jusqu’ici" in response.text
        assert f'href="{DEMO}/simulations/prevision"' in response.text


async def test_the_outlook_page_has_the_figures_and_what_was_learned(
    db: AsyncSession, client: Client
) -> None:
    await _demo(db, months=5)
    assert (await log_in(client, "elu@demo.caisse-commune.fr", DEMO_PASSWORD)).status_code == 303
    response = await client.get(f"{DEMO}/simulations/prevision")
    assert response.status_code == 200, response.text
    html = response.text
    assert html.count("<circle") == 5  # the chart's five closed months
    assert "Membres qui partent, par mois" in html and "Crédit alimentaire dépensé, par mois" in html
    assert "Département" in html and "selon la convention" in html  # the demo's funders' agreements
    # The table: five months from the books, then 24 forecast months with their range.
    table = html[html.index("Réserve libre et membres à la fin de chaque mois") :]
    assert table.count('<th scope="row">') == 5 + 24


async def test_the_backtest_page_says_how_past_forecasts_did(db: AsyncSession, client: Client) -> None:
    await _demo(db, months=6)
    assert (await log_in(client, "elu@demo.caisse-commune.fr", DEMO_PASSWORD)).status_code == 303
    response = await client.get(f"{DEMO}/simulations/fiabilite")
    assert response.status_code == 200, response.text
    html = response.text
    assert "Dans la fourchette à 90 %" in html
    # Forecasts from the 3rd, 4th and 5th months: 3 + 2 + 1 months compared.
    assert re.search(r"Réserve libre</th><td class=\"num\">6</td>", html)
    assert 'id="backtest"' in html


async def test_too_few_closed_months_say_when_the_forecast_comes(db: AsyncSession, client: Client) -> None:
    await _demo(db, months=2)
    assert (await log_in(client, "staff@demo.caisse-commune.fr", DEMO_PASSWORD)).status_code == 303
    dashboard = await client.get(f"{DEMO}/gestion")
    assert dashboard.status_code == 200
    assert "elle apparaît quand 3 mois sont clôturés (2 pour l’instant)" in dashboard.text
    assert 'id="outlook-card"' not in dashboard.text
    backtest = await client.get(f"{DEMO}/simulations/fiabilite")
    assert backtest.status_code == 200 and "il faut 4 mois clôturés (2 pour l’instant)" in backtest.text


async def test_members_do_not_see_the_forecast(world: World, client: Client) -> None:
    assert (await log_in(client, "member@example.org")).status_code == 303
    assert (await client.get("/c/test/simulations/prevision")).status_code == 403


async def test_books_the_forecast_cannot_take_are_said_not_failed(
    db: AsyncSession, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuses(*_: object, **__: object) -> None:
        raise ValidationFailed(
            "The forecast of 'demo' cannot run on its books: [funding] initial_reserve: too large"
        )

    monkeypatch.setattr(outlook, "live_forecast_of", refuses)
    await _demo(db, months=3)
    assert (await log_in(client, "staff@demo.caisse-commune.fr", DEMO_PASSWORD)).status_code == 303
    for page in (f"{DEMO}/gestion", f"{DEMO}/simulations/prevision"):
        response = await client.get(page)
        assert response.status_code == 200
        assert "La prévision n’a pas pu être calculée à partir des comptes" in response.text
        assert "initial_reserve: too large" in response.text


async def test_a_scenario_from_the_caisse_as_it_stands_runs_on_its_calibrated_behaviour(
    db: AsyncSession, client: Client
) -> None:
    await _demo(db, months=4)
    assert (await log_in(client, "elu@demo.caisse-commune.fr", DEMO_PASSWORD)).status_code == 303
    form = await client.get(f"{DEMO}/simulations/nouvelle?base=caisse")
    assert form.status_code == 200
    data = tiny_form(csrf_token(form.text), base="caisse", initial_reserve="20 000")
    response = await client.post(f"{DEMO}/simulations/nouvelle", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    page = await finished_page(client, str(response.headers["location"]))
    assert "La réserve, mois par mois" in page
